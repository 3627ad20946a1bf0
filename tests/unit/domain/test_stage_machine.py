"""The position stage machine, scenario by scenario (seed §3)."""

from decimal import Decimal

import attrs
import pytest

from domain.actions import (
    CancelProtection,
    CancelTakeProfits,
    CloseRunner,
    CooldownKind,
    EmergencyFlatten,
    EmitRiskEvent,
    PlaceProtection,
    PlaceTakeProfit,
    ReplaceProtection,
    SetCooldown,
    TakeProfit,
)
from domain.errors import InvalidIntent, InvalidTransition
from domain.events import (
    BarClosed,
    EmergencyFlat,
    PositionEvent,
    PositionReduced,
    RunnerClosed,
    StopConfirmed,
    StopMoved,
    StopNotVisible,
    StopTriggered,
    Tp1Filled,
    Tp2Filled,
)
from domain.logs import RiskEventType
from domain.orders import PositionSide, Side
from domain.regime import Regime
from domain.state import AlgoRef, PositionStage, PositionState, SlAlgo
from tests.unit.domain.builders import (
    CONFIRM,
    MOVED_BE,
    NOW,
    SPEC,
    SYMBOL,
    TP1,
    TP2,
    between,
    kinds,
    long_entry,
    pre_tp1,
    replay,
    runner,
    short_entry,
    step,
)

D = Decimal
def risk_events(actions: tuple[object, ...]) -> list[tuple[RiskEventType, str]]:
    return [(a.event.event_type, a.event.reason) for a in actions if isinstance(a, EmitRiskEvent)]


def test_an_entry_fill_opens_pre_tp1_and_asks_for_the_stop_first() -> None:
    decision = step(PositionState(), long_entry())
    state = decision.state
    assert state.stage is PositionStage.PRE_TP1
    assert (state.side, state.entry_price, state.qty_total, state.qty_open, state.qty_runner) == (
        PositionSide.LONG, D(100), D(10), D(10), D(2))
    assert (state.sl_price, state.sl_confirmed, state.risk_per_unit, state.tier) == (
        D(90), False, D(10), "A")
    assert state.last_orders.entry.client_order_id == "pxENabc12300"
    assert decision.actions == (
        PlaceProtection(SYMBOL, "abc123", Side.SELL, D(10), D(90), "initial stop"),
        PlaceTakeProfit(SYMBOL, "abc123", TakeProfit.TP1, Side.SELL, D(4), D(110)),
        PlaceTakeProfit(SYMBOL, "abc123", TakeProfit.TP2, Side.SELL, D(4), D(120)))


def test_a_confirmed_stop_is_recorded() -> None:
    state = pre_tp1()
    assert state.sl_confirmed
    assert state.sl_algo == SlAlgo("algo1", "pxSLabc12300", "MARK_PRICE")
    assert state.last_orders.sl == AlgoRef("algo1", "pxSLabc12300")


@pytest.mark.parametrize(("build", "fragment"), [
    (lambda: long_entry(tp1_qty="8"), "exceed the quantity"),
    (lambda: long_entry(stop="101"), "plan must order"),
    (lambda: long_entry(tp1="99"), "plan must order"),
    (lambda: long_entry(tp2="105"), "plan must order"),
    (lambda: short_entry(stop="95"), "plan must order"),
    (lambda: long_entry(tier="C"), "tier"),
    (lambda: long_entry(tp1_qty="0"), "> 0"),
    (lambda: long_entry(price="NaN"), "finite"),
])
def test_an_inconsistent_plan_is_refused_before_any_order(build: object,
                                                           fragment: str) -> None:
    with pytest.raises(InvalidIntent, match=fragment):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(("entry", "fragment"), [
    (long_entry(stop="90.05"), "tickSz"),
    (long_entry(tp2="120.01"), "tickSz"),
    (long_entry(qty="10.5"), "lotSz"),
    (attrs.evolve(long_entry(), plan=attrs.evolve(long_entry().plan, intent_id="bad-id")),
     "intent id"),
])
def test_a_plan_off_the_instrument_grid_is_refused(entry: object, fragment: str) -> None:
    with pytest.raises(InvalidIntent, match=fragment):
        step(PositionState(), entry)  # type: ignore[arg-type]


def test_a_plan_below_min_size_is_refused() -> None:
    with pytest.raises(InvalidIntent, match="minSz"):
        step(PositionState(), long_entry(), instrument=attrs.evolve(SPEC, min_sz=D(3)))


