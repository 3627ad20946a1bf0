"""A state file and an event log written before issue 13's fields existed still load, and the
new fields persist."""

import json
import shutil
from pathlib import Path

import attrs

from adapters.state.events import read_events
from adapters.state.json_store import JsonFileStateStore
from domain.gate import check_open_gate
from domain.logs import RiskEvent
from domain.state import ExecQualityRoll, HealthRoll

FIXTURES = Path(__file__).parents[2] / "fixtures" / "state"
SYMBOL = "BTC-USDC-SWAP"


def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "state.json"
    shutil.copy(FIXTURES / "state_before_issue13.json", path)
    return path


def test_an_old_state_file_loads_with_the_new_fields_at_their_defaults(tmp_path: Path) -> None:
    store = JsonFileStateStore(_copy(tmp_path))
    store.load()
    state = store.get_symbol_state(SYMBOL)
    store.close()
    assert state.template_cooldowns == ()
    assert state.exec_quality_roll == ExecQualityRoll()
    assert state.health_roll == HealthRoll()
    assert state.shockguard.trigger_ts_60m == (1_700_000_000,)
    assert state.position_state.intent_id == "abc123"


def test_a_template_lock_in_an_old_file_binds_every_template(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    raw = json.loads(path.read_text())
    raw["symbols"][SYMBOL]["cooldown_until"]["template"] = 1_700_005_000
    path.write_text(json.dumps(raw))
    store = JsonFileStateStore(path)
    store.load()
    state = store.get_symbol_state(SYMBOL)
    store.close()
    for template in ("T", "U", None):
        decision = check_open_gate(state, now=1_700_004_000, template=template)
        assert not decision.allowed
        assert "until 1700005000" in decision.reject_reason


def test_new_fields_are_written_and_read_back(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    store = JsonFileStateStore(path)
    store.load()
    state = attrs.evolve(store.get_symbol_state(SYMBOL), template_cooldowns=(("T", 5),),
                         health_roll=HealthRoll(gross_win_r=2.5, limit_exit_n=3),
                         exec_quality_roll=ExecQualityRoll(fill_n=7))
    store.set_symbol_state(SYMBOL, state)
    store.flush()
    store.close()
    raw = json.loads(path.read_text())["symbols"][SYMBOL]
    assert raw["template_cooldowns"] == [["T", 5]]
    assert (raw["health_roll"]["gross_win_r"], raw["health_roll"]["limit_exit_n"]) == (2.5, 3)
    assert raw["exec_quality_roll"]["fill_n"] == 7
    again = JsonFileStateStore(path)
    again.load()
    assert again.get_symbol_state(SYMBOL) == state
    again.close()


def test_an_old_event_log_line_loads(tmp_path: Path) -> None:
    events = read_events(FIXTURES / "events_before_issue13.jsonl")
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, RiskEvent)
    assert (event.no_orders_reason, event.client_ids) == ("", ("pxSLabc12300",))
