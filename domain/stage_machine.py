"""The position stage machine (seed §3): FLAT → PRE_TP1 → BETWEEN_TP1_TP2 → RUNNER_ONLY → FLAT.

A stop, an emergency flatten, a runner close, or any fill that leaves nothing open returns an
open stage to FLAT; nothing else moves backwards and no stage is skipped. Stop moves are
requested, not assumed: after TP1 the stop is asked to move to breakeven (entry, rounded onto
the tick grid toward profit), after TP2 to the TP1 price (locking TP1's profit on the runner);
the state's sl_price changes only when the exchange shows the new stop (StopMoved).
Quantities: qty_total is the entry fill, qty_open what is still held, qty_runner the runner
allocation (planned before TP2, held after).
"""

from decimal import Decimal

import attrs

from domain.actions import (
    Action,
    CancelProtection,
    CancelTakeProfits,
    PlaceProtection,
    PlaceTakeProfit,
    TakeProfit,
)
from domain.derisk import on_margin_reduced
from domain.errors import InvalidTransition
from domain.events import (
    BarClosed,
    EmergencyFlat,
    EntryFilled,
    MarginReduced,
    OperatorClose,
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
from domain.ids import validate_intent_id
from domain.instrument import InstrumentSpec
from domain.logs import RiskEventType
from domain.orders import PositionSide
from domain.params import Params
from domain.position_rules import (
    OPEN_STAGES,
    Context,
    Decision,
    close_position,
    emergency,
    emergency_locks,
    peak_r,
    realize,
    reduce_by,
    replace_stop,
    require,
    risk_event,
)
from domain.runner import manage_runner
from domain.state import (
    AlgoRef,
    LastOrders,
    OrderRef,
    PositionStage,
    PositionState,
    SlAlgo,
)

__all__ = ["Decision", "transition"]

_PRE, _BETWEEN, _RUNNER = (PositionStage.PRE_TP1, PositionStage.BETWEEN_TP1_TP2,
                           PositionStage.RUNNER_ONLY)


def transition(state: PositionState, event: PositionEvent, *, symbol: str, now: int,
               params: Params, spec: InstrumentSpec) -> Decision:
    """Apply one observed event; return the new state and the actions it calls for.

    Raises InvalidTransition for an event the current stage does not accept (a take-profit
    fill must match its planned size, no fill may exceed what is open) and InvalidIntent for
    an entry plan the instrument cannot trade.
    """
    ctx = Context(symbol, now, params)
    if isinstance(event, EntryFilled):
        return _on_entry(state, event, ctx, spec)
    require(state, OPEN_STAGES, event)
    match event:
        case StopConfirmed() | StopMoved():
            return Decision(_stop_seen(state, event))
        case StopNotVisible():
            return emergency(state, ctx, f"stop {event.client_algo_id} not visible: "
                                         f"{event.reason}")
        case Tp1Filled():
            return _on_tp1(state, event, ctx, spec)
        case Tp2Filled():
            return _on_tp2(state, event, ctx)
        case PositionReduced():
            return _on_reduced(state, event, ctx)
        case MarginReduced():
            return on_margin_reduced(state, event, ctx)
        case StopTriggered():
            return _on_stop_triggered(state, event, ctx)
        case RunnerClosed():
            return _on_runner_closed(state, event, ctx)
        case EmergencyFlat():
            return _on_emergency_flat(state, event, ctx)
        case OperatorClose():
            return _on_operator_close(state, event, ctx)
        case BarClosed():
            return _on_bar(state, event, ctx)
    raise InvalidTransition(f"unknown event {event!r}")


def _on_entry(state: PositionState, event: EntryFilled, ctx: Context,
              spec: InstrumentSpec) -> Decision:
    if state.stage is not PositionStage.FLAT:
        raise InvalidTransition(f"EntryFilled in {state.stage.value}: a position is already open")
    validate_intent_id(event.intent_id)
    event.plan.check(spec)
    plan = event.plan
    new = PositionState(
        side=event.side, entry_price=event.avg_price, qty_total=event.qty,
        qty_runner=plan.runner_qty, sl_price=plan.stop_price, stage=_PRE, qty_open=event.qty,
        intent_id=event.intent_id, tp1_price=plan.tp1_price, tp1_qty=plan.tp1_qty,
        tp2_price=plan.tp2_price, tp2_qty=plan.tp2_qty,
        risk_per_unit=abs(event.avg_price - plan.stop_price), tier=plan.tier,
        last_orders=LastOrders(entry=OrderRef(event.order_id, event.client_order_id)),
        # the pending intent's allocations and entry book carry over: ids are never reused,
        # and the trade is recorded from them when it closes
        next_attempts=state.next_attempts if state.intent_id == event.intent_id else (),
        books=state.books if state.intent_id == event.intent_id else ())
    side = event.side.exit_side
    sym, intent = ctx.symbol, event.intent_id
    return Decision(new, (
        PlaceProtection(sym, intent, side, event.qty, plan.stop_price, "initial stop"),
        PlaceTakeProfit(sym, intent, TakeProfit.TP1, side, plan.tp1_qty, plan.tp1_price),
        PlaceTakeProfit(sym, intent, TakeProfit.TP2, side, plan.tp2_qty, plan.tp2_price)))


def _stop_seen(state: PositionState, event: StopConfirmed | StopMoved) -> PositionState:
    orders = attrs.evolve(state.last_orders, sl=AlgoRef(event.algo_id, event.client_algo_id))
    return attrs.evolve(state, sl_price=event.stop_price, sl_confirmed=True, last_orders=orders,
                        sl_algo=SlAlgo(event.algo_id, event.client_algo_id, event.working_type))


def _with_tp(state: PositionState, order_id: str, client_order_id: str) -> LastOrders:
    refs = (*state.last_orders.tp, OrderRef(order_id, client_order_id))
    return attrs.evolve(state.last_orders, tp=refs)


def _on_tp1(state: PositionState, event: Tp1Filled, ctx: Context,
            spec: InstrumentSpec) -> Decision:
    require(state, {_PRE}, event)
    _as_planned("TP1", event.qty, state.tp1_qty)
    new = attrs.evolve(
        reduce_by(state, event.qty, event.price), stage=_BETWEEN, tp1_done=True,
        peak_pnl_r=peak_r(state, event.price),
        last_orders=_with_tp(state, event.order_id, event.client_order_id))
    if new.qty_open == 0:
        return _closed_out(new, ctx, "TP1 closed what was left", event.price)
    if state.side is PositionSide.LONG:
        breakeven = spec.price_ceil(state.entry_price)
    else:
        breakeven = spec.price_floor(state.entry_price)
    return Decision(new, (replace_stop(new, ctx, breakeven, "TP1 filled: stop to breakeven"),))


def _on_tp2(state: PositionState, event: Tp2Filled, ctx: Context) -> Decision:
    require(state, {_BETWEEN}, event)
    _as_planned("TP2", event.qty, state.tp2_qty)
    reduced = reduce_by(state, event.qty, event.price)
    new = attrs.evolve(
        reduced, stage=_RUNNER, tp2_done=True, bars_after_tp2=0, qty_runner=reduced.qty_open,
        peak_pnl_r=peak_r(state, event.price),
        last_orders=_with_tp(state, event.order_id, event.client_order_id))
    if new.qty_open == 0:
        return _closed_out(new, ctx, "TP2 closed the position", event.price)
    return Decision(new, (replace_stop(new, ctx, state.tp1_price,
                                       "TP2 filled: runner stop locks the TP1 price"),))


def _as_planned(name: str, filled: Decimal, planned: Decimal) -> None:
    if filled != planned:
        raise InvalidTransition(f"{name} filled {filled}, plan says {planned}: "
                                "report a take-profit once its order is filled")


def _closed_out(new: PositionState, ctx: Context, reason: str, price: Decimal,
                extra: tuple[Action, ...] = ()) -> Decision:
    """Nothing is left open: drop the stop and any take-profit still resting."""
    cancel_stop = CancelProtection(ctx.symbol, new.intent_id, new.sl_algo.algo_id,
                                   new.sl_algo.client_algo_id, reason)
    cancel_tps = CancelTakeProfits(ctx.symbol, new.intent_id, reason)
    return close_position(new, ctx, (cancel_stop, cancel_tps, *extra), price)


def _on_reduced(state: PositionState, event: PositionReduced, ctx: Context) -> Decision:
    require(state, {_PRE, _BETWEEN}, event)
    if event.qty > state.qty_runner:
        raise InvalidTransition(f"de-risk fill {event.qty} exceeds the runner allocation "
                                f"{state.qty_runner}")
    new = attrs.evolve(reduce_by(state, event.qty, event.price),
                       qty_runner=state.qty_runner - event.qty)
    if new.qty_open == 0:
        return _closed_out(new, ctx, "de-risk closed what was left", event.price)
    return Decision(new, (replace_stop(new, ctx, new.sl_price, "resize the stop after de-risk"),))


def _on_stop_triggered(state: PositionState, event: StopTriggered, ctx: Context) -> Decision:
    new = reduce_by(state, event.qty, event.price)
    if new.qty_open > 0:
        # the stop is spent; what it did not close has no protection left
        spent = attrs.evolve(new, sl_confirmed=False, sl_algo=SlAlgo())
        return emergency(spent, ctx, f"stop closed {event.qty} of {state.qty_open}; "
                                     f"{new.qty_open} left unprotected")
    cancel = CancelTakeProfits(ctx.symbol, state.intent_id, "stop triggered: position flat")
    return close_position(new, ctx, (cancel,), event.price)


def _on_runner_closed(state: PositionState, event: RunnerClosed, ctx: Context) -> Decision:
    require(state, {_RUNNER}, event)
    new = reduce_by(state, event.qty, event.price)
    if new.qty_open > 0:
        return Decision(new, (replace_stop(new, ctx, new.sl_price, "resize after partial close"),))
    log = risk_event(ctx, RiskEventType.RUNNER_EXIT, state, event.qty, event.price,
                     f"closed: {state.runner_exit_reason or 'runner closed'}",
                     event.order_ids, event.client_ids)
    return _closed_out(new, ctx, "runner closed", event.price, (log,))


def _on_emergency_flat(state: PositionState, event: EmergencyFlat, ctx: Context) -> Decision:
    # the exchange says flat; what it reports closing is counted, never more than we held
    closed = min(event.qty, state.qty_open)
    realized = state.realized_pnl
    if event.price is not None:
        realized = realize(state, closed, event.price)
    new = attrs.evolve(state, qty_open=state.qty_open - closed, realized_pnl=realized)
    head: tuple[Action, ...] = (
        CancelProtection(ctx.symbol, state.intent_id, state.sl_algo.algo_id,
                         state.sl_algo.client_algo_id, "emergency flat"),
        CancelTakeProfits(ctx.symbol, state.intent_id, "emergency flat"),
        *emergency_locks(ctx, event.reason),
        risk_event(ctx, RiskEventType.EMERGENCY_FLAT, state, event.qty, event.price,
                   f"closed: {event.reason}", event.order_ids, event.client_ids))
    return close_position(new, ctx, head, event.price)


def _on_operator_close(state: PositionState, event: OperatorClose, ctx: Context) -> Decision:
    """A close the operator asked for: no emergency locks, the usual loss cooldown if it lost."""
    new = reduce_by(state, event.qty, event.price)
    if new.qty_open > 0:
        return Decision(new, (replace_stop(new, ctx, new.sl_price, "resize after a close"),))
    return _closed_out(new, ctx, "closed by the operator", event.price)


def _on_bar(state: PositionState, event: BarClosed, ctx: Context) -> Decision:
    new = attrs.evolve(state, peak_pnl_r=peak_r(state, event.close_price))
    if state.stage is not _RUNNER:
        return Decision(new)
    new = attrs.evolve(new, bars_after_tp2=state.bars_after_tp2 + 1)
    runner = manage_runner(new, symbol=ctx.symbol, now=ctx.now, current_price=event.close_price,
                           regime=event.regime, params=ctx.params)
    return Decision(runner.state, runner.actions)