FLAT_REFUSES: list[PositionEvent] = [
    CONFIRM, MOVED_BE, StopNotVisible("x", "gone"), TP1, TP2,
    PositionReduced(D(1), D(100)), StopTriggered(D(1), D(90)), RunnerClosed(D(1), D(100)),
    EmergencyFlat(D(1), D(90), "x"), BarClosed(D(100)), BarClosed(D(100), Regime.SHOCK),
]


@pytest.mark.parametrize("event", FLAT_REFUSES, ids=lambda e: type(e).__name__)
def test_flat_accepts_only_an_entry(event: PositionEvent) -> None:
    with pytest.raises(InvalidTransition, match="FLAT"):
        step(PositionState(), event)


@pytest.mark.parametrize(("state", "event"), [
    (pre_tp1, long_entry()), (between, long_entry()), (runner, long_entry()),
    (pre_tp1, TP2), (runner, TP2), (between, TP1), (runner, TP1),
    (pre_tp1, RunnerClosed(D(1), D(100))), (between, RunnerClosed(D(1), D(100))),
    (runner, PositionReduced(D(1), D(100))),
    (pre_tp1, Tp1Filled(D(3), D(110))),
    (between, Tp2Filled(D(5), D(120))),
    (pre_tp1, StopTriggered(D(11), D(90))),
    (pre_tp1, PositionReduced(D(3), D(100))),
    (runner, RunnerClosed(D(3), D(100))),
], ids=lambda x: getattr(x, "__name__", type(x).__name__))
def test_illegal_events_raise(state: object, event: PositionEvent) -> None:
    with pytest.raises(InvalidTransition):
        step(state(), event)  # type: ignore[operator]


def test_tp1_moves_to_between_and_asks_for_breakeven() -> None:
    decision = step(pre_tp1(), TP1)
    state = decision.state
    assert (state.stage, state.tp1_done, state.qty_open, state.realized_pnl) == (
        PositionStage.BETWEEN_TP1_TP2, True, D(6), D(40))
    assert state.sl_price == D(90)  # unchanged until the exchange shows the moved stop
    assert state.last_orders.tp[-1].client_order_id == "pxT1abc12300"
    assert decision.actions == (ReplaceProtection(
        SYMBOL, "abc123", Side.SELL, D(6), D(100), "algo1", "pxSLabc12300",
        "TP1 filled: stop to breakeven"),)
    assert step(state, MOVED_BE).state.sl_price == D(100)


@pytest.mark.parametrize(("entry", "tp1", "breakeven"), [
    (long_entry(price="100.05", stop="90"), Tp1Filled(D(4), D(110)), D("100.1")),
    (short_entry(price="99.95", stop="110"), Tp1Filled(D(4), D(90)), D("99.9")),
])
def test_breakeven_is_rounded_toward_profit(entry: object, tp1: Tp1Filled,
                                            breakeven: Decimal) -> None:
    decision = replay([entry, tp1])  # type: ignore[list-item]
    (replace,) = decision.actions
    assert isinstance(replace, ReplaceProtection)
    assert replace.stop_price == breakeven


def test_tp2_opens_the_runner_and_locks_tp1() -> None:
    decision = step(between(), TP2)
    state = decision.state
    assert (state.stage, state.tp2_done, state.qty_open, state.qty_runner,
            state.bars_after_tp2) == (PositionStage.RUNNER_ONLY, True, D(2), D(2), 0)
    assert state.peak_pnl_r == D(2)
    (replace,) = decision.actions
    assert isinstance(replace, ReplaceProtection)
    assert (replace.stop_price, replace.qty, replace.old_algo_id) == (D(110), D(2), "algo2")


def test_tp2_without_a_runner_closes_the_position() -> None:
    entry = long_entry(tp1_qty="5", tp2_qty="5")
    decision = replay([entry, CONFIRM, Tp1Filled(D(5), D(110)), MOVED_BE,
                       Tp2Filled(D(5), D(120))])
    assert decision.state == PositionState()
    assert kinds(decision) == ["CancelProtection", "CancelTakeProfits"]


def test_a_losing_stop_flattens_and_sets_the_loss_lock() -> None:
    decision = step(pre_tp1(), StopTriggered(D(10), D(90), ("ord9",), ("x",)), now=NOW + 5)
    assert decision.state == PositionState()
    assert decision.actions[:2] == (
        CancelTakeProfits(SYMBOL, "abc123", "stop triggered: position flat"),
        SetCooldown(CooldownKind.LOSS, NOW + 5 + 3600, "trade lost -100 (price x contracts)"))
    assert [kind for kind, _ in risk_events(decision.actions)] == [RiskEventType.LOSS_COOLDOWN]


