"""A state file and an event log written before issue 9 typed position side, tier and regime
(they were bare strings then) load into the enums and are written back as the same strings.

The fixtures were written by the code of commit bce5285 (JsonFileStateStore.flush and
append_event with side="LONG", tier="B", last_regime="SHOCK" and so on), not by hand.
"""

import json
import shutil
from decimal import Decimal
from pathlib import Path

from adapters.state.events import encode_event, read_events
from adapters.state.json_store import JsonFileStateStore
from domain.logs import CandidateEvaluation, RegimeShiftLog, RiskEvent
from domain.orders import PositionSide
from domain.regime import Regime, Tier
from domain.state import PositionStage

FIXTURES = Path(__file__).parents[2] / "fixtures" / "state"


def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "state.json"
    shutil.copy(FIXTURES / "state_before_issue9.json", path)
    return path


def test_an_old_state_file_loads_into_the_enums(tmp_path: Path) -> None:
    store = JsonFileStateStore(_copy(tmp_path))
    store.load()
    btc, eth, sol, xrp, doge = (store.get_symbol_state(f"{base}-USDT-SWAP")
                                for base in ("BTC", "ETH", "SOL", "XRP", "DOGE"))
    store.close()
    assert btc.last_regime is Regime.SHOCK and btc.position_state.tier is Tier.B
    assert btc.position_state.side is PositionSide.LONG
    assert btc.position_state.stage is PositionStage.PRE_TP1
    assert btc.position_state.qty_total == Decimal("0.10")
    assert eth.last_regime is Regime.CHOP and eth.position_state.tier is Tier.A
    assert eth.position_state.side is PositionSide.SHORT
    # a symbol never told a regime, and a flat position with no tier
    assert sol.last_regime is Regime.NONE and sol.position_state.tier is Tier.NONE
    assert sol.position_state.side is PositionSide.NONE
    assert xrp.last_regime is Regime.RANGE and doge.last_regime is Regime.TREND


def test_an_old_state_file_is_written_back_byte_for_byte(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    store = JsonFileStateStore(path)
    store.load()
    store.flush()
    store.close()
    expected = json.loads((FIXTURES / "state_before_issue9.json").read_text())
    for state in expected["symbols"].values():
        # fields added since the fixture was written appear with their defaults, nothing else
        state["position_state"].setdefault("books", [])
        state.setdefault("pending_stops", [])
    assert json.loads(path.read_text()) == expected


def test_an_old_event_log_loads_into_the_enums_and_encodes_the_same() -> None:
    lines = (FIXTURES / "events_before_issue9.jsonl").read_bytes().splitlines(keepends=True)
    events = read_events(FIXTURES / "events_before_issue9.jsonl")
    flat, runner_exit, candidate, shift = events
    assert isinstance(flat, RiskEvent) and flat.side is PositionSide.LONG
    assert isinstance(runner_exit, RiskEvent) and runner_exit.side is PositionSide.SHORT
    assert isinstance(candidate, CandidateEvaluation) and candidate.regime is Regime.TREND
    assert isinstance(shift, RegimeShiftLog)
    assert shift.old_regime is Regime.TREND and shift.new_regime is Regime.SHOCK
    assert [encode_event(e, 1_763_780_000_000) for e in events] == lines
