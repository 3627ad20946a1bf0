"""The regime-shift playbook runs its four steps in a fixed order (seed §6)."""

from decimal import Decimal

import attrs
import pytest

from domain.actions import (
    CloseRunner,
    CooldownKind,
    DeRisk,
    EmitRegimeShiftLog,
    EmitRiskEvent,
    ExitMethod,
    ReplaceProtection,
    SetCooldown,
)
from domain.instrument import InstrumentSpec
from domain.logs import RiskEventType
from domain.orders import Side
from domain.params import Params, ShockGuardParams
from domain.playbook import PlaybookResult, PlaybookStep, on_regime_shift
from domain.regime import Regime
from domain.state import PositionState, ShockGuardState, SymbolState
from tests.unit.domain.builders import (
    CONFIRM,
    NOW,
    PARAMS,
    SPEC,
    SYMBOL,
    between,
    long_entry,
    pre_tp1,
    replay,
    runner,
    short_entry,
    spec,
)

D = Decimal


def shift(position: PositionState, new: str, *, old: str = "TREND", mark: str | None = "100",
          guard: ShockGuardState | None = None, params: Params = PARAMS,
          instrument: InstrumentSpec = SPEC, now: int = NOW) -> PlaybookResult:
    state = SymbolState(SYMBOL, last_regime=Regime(old), position_state=position,
                        shockguard=guard or ShockGuardState())
    return on_regime_shift(SYMBOL, Regime(old), Regime(new), state, now=now, params=params,
                           spec=instrument,
                           mark_price=None if mark is None else D(mark))


def steps(result: PlaybookResult) -> list[tuple[int, str]]:
    return [(item.step.value, type(item.action).__name__) for item in result.planned]


def test_shock_before_tp2_runs_all_four_steps_in_order() -> None:
    result = shift(pre_tp1(), "SHOCK")
    assert steps(result) == [(1, "DeRisk"), (3, "ReplaceProtection"), (4, "SetCooldown"),
                             (4, "EmitRiskEvent"), (4, "EmitRegimeShiftLog")]
    derisk, tighten, lock, event, log = result.actions
    assert derisk == DeRisk(SYMBOL, "abc123", Side.SELL, D(2),
                            "SHOCK: shed 2 of the runner allocation 2")
    assert isinstance(tighten, ReplaceProtection)
    # halfway from the stop at 90 to the mark at 100
    assert (tighten.stop_price, tighten.qty, tighten.old_algo_id) == (D(95), D(10), "algo1")
    assert lock == SetCooldown(CooldownKind.SHOCK, NOW + 900, "regime shift to SHOCK")
    assert isinstance(event, EmitRiskEvent)
    assert (event.event.event_type, event.event.reason) == (RiskEventType.REGIME_SHIFT,
                                                            "TREND -> SHOCK")
    assert isinstance(log, EmitRegimeShiftLog)
    assert (log.log.old_regime, log.log.new_regime, log.log.cooldown_until_shock) == (
        "TREND", "SHOCK", NOW + 900)
    assert [note[0] for note in log.log.steps] == ["1", "2", "3", "4"]
    state = result.state
    assert (state.last_regime, state.cooldown_until.shock) == ("SHOCK", NOW + 900)
    assert (state.shockguard.trigger_count_60m, state.shockguard.trigger_ts_60m) == (1, (NOW,))


@pytest.mark.parametrize("regime", ["SHOCK", "CHOP"])
def test_an_open_runner_is_closed_in_step_two(regime: str) -> None:
    result = shift(runner(), regime, mark="118")
    runner_steps = [item.action for item in result.planned if item.step is PlaybookStep.RUNNER]
    close = runner_steps[0]
    assert isinstance(close, CloseRunner)
    assert (close.qty, close.method) == (D(2), ExitMethod.MARKET)
    assert result.state.position_state.runner_exit_reason.startswith(f"regime {regime}")
    assert not any(isinstance(a, DeRisk | ReplaceProtection) for a in result.actions)