def test_a_losing_tier_b_trade_also_blacklists_b() -> None:
    decision = replay([long_entry(tier="B"), CONFIRM, StopTriggered(D(10), D(90))])
    locks = {a.kind: a.until for a in decision.actions if isinstance(a, SetCooldown)}
    assert locks == {CooldownKind.LOSS: NOW + 3600, CooldownKind.B_BLACKLIST: NOW + 86400}


def test_a_breakeven_stop_after_tp1_is_not_a_loss() -> None:
    decision = step(between(), StopTriggered(D(6), D(100)))
    assert decision.state.stage is PositionStage.FLAT
    assert kinds(decision) == ["CancelTakeProfits"]


def test_a_partial_stop_fill_flattens_the_unprotected_rest() -> None:
    decision = step(pre_tp1(), StopTriggered(D(7), D(90)))
    state = decision.state
    assert (state.stage, state.qty_open, state.sl_confirmed) == (
        PositionStage.PRE_TP1, D(3), False)
    flatten = decision.actions[0]
    assert flatten == EmergencyFlatten(SYMBOL, "abc123", PositionSide.LONG, D(3),
                                       "stop closed 7 of 10; 3 left unprotected")
    assert flatten.side is Side.SELL


def test_an_invisible_stop_is_a_p0_emergency() -> None:
    before = replay([long_entry()]).state
    decision = step(before, StopNotVisible("pxSLabc12300", "not visible within 1000 ms"))
    assert decision.state == attrs.evolve(before, sl_confirmed=False)
    assert kinds(decision) == ["EmergencyFlatten", "SetCooldown", "SetCooldown", "EmitRiskEvent"]
    locks = [(a.kind, a.until) for a in decision.actions if isinstance(a, SetCooldown)]
    assert locks == [(CooldownKind.LOSS, NOW + 1800), (CooldownKind.FREEZE, NOW + 1800)]
    assert risk_events(decision.actions)[0][0] is RiskEventType.EMERGENCY_FLAT


def test_the_emergency_flat_closes_with_locks_and_a_log() -> None:
    decision = step(pre_tp1(), EmergencyFlat(D(10), D(95), "stop not visible", ("o5",), ("c5",)),
                    now=NOW + 2)
    assert decision.state == PositionState()
    assert decision.actions[0] == CancelProtection(SYMBOL, "abc123", "algo1", "pxSLabc12300",
                                                   "emergency flat")
    locks = {(a.kind, a.until) for a in decision.actions if isinstance(a, SetCooldown)}
    assert locks == {(CooldownKind.LOSS, NOW + 2 + 1800), (CooldownKind.FREEZE, NOW + 2 + 1800),
                     (CooldownKind.LOSS, NOW + 2 + 3600)}
    events = [a.event for a in decision.actions if isinstance(a, EmitRiskEvent)]
    assert [e.event_type for e in events] == [RiskEventType.EMERGENCY_FLAT,
                                              RiskEventType.LOSS_COOLDOWN]
    assert (events[0].order_ids, events[0].client_ids, events[0].price) == (
        ("o5",), ("c5",), D(95))


def test_a_de_risk_fill_sheds_runner_allocation_and_resizes_the_stop() -> None:
    decision = step(pre_tp1(), PositionReduced(D(2), D(95)))
    state = decision.state
    assert (state.qty_open, state.qty_runner, state.qty_total, state.realized_pnl) == (
        D(8), D(0), D(10), D(-10))
    (replace,) = decision.actions
    assert isinstance(replace, ReplaceProtection)
    assert (replace.qty, replace.stop_price) == (D(8), D(90))


def test_bars_track_the_peak_and_count_only_after_tp2() -> None:
    state = step(pre_tp1(), BarClosed(D(105))).state
    assert (state.peak_pnl_r, state.bars_after_tp2) == (D("0.5"), 0)
    assert step(state, BarClosed(D(95))).state.peak_pnl_r == D("0.5")
    after = step(runner(), BarClosed(D(125))).state
    assert (after.peak_pnl_r, after.bars_after_tp2) == (D("2.5"), 1)


def test_the_time_exit_fires_once_at_the_bar_limit() -> None:
    decision = replay([BarClosed(D(115))] * 11, runner())
    assert decision.actions == ()
    decision = step(decision.state, BarClosed(D(115)))
    close = decision.actions[0]
    assert kinds(decision) == ["CloseRunner", "EmitRiskEvent"]
    assert isinstance(close, CloseRunner)
    assert (close.qty, close.side, close.method.value) == (D(2), Side.SELL, "LIMIT_THEN_MARKET")
    assert decision.state.runner_exit_reason.startswith("time")
    assert step(decision.state, BarClosed(D(115))).actions == ()


