"""The entry order: placed once, resolved by client id if the answer is lost, and its fill read
from the exchange's order status (never assumed from having sent a market order)."""

from decimal import Decimal

import attrs

from application.order_path import OrderPath, Settled, Wait
from domain.errors import InvalidIntent, NotAnExchangeRecord
from domain.events import EntryFilled, TradePlan
from domain.instrument import InstrumentSpec
from domain.orders import Fill, OrderIntent, OrderStatus, OrdType, PositionSide
from domain.outcome import Rejected


@attrs.frozen
class EntryOutcome:
    """status: filled | entry_rejected | entry_not_filled | entry_unknown."""

    status: str
    reason: str
    fill: Fill | None
    order_status: OrderStatus | None


async def place_entry(path: OrderPath, *, intent: OrderIntent,
                      timeout_s: float) -> EntryOutcome:
    """Send the entry down the order path; a limit entry waits timeout_s, then what is left is
    cancelled. The outcome is what the exchange shows, never what was sent."""
    polls = None if intent.ord_type is OrdType.MARKET else \
        max(1, int(timeout_s / path.timings.status_poll_s))
    sent = await path.send(intent, wait=Wait.TERMINAL, polls=polls)
    if sent.settled is Settled.REJECTED:
        outcome = sent.placement.outcome
        assert isinstance(outcome, Rejected)
        return EntryOutcome("entry_rejected", f"{outcome.code}: {outcome.message}", None, None)
    if sent.settled in (Settled.ABSENT, Settled.UNKNOWN):
        word = "entry_not_filled" if sent.settled is Settled.ABSENT else "entry_unknown"
        return EntryOutcome(word, sent.why, None, None)
    status = (await path.finish(sent)).status
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