def test_chop_tightens_but_neither_sheds_nor_locks() -> None:
    result = shift(between(), "CHOP", mark="112")
    assert steps(result) == [(3, "ReplaceProtection"), (4, "EmitRiskEvent"),
                             (4, "EmitRegimeShiftLog")]
    tighten = result.actions[0]
    assert isinstance(tighten, ReplaceProtection)
    assert tighten.stop_price == D(106)  # breakeven 100 halfway to 112
    assert result.state.cooldown_until == SymbolState(SYMBOL).cooldown_until


def test_a_short_stop_tightens_downward() -> None:
    state = replay([short_entry(), attrs.evolve(CONFIRM, stop_price=D(110))]).state
    tighten = shift(state, "CHOP", mark="100.05").actions[0]
    assert isinstance(tighten, ReplaceProtection)
    # 110 - (110 - 100.05) / 2 = 105.025, rounded up away from the mark
    assert (tighten.side, tighten.stop_price) == (Side.BUY, D("105.1"))


@pytest.mark.parametrize(("mark", "fraction"), [(None, "0.5"), ("89", "0.5"), ("90.1", "0.5"),
                                                 ("100", "0")])
def test_the_stop_is_never_loosened_or_moved_past_the_mark(mark: str | None,
                                                           fraction: str) -> None:
    params = Params(shockguard=ShockGuardParams(stop_tighten_fraction=D(fraction)))
    result = shift(pre_tp1(), "CHOP", mark=mark, params=params)
    assert not any(isinstance(a, ReplaceProtection) for a in result.actions)
    assert "kept" in result.notes[2]


def test_a_third_shock_within_the_hour_sets_the_freeze() -> None:
    guard = ShockGuardState(trigger_count_60m=3, trigger_ts_60m=(NOW - 4000, NOW - 3000,
                                                                 NOW - 100))
    result = shift(PositionState(), "SHOCK", guard=guard)
    assert result.state.shockguard.trigger_ts_60m == (NOW - 3000, NOW - 100, NOW)
    assert result.state.shockguard.trigger_count_60m == 3
    locks = [(a.kind, a.until) for a in result.actions if isinstance(a, SetCooldown)]
    assert locks == [(CooldownKind.SHOCK, NOW + 900), (CooldownKind.FREEZE, NOW + 1800)]
    log = result.actions[-1]
    assert isinstance(log, EmitRegimeShiftLog)
    assert log.log.cooldown_until_freeze == NOW + 1800


def test_a_lock_already_longer_is_kept() -> None:
    state = SymbolState(SYMBOL, cooldown_until=attrs.evolve(SymbolState(SYMBOL).cooldown_until,
                                                            shock=NOW + 5000))
    result = on_regime_shift(SYMBOL, Regime.TREND, Regime.SHOCK, state, now=NOW, params=PARAMS,
                             spec=SPEC,
                             mark_price=None)
    assert result.state.cooldown_until.shock == NOW + 5000


def test_no_shift_is_a_no_op() -> None:
    result = shift(pre_tp1(), "SHOCK", old="SHOCK")
    assert result.planned == () and result.state.last_regime == "SHOCK"


def test_a_calm_shift_only_logs_and_keeps_the_runner() -> None:
    result = shift(runner(), "TREND", old="RANGE")
    assert steps(result) == [(4, "EmitRiskEvent"), (4, "EmitRegimeShiftLog")]
    assert result.state.last_regime == "TREND"
    assert result.state.position_state == runner()


@pytest.mark.parametrize(("runner_qty", "fraction", "min_sz", "shed"), [
    ("2", "1", "1", "2"), ("2", "0.5", "1", "1"), ("3", "0.5", "2", None),
    ("3", "0.7", "2", "3"), ("2", "0", "1", None),
])
def test_de_risk_sizes_stay_tradable(runner_qty: str, fraction: str, min_sz: str,
                                     shed: str | None) -> None:
    entry = long_entry(qty=str(8 + int(runner_qty)))
    params = Params(shockguard=ShockGuardParams(derisk_runner_fraction=D(fraction)))
    instrument = spec(min_sz=min_sz)
    position = replay([entry, CONFIRM]).state
    result = shift(position, "SHOCK", params=params, instrument=instrument)
    derisks = [a.qty for a in result.actions if isinstance(a, DeRisk)]
    assert derisks == ([] if shed is None else [D(shed)])
