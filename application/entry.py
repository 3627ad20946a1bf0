"""The entry order: placed once, resolved by client id if the answer is lost, and its fill read
from the exchange's order status (never assumed from having sent a market order)."""

from decimal import Decimal

import attrs

from application.protection import await_terminal
from application.unknowns import resolve_order
from domain.errors import InvalidIntent, NotAnExchangeRecord
from domain.events import EntryFilled, TradePlan
from domain.instrument import InstrumentSpec
from domain.orders import Fill, OrderIntent, OrderStatus, OrdType, PositionSide
from domain.outcome import Rejected, Unknown
from ports.clock import Clock
from ports.exchange import ExchangeAdapter

POLL_S = 0.05


@attrs.frozen
class EntryOutcome:
    """status: filled | entry_rejected | entry_not_filled | entry_unknown."""

    status: str
    reason: str
    fill: Fill | None
    order_status: OrderStatus | None


async def place_entry(exchange: ExchangeAdapter, clock: Clock, *, intent: OrderIntent,
                      timeout_s: float) -> EntryOutcome:
    placed = await exchange.submit_order(intent)
    order_id = placed.order_id
    if isinstance(placed.outcome, Rejected):
        return EntryOutcome("entry_rejected", f"{placed.outcome.code}: {placed.outcome.message}",
                            None, None)
    if isinstance(placed.outcome, Unknown):
        found = await resolve_order(exchange, clock, inst_id=intent.inst_id,
                                    client_order_id=intent.client_order_id,
                                    exp_time_ms=placed.exp_time_ms)
        if found.status is None:
            word = "entry_not_filled" if found.conclusive else "entry_unknown"
            return EntryOutcome(word, f"answer lost ({placed.outcome.reason}); lookup by "
                                f"{intent.client_order_id}: "
                                f"{'absent' if found.conclusive else 'no conclusive answer'}",
                                None, None)
        order_id = found.status.order_id
    polls = 40 if intent.ord_type is OrdType.MARKET else max(1, int(timeout_s / POLL_S))
    status = await await_terminal(exchange, clock, intent.inst_id, order_id,
                                  intent.client_order_id, polls=polls)
    if status is None or not status.state.is_terminal:
        status = await _cancel_rest(exchange, clock, intent, order_id) or status
    if status is None:
        return EntryOutcome("entry_unknown", "no order status could be read", None, None)
    if not status.state.is_terminal:
        return EntryOutcome("entry_unknown", f"entry still {status.state.value} after cancel",
                            observed_fill(status), status)
    fill = observed_fill(status)
    if fill is None:
        return EntryOutcome("entry_not_filled", f"entry {status.state.value} with no fill",
                            None, status)
    return EntryOutcome("filled", f"filled {fill.size} at {fill.avg_price}", fill, status)


async def _cancel_rest(exchange: ExchangeAdapter, clock: Clock, intent: OrderIntent,
                       order_id: str) -> OrderStatus | None:
    """A limit entry not filled in time is cancelled; what it filled meanwhile still counts."""
    result = await exchange.cancel_order(symbol=intent.inst_id, order_id=order_id or None,
                                         client_order_id=intent.client_order_id)
    if result.order_status is not None and result.order_status.state.is_terminal:
        return result.order_status
    return await await_terminal(exchange, clock, intent.inst_id, order_id,
                                intent.client_order_id)


def observed_fill(status: OrderStatus | None) -> Fill | None:
    """The fill an exchange status proves, or None when it proves none."""
    if status is None:
        return None
    try:
        return Fill.from_order_status(status)
    except NotAnExchangeRecord:
        return None


@attrs.frozen
class PlannedEntry:
    """The trade plan as the Quant service sent it (sizes for the full planned quantity)."""

    side: PositionSide
    qty: Decimal
    stop_price: Decimal
    tp1_price: Decimal
    tp1_qty: Decimal
    tp2_price: Decimal
    tp2_qty: Decimal
    tier: str
    intent_id: str


def scaled_entry(plan: PlannedEntry, fill: Fill, spec: InstrumentSpec) -> EntryFilled:
    """The EntryFilled event for what the exchange says filled, the plan scaled to it.
    InvalidIntent when a partial fill is too small to carry two take-profits."""
    qty = fill.size
    tp1, tp2 = plan.tp1_qty, plan.tp2_qty
    if qty != plan.qty:
        tp1 = spec.size_floor(plan.tp1_qty * qty / plan.qty)
        tp2 = spec.size_floor(plan.tp2_qty * qty / plan.qty)
        if tp1 < spec.min_sz or tp2 < spec.min_sz:
            tp1, tp2 = _smallest_split(qty, spec)
    trade = TradePlan(plan.stop_price, plan.tp1_price, tp1, plan.tp2_price, tp2,
                      qty - tp1 - tp2, plan.tier)
    return EntryFilled(plan.side, qty, fill.avg_price, trade, plan.intent_id, fill.order_id,
                       fill.client_order_id)


def _smallest_split(qty: Decimal, spec: InstrumentSpec) -> tuple[Decimal, Decimal]:
    if qty < 2 * spec.min_sz:
        raise InvalidIntent(f"a fill of {qty} cannot carry two take-profits of minSz "
                            f"{spec.min_sz}")
    tp1 = spec.size_floor(qty / 2)
    return tp1, qty - tp1
