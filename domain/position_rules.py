"""Pieces shared by the position rules: the decision type, bookkeeping, closing a position with
its loss cooldown, and the P0 emergency flatten (seed §0.2, §3, §7)."""

from collections.abc import Collection
from decimal import Decimal

import attrs

from domain.actions import (
    Action,
    CooldownKind,
    EmergencyFlatten,
    EmitRiskEvent,
    ReplaceProtection,
    SetCooldown,
)
from domain.errors import InvalidTransition
from domain.logs import RiskEvent, RiskEventType
from domain.numbers import ZERO
from domain.orders import PositionSide
from domain.params import Params
from domain.runner import position_pnl_r
from domain.state import PositionStage, PositionState

OPEN_STAGES = frozenset({PositionStage.PRE_TP1, PositionStage.BETWEEN_TP1_TP2,
                         PositionStage.RUNNER_ONLY})


@attrs.frozen
class Context:
    symbol: str
    now: int
    params: Params


@attrs.frozen
class Decision:
    """The state after an event and the actions, in the order to perform them."""

    state: PositionState
    actions: tuple[Action, ...] = ()


def require(state: PositionState, stages: Collection[PositionStage], event: object) -> None:
    if state.stage not in stages:
        allowed = ", ".join(sorted(stage.value for stage in stages))
        raise InvalidTransition(f"{type(event).__name__} in {state.stage.value}: "
                                f"accepted only in {allowed}")


def realize(state: PositionState, qty: Decimal, price: Decimal) -> Decimal:
    """realized_pnl after closing qty at price (price points x contracts, + is profit)."""
    move = price - state.entry_price
    if state.side is PositionSide.SHORT:
        move = -move
    return state.realized_pnl + move * qty


def reduce_by(state: PositionState, qty: Decimal, price: Decimal) -> PositionState:
    """The state after qty of the position closed at price (the runner shrinks with it)."""
    if qty > state.qty_open:
        raise InvalidTransition(f"{qty} closed but only {state.qty_open} is open")
    left = state.qty_open - qty
    return attrs.evolve(state, qty_open=left, qty_runner=min(state.qty_runner, left),
                        realized_pnl=realize(state, qty, price))


def peak_r(state: PositionState, price: Decimal) -> Decimal:
    return max(state.peak_pnl_r, position_pnl_r(state, price))


def replace_stop(state: PositionState, ctx: Context, stop_price: Decimal,
                 reason: str) -> ReplaceProtection:
    return ReplaceProtection(ctx.symbol, state.intent_id, state.side.exit_side,
                             state.qty_open, stop_price, state.sl_algo.algo_id,
                             state.sl_algo.client_algo_id, reason)


COOLDOWN_PLACES_NO_ORDER = "a cooldown places no order"
NO_ORDER_IDS = "the exchange's report of these fills named no order"


def risk_event(ctx: Context, kind: RiskEventType, state: PositionState, qty: Decimal,
               price: Decimal | None, reason: str, order_ids: tuple[str, ...] = (),
               client_ids: tuple[str, ...] = (), *, no_orders_reason: str = "",
               collect: bool = False) -> EmitRiskEvent:
    """collect: the orders are those the actions before this one place (the performer fills
    them in); otherwise empty ids need no_orders_reason, NO_ORDER_IDS when none is given."""
    if not (order_ids or client_ids or collect or no_orders_reason):
        no_orders_reason = NO_ORDER_IDS
    return EmitRiskEvent(RiskEvent(ctx.now, kind, ctx.symbol, state.side, qty, price,
                                   order_ids, client_ids, reason, no_orders_reason), collect)


def emergency_locks(ctx: Context, reason: str) -> tuple[SetCooldown, SetCooldown]:
    until = ctx.now + ctx.params.protection.emergency_lock_s
    why = f"emergency flatten: {reason}"
    return SetCooldown(CooldownKind.LOSS, until, why), SetCooldown(CooldownKind.FREEZE, until, why)


def emergency(state: PositionState, ctx: Context, reason: str) -> Decision:
    """Flatten now at market, lock loss and freeze, log it. The state stays open (and marked
    unprotected) until the exchange shows it flat (EmergencyFlat)."""
    side = state.side
    actions = (EmergencyFlatten(ctx.symbol, state.intent_id, side, state.qty_open, reason),
               *emergency_locks(ctx, reason),
               risk_event(ctx, RiskEventType.EMERGENCY_FLAT, state, state.qty_open, None,
                          f"ordered: {reason}", collect=True))
    return Decision(attrs.evolve(state, sl_confirmed=False), actions)


def close_position(state: PositionState, ctx: Context, head: tuple[Action, ...],
                   price: Decimal | None) -> Decision:
    """FLAT, after the head actions; a trade that lost overall sets the loss lock (and, for
    tier B, the B blacklist) and logs LOSS_COOLDOWN."""
    actions = list(head)
    if state.realized_pnl < ZERO:
        until = ctx.now + ctx.params.cooldown.loss_s
        why = f"trade lost {state.realized_pnl} (price x contracts)"
        actions.append(SetCooldown(CooldownKind.LOSS, until, why))
        if state.tier == "B":
            actions.append(SetCooldown(CooldownKind.B_BLACKLIST,
                                       ctx.now + ctx.params.cooldown.b_blacklist_s, why))
        actions.append(risk_event(ctx, RiskEventType.LOSS_COOLDOWN, state, state.qty_total, price,
                                  f"{why}: no new entry until {until}",
                                  no_orders_reason=COOLDOWN_PLACES_NO_ORDER))
    return Decision(PositionState(), tuple(actions))


