"""The 1-second visibility sentinel (seed 001 §7): a stop counts only once the exchange shows it."""

import asyncio

import attrs

from application.push_race import Lingering, already_pushed, push_before
from domain.algo import AlgoOrder
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.exchange_events import AlgoUpdate, EventSubscription, ExchangeEvent

# OKX allows 20 orders-algo-pending requests per 2 s; polling every 110 ms stays under 10/s.
POLL_INTERVAL_S = 0.110


@attrs.frozen
class Visibility:
    visible: bool
    algo_order: AlgoOrder | None
    elapsed_ms: int
    via: str
    polls: int


async def ensure_algo_visible(algos: AlgoOrders, clock: Clock, *, symbol: str,
                              client_algo_id: str, deadline_ms: int = 1000,
                              subscription: EventSubscription | None = None,
                              poll_interval_s: float = POLL_INTERVAL_S,
                              lingering: Lingering | None = None) -> Visibility:
    """Wait until the stop appears among the open algo orders, by WS push or by polling.

    Subscribe before placing the stop and pass the subscription in, so no push is missed.
    Each poll races the push (application/push_race.py): the stop's `orders-algo` push, when
    the streams are up, usually arrives a round trip before the poll's answer; a poll that
    loses goes on in `lingering` (its evidence is still written), which the caller settles.
    """
    start = clock.monotonic()
    deadline = start + deadline_ms / 1000
    polls = 0
    while True:
        asked = clock.monotonic()
        if subscription is not None:
            pushed = await already_pushed(subscription, lambda e: _open_algo(e, client_algo_id))
            if pushed is not None:
                return Visibility(True, pushed, _ms(clock, start), "ws", polls)
        poll = asyncio.ensure_future(_poll(algos, symbol, client_algo_id))
        polls += 1
        if subscription is not None:
            pushed = await push_before(poll, subscription,
                                       lambda e: _open_algo(e, client_algo_id))
            if pushed is not None:
                (lingering if lingering is not None else Lingering()).keep(poll)
                return Visibility(True, pushed, _ms(clock, start), "ws", polls)
        found = await poll
        if found is not None:
            return Visibility(True, found, _ms(clock, start), "poll", polls)
        rtt = clock.monotonic() - asked
        # the last poll is timed so that its answer arrives by the deadline, not one RTT after
        remaining = deadline - clock.monotonic() - rtt
        if remaining <= 0:
            return Visibility(False, None, _ms(clock, start), "none", polls)
        pushed = await _wait_push(subscription, clock, client_algo_id,
                                  min(poll_interval_s, remaining))
        if pushed is not None:
            return Visibility(True, pushed, _ms(clock, start), "ws", polls)


async def _poll(algos: AlgoOrders, symbol: str, client_algo_id: str) -> AlgoOrder | None:
    try:
        listed = await algos.get_open_algo_orders(symbol)
    except ExchangeError:
        # a failed poll proves nothing either way; the deadline decides
        return None
    return next((a for a in listed if a.client_algo_id == client_algo_id and a.state.is_open),
                None)


async def _wait_push(subscription: EventSubscription | None, clock: Clock, client_algo_id: str,
                     window_s: float) -> AlgoOrder | None:
    if subscription is None:
        await clock.sleep(window_s)
        return None
    until = clock.monotonic() + window_s
    while (left := until - clock.monotonic()) > 0:
        event = await subscription.get(left)
        if event is None:
            return None
        found = _open_algo(event, client_algo_id)
        if found is not None:
            return found
    return None


def _open_algo(event: ExchangeEvent, client_algo_id: str) -> AlgoOrder | None:
    """The pushed stop, when the push shows it open at the exchange."""
    if (isinstance(event, AlgoUpdate) and event.algo_order.client_algo_id == client_algo_id
            and event.algo_order.state.is_open):
        return event.algo_order
    return None


def _ms(clock: Clock, start: float) -> int:
    return round((clock.monotonic() - start) * 1000)
