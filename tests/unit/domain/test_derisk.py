"""Margin de-risk: the rule, its size, its place in the playbook (step 1, before the runner
step) and what the stage machine does with its fill."""

from decimal import Decimal

import attrs
import pytest

from domain.actions import (
    CancelProtection,
    CancelTakeProfits,
    CloseRunner,
    DeRisk,
    EmitRiskEvent,
    MarginDeRisk,
    PlaceTakeProfit,
    ReplaceProtection,
    TakeProfit,
)
from domain.derisk import check_margin, derisk_qty, margin_derisk
from domain.errors import InvalidTransition
from domain.events import MarginReduced
from domain.logs import RiskEventType
from domain.orders import Side
from domain.params import MarginParams, Params
from domain.playbook import PlaybookStep, on_regime_shift
from domain.records import MarginSnapshot, RecordError
from domain.regime import Regime
from domain.state import PositionStage, PositionState, SymbolState
from tests.unit.domain.builders import (
    NOW,
    SPEC,
    SYMBOL,
    between,
    kinds,
    pre_tp1,
    runner,
    spec,
    step,
)

D = Decimal
PARAMS = Params(margin=MarginParams(derisk_margin_ratio=D("0.5"), derisk_fraction=D("0.5")))


def margin(used: str, equity: str = "1000") -> MarginSnapshot:
    return MarginSnapshot(D(equity), D(used))


@pytest.mark.parametrize(("used", "equity", "above", "ratio"), [
    ("400", "1000", False, D("0.4")),
    ("500", "1000", False, D("0.5")),     # at the limit is not above it
    ("501", "1000", True, D("0.501")),
    ("0", "1000", False, D(0)),
    ("10", "0", True, None),              # no equity left: at risk by definition
    ("10", "-5", True, None),
    ("0.2", "0.5", False, D("0.4")),       # a small positive equity is still an equity
])
def test_the_margin_ratio_rule(used: str, equity: str, above: bool,
                               ratio: Decimal | None) -> None:
    check = check_margin(margin(used, equity), PARAMS)
    assert (check.above, check.ratio) == (above, ratio)


def test_the_margin_check_says_why() -> None:
    assert check_margin(margin("400"), PARAMS).reason == "margin used / equity 0.4000 <= 0.5"
    assert check_margin(margin("600"), PARAMS).reason == "margin used / equity 0.6000 > 0.5"
    assert check_margin(margin("1", "0"), PARAMS).reason == "equity 0 is not positive"


def test_negative_margin_used_is_not_a_balance_the_exchange_reports() -> None:
    with pytest.raises(RecordError):
        margin("-1")


@pytest.mark.parametrize(("qty_open", "fraction", "lot", "min_sz", "shed"), [
    ("10", "0.5", "1", "1", "5"),
    ("10", "0.33", "1", "1", "3"),       # floored to the lot
    ("10", "0.05", "1", "1", "1"),       # raised to minSz
    ("3", "0.5", "1", "2", "3"),         # 1 -> minSz 2 leaves 1 < minSz: all of it
    ("10", "0.5", "1", "6", "10"),
    ("10", "1", "1", "1", "10"),
    ("1", "0.5", "0.1", "0.1", "0.5"),
    ("4", "0.5", "1", "2", "2"),         # a rest of exactly minSz is kept
])
def test_derisk_sizes_stay_tradable(qty_open: str, fraction: str, lot: str, min_sz: str,
                                    shed: str) -> None:
    assert derisk_qty(D(qty_open), D(fraction), spec(lot=lot, min_sz=min_sz)) == D(shed)


def test_no_position_or_unknown_balances_place_nothing() -> None:
    assert margin_derisk(PositionState(), margin("900"), symbol=SYMBOL, params=PARAMS,
                         spec=SPEC) == (None, "margin: no open position")
    assert margin_derisk(pre_tp1(), None, symbol=SYMBOL, params=PARAMS, spec=SPEC) == (
        None, "margin: balances unknown, margin de-risk not judged")
    assert margin_derisk(pre_tp1(), margin("100"), symbol=SYMBOL, params=PARAMS,
                         spec=SPEC) == (None, "margin: margin used / equity 0.1000 <= 0.5")


