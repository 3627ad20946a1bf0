"""The entry order: placed once, resolved by client id if the answer is lost, and its fill read
from the exchange's order status (never assumed from having sent a market order)."""

import enum
from collections.abc import Callable

import attrs

from application.order_path import OrderPath, Settled, Wait
from domain.errors import NotAnExchangeRecord
from domain.orders import Fill, OrderIntent, OrderStatus, OrdType
from domain.outcome import Rejected


class EntryStatus(enum.StrEnum):
    FILLED = "filled"
    REJECTED = "entry_rejected"
    NOT_FILLED = "entry_not_filled"
    UNKNOWN = "entry_unknown"


@attrs.frozen
class EntryOutcome:
    status: EntryStatus
    reason: str
    fill: Fill | None
    order_status: OrderStatus | None


async def place_entry(path: OrderPath, *, intent: OrderIntent, timeout_s: float,
                      on_accepted: Callable[[], None] | None = None) -> EntryOutcome:
    """Send the entry down the order path; a limit entry waits timeout_s, then what is left is
    cancelled. The outcome is what the exchange shows, never what was sent. on_accepted: see
    OrderPath.send."""
    polls = None if intent.ord_type is OrdType.MARKET else \
        max(1, int(timeout_s / path.timings.status_poll_s))
    sent = await path.send(intent, wait=Wait.TERMINAL, polls=polls, on_accepted=on_accepted)
    if sent.settled is Settled.REJECTED:
        outcome = sent.placement.outcome
        assert isinstance(outcome, Rejected)
        return EntryOutcome(EntryStatus.REJECTED, f"{outcome.code}: {outcome.message}", None, None)
    if sent.settled in (Settled.ABSENT, Settled.UNKNOWN):
        word = EntryStatus.NOT_FILLED if sent.settled is Settled.ABSENT else EntryStatus.UNKNOWN
        return EntryOutcome(word, sent.why, None, None)
    status = (await path.finish(sent)).status
    if status is None:
        return EntryOutcome(EntryStatus.UNKNOWN, "no order status could be read", None, None)
    if not status.state.is_terminal:
        return EntryOutcome(EntryStatus.UNKNOWN, f"entry still {status.state.value} after cancel",
                            observed_fill(status), status)
    fill = observed_fill(status)
    if fill is None:
        return EntryOutcome(EntryStatus.NOT_FILLED, f"entry {status.state.value} with no fill",
                            None, status)
    return EntryOutcome(EntryStatus.FILLED, f"filled {fill.size} at {fill.avg_price}", fill, status)


def observed_fill(status: OrderStatus | None) -> Fill | None:
    """The fill an exchange status proves, or None when it proves none."""
    if status is None:
        return None
    try:
        return Fill.from_order_status(status)
    except NotAnExchangeRecord:
        return None
