"""The event log: append-only JSON Lines, tagged by type, durable per event, read back exactly."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.state import JsonFileStateStore, StateStoreCorrupt, read_events
from domain.logs import (
    CandidateAction,
    CandidateEvaluation,
    GateResult,
    GateVerdict,
    LogEvent,
    RegimeShiftLog,
    RiskEvent,
    RiskEventType,
)
from domain.orders import PositionSide
from domain.regime import Regime
from tests.fakes import FakeClock

EVENTS: list[LogEvent] = [
    CandidateEvaluation(1_763_780_000, "BTC-USDT-SWAP", Regime.TREND, "B",
                        (GateResult("cooldown", GateVerdict.FAIL, "loss until 1763780600"),),
                        0.8, (("spread", 0.1),), 0.7, CandidateAction.REJECT, "loss cooldown"),
    RiskEvent(1_763_780_001, RiskEventType.EMERGENCY_FLAT, "BTC-USDT-SWAP", PositionSide.LONG,
              Decimal("3"), None, ("123",), ("pxfl01",), "stop not visible within 1 s"),
    RegimeShiftLog(1_763_780_002, "BTC-USDT-SWAP", Regime.TREND, Regime.SHOCK,
                   ("derisk", "close_runner"), 1_763_781_000, 1_763_782_000),
]


def test_events_are_appended_tagged_and_read_back_exactly(tmp_path: Path) -> None:
    store = JsonFileStateStore(tmp_path / "state.json", clock=FakeClock(start_ms=5))
    seen = b""
    for event in EVENTS:
        store.append_event(event)
        now = (tmp_path / "events.jsonl").read_bytes()
        assert now.startswith(seen)  # earlier lines are never rewritten
        seen = now
    assert read_events(tmp_path / "events.jsonl") == EVENTS
    first = json.loads(seen.splitlines()[1])
    assert (first["type"], first["schema_version"], first["logged_ms"]) == ("RiskEvent", 1, 5)
    assert first["qty"] == "3" and first["event_type"] == "EMERGENCY_FLAT"


def test_the_event_log_path_can_be_chosen(tmp_path: Path) -> None:
    store = JsonFileStateStore(tmp_path / "state.json", events_path=tmp_path / "log" / "ev.jsonl")
    store.append_event(EVENTS[0])
    assert read_events(tmp_path / "log" / "ev.jsonl") == EVENTS[:1]
    assert json.loads((tmp_path / "log" / "ev.jsonl").read_text())["logged_ms"] is None


def test_a_missing_event_log_has_no_events(tmp_path: Path) -> None:
    assert read_events(tmp_path / "events.jsonl") == []


@pytest.mark.parametrize(("line", "expected"), [
    ('{"type": "Nope"}', "unknown event type"),
    ('{"type": "RiskEvent", "schema_version": 9}', "schema_version 9"),
    ("not json", "line 2"),
    ('{"type": "RegimeShiftLog", "schema_version": 1, "ts": "1"}', "line 2"),
])
def test_a_damaged_event_line_is_reported_with_its_number(tmp_path: Path, line: str,
                                                          expected: str) -> None:
    store = JsonFileStateStore(tmp_path / "state.json")
    store.append_event(EVENTS[0])
    with (tmp_path / "events.jsonl").open("a") as f:
        f.write(line + "\n")
    with pytest.raises(StateStoreCorrupt, match=expected) as caught:
        read_events(tmp_path / "events.jsonl")
    assert "events.jsonl" in str(caught.value) and "line 2" in str(caught.value)


def test_a_line_torn_by_a_crash_is_passed_over_and_cut_before_the_next_append(
        tmp_path: Path) -> None:
    from adapters.state.events import append_event_line, encode_event

    path = tmp_path / "events.jsonl"
    first, second, third = (encode_event(e, 1) for e in EVENTS[:3])
    append_event_line(path, first)
    with path.open("ab") as f:  # what a kill mid-append leaves
        f.write(second[: len(second) // 2])
    assert read_events(path) == [EVENTS[0]]
    append_event_line(path, third)
    assert path.read_bytes() == first + third
    assert read_events(path) == [EVENTS[0], EVENTS[2]]


def test_a_damaged_line_that_is_not_the_last_is_still_refused(tmp_path: Path) -> None:
    from adapters.state.events import encode_event

    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"type": "RiskEv\n' + encode_event(EVENTS[0], 1))
    with pytest.raises(StateStoreCorrupt, match="line 1"):
        read_events(path)