def test_margin_above_the_limit_sheds_the_fraction_reduce_only_on_the_exit_side() -> None:
    action, _ = margin_derisk(pre_tp1(), margin("600"), symbol=SYMBOL, params=PARAMS, spec=SPEC)
    assert action == MarginDeRisk(SYMBOL, "abc123", Side.SELL, D(5),
                                  "margin de-risk: margin used / equity 0.6000 > 0.5: shed 5 "
                                  "of 10")


def shift(position: PositionState, new: str, snapshot: MarginSnapshot | None,
          old: str = "TREND") -> list[tuple[int, str]]:
    state = SymbolState(SYMBOL, last_regime=Regime(old), position_state=position)
    result = on_regime_shift(SYMBOL, Regime(old), Regime(new), state, now=NOW, params=PARAMS,
                             spec=SPEC,
                             mark_price=D(100), margin=snapshot)
    return [(p.step.value, type(p.action).__name__) for p in result.planned]


def test_margin_derisk_is_step_one_on_any_shift() -> None:
    assert shift(pre_tp1(), "RANGE", margin("600")) == [
        (1, "MarginDeRisk"), (4, "EmitRiskEvent"), (4, "EmitRegimeShiftLog")]
    assert shift(pre_tp1(), "RANGE", margin("400")) == [
        (4, "EmitRiskEvent"), (4, "EmitRegimeShiftLog")]


def test_margin_derisk_comes_before_the_runner_step() -> None:
    # a runner under CHOP closes whole in step 2, so step 1 places nothing for margin
    assert shift(runner(), "CHOP", margin("900")) == [
        (2, "CloseRunner"), (2, "EmitRiskEvent"), (4, "EmitRiskEvent"),
        (4, "EmitRegimeShiftLog")]
    # a runner kept by a calm regime is still cut for margin, in step 1
    steps = shift(runner(), "TREND", margin("900"), old="RANGE")
    assert steps[0] == (PlaybookStep.SHOCKGUARD.value, "MarginDeRisk")


def test_with_a_shock_one_order_sheds_the_larger_of_the_two() -> None:
    state = SymbolState(SYMBOL, last_regime=Regime.TREND, position_state=pre_tp1())
    result = on_regime_shift(SYMBOL, Regime.TREND, Regime.SHOCK, state, now=NOW, params=PARAMS,
                             spec=SPEC, mark_price=D(100), margin=margin("600"))
    step1 = [p.action for p in result.planned if p.step is PlaybookStep.SHOCKGUARD]
    assert len(step1) == 1 and isinstance(step1[0], MarginDeRisk)
    assert step1[0].qty == D(5)      # half of 10 beats the runner allocation 2
    small = attrs.evolve(PARAMS, margin=MarginParams(D("0.5"), D("0.1")))
    result = on_regime_shift(SYMBOL, Regime.TREND, Regime.SHOCK, state, now=NOW, params=small,
                             spec=SPEC, mark_price=D(100), margin=margin("600"))
    step1 = [p.action for p in result.planned if p.step is PlaybookStep.SHOCKGUARD]
    assert [type(a) for a in step1] == [MarginDeRisk]
    assert isinstance(step1[0], MarginDeRisk) and step1[0].qty == D(2)
    assert "raised to the SHOCK shed 2" in step1[0].reason
    assert not any(isinstance(a, DeRisk) for a in result.actions)