def test_the_giveback_exit_fires_at_the_floor() -> None:
    state = runner()  # peak 2R after TP2 at 120; floor = 2R x (1 - 0.5) = 1R = 110
    assert step(state, BarClosed(D("110.1"))).actions == ()
    decision = step(state, BarClosed(D(110)))
    assert kinds(decision) == ["CloseRunner", "EmitRiskEvent"]
    assert decision.state.runner_exit_reason.startswith("giveback")


@pytest.mark.parametrize("regime", ["SHOCK", "CHOP"])
def test_shock_or_chop_closes_the_runner_at_market(regime: str) -> None:
    decision = step(runner(), BarClosed(D(118), Regime(regime)))
    close = decision.actions[0]
    assert isinstance(close, CloseRunner)
    assert kinds(decision) == ["CloseRunner", "EmitRiskEvent"]
    assert (close.qty, close.method.value) == (D(2), "MARKET")
    assert decision.state.stage is PositionStage.RUNNER_ONLY


def test_closing_the_runner_goes_flat_with_a_runner_exit_log() -> None:
    ordered = step(runner(), BarClosed(D(118), Regime.SHOCK)).state
    partial = step(ordered, RunnerClosed(D(1), D(117)))
    assert (partial.state.qty_open, partial.state.qty_runner) == (D(1), D(1))
    assert kinds(partial) == ["ReplaceProtection"]
    done = step(partial.state, RunnerClosed(D(1), D(116), ("o7",), ("pxRMabc12300",)))
    assert done.state == PositionState()
    assert kinds(done) == ["CancelProtection", "CancelTakeProfits", "EmitRiskEvent"]
    ((kind, reason),) = risk_events(done.actions)
    assert kind is RiskEventType.RUNNER_EXIT and reason.startswith("closed: regime SHOCK")


def test_a_short_position_mirrors_the_long_one() -> None:
    decision = replay([short_entry(), StopConfirmed(D(110), "a", "pxSLabc12300"),
                       Tp1Filled(D(4), D(90)), StopMoved(D(100), "b", "pxSLabc12301"),
                       Tp2Filled(D(4), D(80))])
    state = decision.state
    assert (state.stage, state.peak_pnl_r, state.realized_pnl) == (
        PositionStage.RUNNER_ONLY, D(2), D(120))
    (replace,) = decision.actions
    assert isinstance(replace, ReplaceProtection)
    assert (replace.side, replace.stop_price) == (Side.BUY, D(90))
    lost = replay([short_entry(), StopTriggered(D(10), D(110))])
    assert [a.kind for a in lost.actions if isinstance(a, SetCooldown)] == [CooldownKind.LOSS]


def test_an_operator_close_goes_flat_without_emergency_locks() -> None:
    from decimal import Decimal

    from domain.actions import CancelProtection, CancelTakeProfits, SetCooldown
    from domain.events import OperatorClose
    from domain.instrument import InstrumentSpec
    from domain.params import Params
    from domain.stage_machine import transition
    from domain.state import PositionStage, PositionState, SlAlgo

    D = Decimal
    spec = InstrumentSpec("BTC-USDT-SWAP", "SWAP", "live", D("0.1"), D("0.01"), D("0.01"),
                          D("0.01"), D("1"), "USDT")
    open_long = PositionState(side=PositionSide.LONG, entry_price=D("100"), qty_total=D("1"),
                              qty_open=D("1"), sl_price=D("90"), stage=PositionStage.PRE_TP1,
                              sl_confirmed=True, intent_id="x1",
                              sl_algo=SlAlgo("a1", "pxSLx100"))
    won = transition(open_long, OperatorClose(D("1"), D("110")), symbol="BTC-USDT-SWAP",
                     now=1000, params=Params(), spec=spec)
    assert won.state.stage is PositionStage.FLAT
    assert [type(a) for a in won.actions] == [CancelProtection, CancelTakeProfits]
    lost = transition(open_long, OperatorClose(D("1"), D("95")), symbol="BTC-USDT-SWAP",
                      now=1000, params=Params(), spec=spec)
    kinds = [a.kind.value for a in lost.actions if isinstance(a, SetCooldown)]
    assert kinds == ["loss"]
    half = transition(open_long, OperatorClose(D("0.4"), D("105")), symbol="BTC-USDT-SWAP",
                      now=1000, params=Params(), spec=spec)
    assert half.state.qty_open == D("0.6") and half.state.stage is PositionStage.PRE_TP1
