"""Margin de-risk, the second half of the playbook's step 1 (seed §6 "ShockGuard / 保证金 DeRisk").

Rule: when the account's margin ratio, margin used / equity from get_balances, is above
derisk_margin_ratio (or equity is not positive, where the ratio has no meaning and the account
is at risk by definition), shed derisk_fraction of the open position, reduce-only at market.
The size is floored to the lot; it is raised to minSz when the floor falls below it, and a
remnant smaller than minSz is closed with it, so the position never keeps an untradable rest.

The fill (MarginReduced) is taken from the runner allocation first, then from TP2's and TP1's
planned sizes (those not yet filled); the stop is resized to what is open, and when a take-
profit's size changed the resting take-profits are cancelled and placed again at the new sizes.
"""

from decimal import Decimal

import attrs

from domain.actions import (
    Action,
    CancelProtection,
    CancelTakeProfits,
    MarginDeRisk,
    PlaceTakeProfit,
    TakeProfit,
)
from domain.events import MarginReduced
from domain.instrument import InstrumentSpec
from domain.numbers import ZERO
from domain.params import Params
from domain.position_rules import (
    OPEN_STAGES,
    Context,
    Decision,
    close_position,
    reduce_by,
    replace_stop,
    require,
)
from domain.records import MarginSnapshot
from domain.state import PositionState


@attrs.frozen
class MarginCheck:
    above: bool
    ratio: Decimal | None
    reason: str


def check_margin(snapshot: MarginSnapshot, params: Params) -> MarginCheck:
    limit = params.margin.derisk_margin_ratio
    if snapshot.equity <= 0:
        return MarginCheck(True, None, f"equity {snapshot.equity} is not positive")
    ratio = snapshot.margin_used / snapshot.equity
    above = ratio > limit
    relation = ">" if above else "<="
    return MarginCheck(above, ratio, f"margin used / equity {ratio:.4f} {relation} {limit}")


def derisk_qty(qty_open: Decimal, fraction: Decimal, spec: InstrumentSpec) -> Decimal:
    """How much of qty_open to shed: fraction of it on the lot grid, never below minSz, and
    all of it when what would be left is below minSz."""
    qty = max(spec.size_floor(qty_open * fraction), spec.min_sz)
    if qty_open - qty < spec.min_sz:
        return qty_open
    return qty


def margin_derisk(pos: PositionState, snapshot: MarginSnapshot | None, *, symbol: str,
                  params: Params, spec: InstrumentSpec) -> tuple[MarginDeRisk | None, str]:
    """The de-risk order the margin calls for (or None), and a note saying why."""
    if pos.stage not in OPEN_STAGES:
        return None, "margin: no open position"
    if snapshot is None:
        return None, "margin: balances unknown, margin de-risk not judged"
    check = check_margin(snapshot, params)
    if not check.above:
        return None, f"margin: {check.reason}"
    qty = derisk_qty(pos.qty_open, params.margin.derisk_fraction, spec)
    reason = f"margin de-risk: {check.reason}: shed {qty} of {pos.qty_open}"
    side = pos.side.exit_side
    return MarginDeRisk(symbol, pos.intent_id, side, qty, reason), reason


def shed(pos: PositionState, qty: Decimal) -> PositionState:
    """The planned sizes after qty left the position: runner first, then TP2, then TP1."""
    runner = min(pos.qty_runner, qty)
    rest = qty - runner
    tp2 = ZERO if pos.tp2_done else min(pos.tp2_qty, rest)
    rest -= tp2
    tp1 = ZERO if pos.tp1_done else min(pos.tp1_qty, rest)
    return attrs.evolve(pos, qty_runner=pos.qty_runner - runner, tp2_qty=pos.tp2_qty - tp2,
                        tp1_qty=pos.tp1_qty - tp1)


def on_margin_reduced(state: PositionState, event: MarginReduced, ctx: Context) -> Decision:
    require(state, OPEN_STAGES, event)
    planned = shed(state, event.qty)
    new = attrs.evolve(reduce_by(state, event.qty, event.price), qty_runner=planned.qty_runner,
                       tp1_qty=planned.tp1_qty, tp2_qty=planned.tp2_qty)
    if new.qty_open == 0:
        head: tuple[Action, ...] = (
            CancelProtection(ctx.symbol, new.intent_id, new.sl_algo.algo_id,
                             new.sl_algo.client_algo_id, "margin de-risk closed what was left"),
            CancelTakeProfits(ctx.symbol, new.intent_id, "margin de-risk closed what was left"))
        return close_position(new, ctx, head, event.price)
    actions: list[Action] = [replace_stop(new, ctx, new.sl_price, "resize after margin de-risk")]
    if (new.tp1_qty, new.tp2_qty) != (state.tp1_qty, state.tp2_qty):
        actions += _replace_take_profits(new, ctx)
    return Decision(new, tuple(actions))


def _replace_take_profits(pos: PositionState, ctx: Context) -> list[Action]:
    side = pos.side.exit_side
    actions: list[Action] = [CancelTakeProfits(ctx.symbol, pos.intent_id,
                                               "take-profit sizes cut by margin de-risk")]
    planned = ((TakeProfit.TP1, pos.tp1_done, pos.tp1_qty, pos.tp1_price),
               (TakeProfit.TP2, pos.tp2_done, pos.tp2_qty, pos.tp2_price))
    for which, done, qty, price in planned:
        if not done and qty > 0:
            actions.append(PlaceTakeProfit(ctx.symbol, pos.intent_id, which, side, qty, price))
    return actions