def test_a_margin_fill_sheds_the_runner_then_tp2_then_tp1() -> None:
    # PRE_TP1 10 = TP1 4 + TP2 4 + runner 2; shedding 5 takes runner 2 and 3 of TP2
    decision = step(pre_tp1(), MarginReduced(D(5), D(99), ("o9",), ("pxMDabc12300",)))
    state = decision.state
    assert (state.qty_open, state.qty_runner, state.tp2_qty, state.tp1_qty) == (
        D(5), D(0), D(1), D(4))
    assert state.realized_pnl == D(-5)
    assert decision.actions == (
        ReplaceProtection(SYMBOL, "abc123", Side.SELL, D(5), D(90), "algo1", "pxSLabc12300",
                          "resize after margin de-risk"),
        CancelTakeProfits(SYMBOL, "abc123", "take-profit sizes cut by margin de-risk"),
        PlaceTakeProfit(SYMBOL, "abc123", TakeProfit.TP1, Side.SELL, D(4), D(110)),
        PlaceTakeProfit(SYMBOL, "abc123", TakeProfit.TP2, Side.SELL, D(1), D(120)))


@pytest.mark.parametrize(("qty", "tp1", "tp2", "placed"), [
    ("6", "4", "0", [(TakeProfit.TP1, D(4))]),
    ("7", "3", "0", [(TakeProfit.TP1, D(3))]),
    ("9", "1", "0", [(TakeProfit.TP1, D(1))]),
])
def test_a_take_profit_cut_to_nothing_is_not_placed_again(qty: str, tp1: str, tp2: str,
                                                          placed: list[object]) -> None:
    decision = step(pre_tp1(), MarginReduced(D(qty), D(99)))
    assert (decision.state.tp1_qty, decision.state.tp2_qty) == (D(tp1), D(tp2))
    assert [(a.which, a.qty) for a in decision.actions
            if isinstance(a, PlaceTakeProfit)] == placed


def test_a_margin_fill_within_the_runner_allocation_keeps_the_take_profits() -> None:
    decision = step(pre_tp1(), MarginReduced(D(2), D(99)))
    assert kinds(decision) == ["ReplaceProtection"]
    assert (decision.state.qty_runner, decision.state.qty_open) == (D(0), D(8))


def test_a_margin_fill_after_tp1_never_touches_tp1() -> None:
    decision = step(between(), MarginReduced(D(5), D(105)))
    state = decision.state
    assert (state.qty_open, state.qty_runner, state.tp2_qty, state.tp1_qty) == (
        D(1), D(0), D(1), D(4))
    assert [(a.which, a.qty) for a in decision.actions if isinstance(a, PlaceTakeProfit)] == [
        (TakeProfit.TP2, D(1))]


def test_a_margin_fill_of_a_runner_shrinks_it() -> None:
    decision = step(runner(), MarginReduced(D(1), D(118)))
    assert (decision.state.stage, decision.state.qty_open, decision.state.qty_runner) == (
        PositionStage.RUNNER_ONLY, D(1), D(1))
    assert kinds(decision) == ["ReplaceProtection"]


def test_a_margin_fill_of_everything_closes_the_position() -> None:
    decision = step(pre_tp1(), MarginReduced(D(10), D(95)))
    assert decision.state == PositionState()
    assert decision.actions[:2] == (
        CancelProtection(SYMBOL, "abc123", "algo1", "pxSLabc12300",
                         "margin de-risk closed what was left"),
        CancelTakeProfits(SYMBOL, "abc123", "margin de-risk closed what was left"))
    events = [a.event for a in decision.actions if isinstance(a, EmitRiskEvent)]
    assert [(e.event_type, e.price) for e in events] == [(RiskEventType.LOSS_COOLDOWN, D(95))]


def test_a_margin_fill_larger_than_the_position_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="11 closed but only 10 is open"):
        step(pre_tp1(), MarginReduced(D(11), D(95)))
    with pytest.raises(InvalidTransition, match="MarginReduced in FLAT"):
        step(PositionState(), MarginReduced(D(1), D(95)))


def test_the_regime_close_of_a_runner_still_follows_a_margin_cut() -> None:
    # in RUNNER_ONLY with a calm regime, step 2 does nothing after the cut
    state = SymbolState(SYMBOL, last_regime=Regime.RANGE, position_state=runner())
    result = on_regime_shift(SYMBOL, Regime.RANGE, Regime.TREND, state, now=NOW, params=PARAMS,
                             spec=SPEC, mark_price=D(118), margin=margin("900"))
    assert not any(isinstance(a, CloseRunner) for a in result.actions)
