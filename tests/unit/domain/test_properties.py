"""Hypothesis properties of the stage machine and the playbook."""

from collections.abc import Callable
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.actions import (
    CloseRunner,
    DeRisk,
    EmergencyFlatten,
    EmitRegimeShiftLog,
    EmitRiskEvent,
    ExitMethod,
    MarginDeRisk,
    PlaceProtection,
    ReplaceProtection,
)
from domain.errors import InvalidTransition
from domain.events import (
    BarClosed,
    EmergencyFlat,
    MarginReduced,
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
from domain.playbook import on_regime_shift
from domain.records import MarginSnapshot
from domain.regime import Regime
from domain.runner import EXIT_REGIMES
from domain.state import PositionStage, PositionState, ShockGuardState, SymbolState
from tests.unit.domain.builders import (
    NOW,
    PARAMS,
    SPEC,
    SYMBOL,
    between,
    long_entry,
    pre_tp1,
    runner,
    short_entry,
    step,
)

D = Decimal
S = PositionStage
# the only stage changes the machine may make (staying put is always allowed)
EDGES = {(S.FLAT, S.PRE_TP1), (S.PRE_TP1, S.BETWEEN_TP1_TP2),
         (S.BETWEEN_TP1_TP2, S.RUNNER_ONLY), (S.PRE_TP1, S.FLAT), (S.BETWEEN_TP1_TP2, S.FLAT),
         (S.RUNNER_ONLY, S.FLAT)}
REGIMES = ["TREND", "RANGE", "SHOCK", "CHOP"]
prices = st.integers(min_value=800, max_value=1300).map(lambda tenths: D(tenths) / 10)
SIZES = [D(1), D(2), D(4), D(6), D(10)]
ENTRIES = [long_entry(), short_entry(), long_entry(tp2_qty="6"), long_entry(tier="B")]


def _size(planned: Decimal, pick: int) -> Decimal:
    # even picks use the size the state expects, odd ones an arbitrary (often wrong) size
    return planned if pick % 2 == 0 and planned > 0 else SIZES[pick % len(SIZES)]


def _next_step(state: PositionState, price: Decimal, pick: int) -> PositionEvent:
    if state.stage is S.FLAT:
        return ENTRIES[pick % len(ENTRIES)]
    if state.stage is S.PRE_TP1:
        return Tp1Filled(_size(state.tp1_qty, 0), price)
    if state.stage is S.BETWEEN_TP1_TP2:
        return Tp2Filled(_size(state.tp2_qty, 0), price)
    return BarClosed(price, Regime(REGIMES[pick % len(REGIMES)]))


def make_event(state: PositionState, kind: int, price: Decimal, pick: int) -> PositionEvent:
    """Turn three drawn integers into an event; sizes often fit the state so runs go deep."""
    regime = REGIMES[pick % len(REGIMES)]
    menu: list[Callable[[], PositionEvent]] = [
        lambda: ENTRIES[pick % len(ENTRIES)],
        lambda: StopConfirmed(price, "algo8", "pxSLabc12308"),
        lambda: StopMoved(price, "algo9", "pxSLabc12309"),
        lambda: StopNotVisible("pxSLabc12300", "gone"),
        lambda: Tp1Filled(_size(state.tp1_qty, pick), price),
        lambda: Tp2Filled(_size(state.tp2_qty, pick), price),
        lambda: PositionReduced(_size(state.qty_runner, pick), price),
        lambda: MarginReduced(_size(state.qty_open, pick), price),
        lambda: StopTriggered(_size(state.qty_open, pick), price),
        lambda: RunnerClosed(_size(state.qty_open, pick), price),
        lambda: EmergencyFlat(_size(state.qty_open, pick), price if pick % 3 else None, "test"),
        lambda: BarClosed(price, Regime(regime) if pick % 5 else None),
    ]
    assert len(menu) == MENU_SIZE
    if kind < len(menu):
        return menu[kind]()
    return _next_step(state, price, pick)


MENU_SIZE = 12  # the entries of make_event's menu; a larger kind is the next planned step
# a third of the draws take the next planned step, so runs get past TP2
steps_drawn = st.lists(st.tuples(st.integers(0, 18), prices, st.integers(0, 59)), max_size=40)


def adds_up(p: PositionState) -> bool:
    """The quantities still planned (TPs not yet filled, the runner) are exactly what is open."""
    planned = (D(0) if p.tp1_done else p.tp1_qty) + (D(0) if p.tp2_done else p.tp2_qty) \
        + p.qty_runner
    return planned == p.qty_open


def check_invariants(before: PositionState, after: PositionState, event: PositionEvent,
                     actions: tuple[object, ...]) -> None:
    assert after.stage is before.stage or (before.stage, after.stage) in EDGES
    assert (after.stage is S.RUNNER_ONLY) <= (after.tp1_done and after.tp2_done)
    assert (after.stage is S.BETWEEN_TP1_TP2) <= (after.tp1_done and not after.tp2_done)
    assert (after.stage is S.PRE_TP1) <= (not after.tp1_done and not after.tp2_done)
    if after.stage is S.FLAT:
        assert after == PositionState()
    else:
        assert D(0) < after.qty_open <= after.qty_total
        assert D(0) <= after.qty_runner <= after.qty_open
    for action in actions:
        if isinstance(action, PlaceProtection | ReplaceProtection):
            assert action.qty == after.qty_open
        if isinstance(action, EmitRiskEvent):
            # seed §8: the orders it caused, or why there are none (or collected when performed)
            assert action.collect_orders or action.event.accounted
    if isinstance(event, MarginReduced) and after.stage is not S.FLAT and adds_up(before):
        # a margin cut keeps the plan adding up to what is open, if it did before
        assert adds_up(after)
    if isinstance(event, StopNotVisible):
        assert isinstance(actions[0], EmergencyFlatten)
    if (isinstance(event, BarClosed) and before.stage is S.RUNNER_ONLY
            and event.regime in EXIT_REGIMES):
        close = actions[0]
        assert isinstance(close, CloseRunner)
        assert (close.qty, close.method) == (before.qty_open, ExitMethod.MARKET)


@settings(deadline=None)
@given(steps_drawn)
def test_no_event_sequence_skips_a_stage(drawn: list[tuple[int, Decimal, int]]) -> None:
    state = PositionState()
    planned = applied = 0
    for kind, price, pick in drawn:
        event = make_event(state, kind, price, pick)
        # the next planned step must apply while the plan still adds up to what is open (an
        # odd-sized stop or reduction may leave a TP larger than the position: then it may not)
        must_apply = kind >= MENU_SIZE and (state.stage is S.FLAT or adds_up(state))
        planned += must_apply
        try:
            decision = step(state, event)
        except InvalidTransition:
            assert not must_apply, f"the planned step {event!r} was refused in {state.stage}"
            continue
        applied += 1
        check_invariants(state, decision.state, event, decision.actions)
        state = decision.state
    # refused draws are skipped, never a planned step that fits: the run really goes deep
    assert applied >= planned


@st.composite
def runners(draw: st.DrawFn) -> PositionState:
    base = runner()
    return attrs.evolve(base, bars_after_tp2=draw(st.integers(0, 50)),
                        peak_pnl_r=draw(st.decimals(0, 10, places=2)),
                        qty_open=draw(st.sampled_from([D(1), D(2)])),
                        runner_exit_reason=draw(st.sampled_from(["", "time: 12 bars"])))


@given(runners(), st.sampled_from(sorted(EXIT_REGIMES)), prices)
def test_a_runner_is_always_closed_on_shock_or_chop(pos: PositionState, regime: Regime,
                                                    price: Decimal) -> None:
    by_machine = step(pos, BarClosed(price, regime))
    assert isinstance(by_machine.actions[0], CloseRunner)
    assert by_machine.actions[0].qty == pos.qty_open
    state = SymbolState(SYMBOL, last_regime=Regime.TREND, position_state=pos)
    by_playbook = on_regime_shift(SYMBOL, Regime.TREND, regime, state, now=NOW, params=PARAMS,
                                  spec=SPEC, mark_price=price)
    closes = [a for a in by_playbook.actions if isinstance(a, CloseRunner)]
    assert [(c.qty, c.method) for c in closes] == [(pos.qty_open, ExitMethod.MARKET)]


POSITIONS = [PositionState(), pre_tp1(), between(), runner()]


margins = st.none() | st.builds(MarginSnapshot, st.integers(-10, 1000).map(D),
                                st.integers(0, 1000).map(D))


@given(st.sampled_from(POSITIONS), st.sampled_from(REGIMES), st.sampled_from(REGIMES),
       st.none() | prices, st.lists(st.integers(NOW - 7200, NOW), max_size=5),
       st.integers(0, 10**6), margins)
def test_the_playbook_order_never_changes(pos: PositionState, old: str, new: str,
                                          mark: Decimal | None, shocks: list[int],
                                          later: int, margin: MarginSnapshot | None) -> None:
    guard = ShockGuardState(trigger_count_60m=len(shocks), trigger_ts_60m=tuple(sorted(shocks)))
    state = SymbolState(SYMBOL, last_regime=Regime(old), position_state=pos, shockguard=guard)
    result = on_regime_shift(SYMBOL, Regime(old), Regime(new), state, now=NOW + later,
                             params=PARAMS,
                             spec=SPEC, mark_price=mark, margin=margin)
    if old == new:
        assert result.planned == ()
        return
    numbers = [item.step.value for item in result.planned]
    assert numbers == sorted(numbers)
    *_, event, log = result.actions
    assert isinstance(log, EmitRegimeShiftLog) and log.log.new_regime == new
    assert isinstance(event, EmitRiskEvent)
    assert event.event.event_type is RiskEventType.REGIME_SHIFT
    assert sum(isinstance(a, EmitRegimeShiftLog) for a in result.actions) == 1
    assert result.state.last_regime == new
    assert len(result.state.shockguard.trigger_ts_60m) == result.state.shockguard.trigger_count_60m
    # at most one de-risk order, and only in step 1
    sheds = [p for p in result.planned if isinstance(p.action, DeRisk | MarginDeRisk)]
    assert len(sheds) <= 1 and all(p.step.value == 1 for p in sheds)
    assert all(a.collect_orders or a.event.accounted for a in result.actions
               if isinstance(a, EmitRiskEvent))
