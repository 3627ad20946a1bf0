"""The one safety sequence every order and stop goes through: place the intent, judge the
answer, resolve an Unknown by its client id (never by assuming), then wait for what the caller
needs to see: the order terminal, or the stop visible (seed 001 §0.2-§0.3, §7; seed 000 §2).

Every wait is measured on the Clock and every timing is a parameter (Timings), so tests run on
virtual time and an operator can see the numbers in one place.
"""

import asyncio
import enum
import logging
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

import attrs

from application.push_race import Lingering, already_pushed, push_before, until_set
from application.sentinel import ensure_algo_visible
from application.unknowns import resolve_order
from domain.algo import AlgoOrder, AlgoStopIntent
from domain.evidence import EvidenceRef
from domain.orders import OrderIntent, OrderStatus
from domain.outcome import Accepted, Rejected, Unknown
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.exchange_events import EventSubscription, ExchangeEvent, OrderUpdate
from ports.exchange_types import AlgoPlacement, OrderPlacement
from ports.market import MarketData
from ports.orders import Orders
from ports.streams import Streams

log = logging.getLogger(__name__)


@attrs.frozen
class Timings:
    """How long the engine waits on the exchange, and how often it asks."""

    # an order's status is read this often while waiting for it to finish
    status_poll_s: float = 0.05
    # a market order must show terminal within this many reads (2 s)
    terminal_polls: int = 40
    # an Unknown placement is looked up by client id this often, for at most this long
    lookup_interval_s: float = 0.2
    lookup_max_wait_s: float = 10.0


class Wait(enum.Enum):
    ACK = "ack"            # the placement's answer (an Unknown resolved) is enough
    LOOKUP = "lookup"      # one status read after the answer
    TERMINAL = "terminal"  # read until filled or canceled


class Settled(enum.Enum):
    """What the exchange shows about a placement."""

    REJECTED = "rejected"  # it said no: nothing was placed
    ABSENT = "absent"      # the answer was lost and the lookup proves nothing was placed
    UNKNOWN = "unknown"    # the answer was lost and the lookup could not tell: may still exist
    PLACED = "placed"      # it exists at the exchange (status, when read)


@attrs.frozen
class Sent:
    """An order that went down the path and what the exchange shows of it."""

    intent: OrderIntent
    placement: OrderPlacement
    settled: Settled
    status: OrderStatus | None
    evidence: tuple[EvidenceRef, ...]
    # lookups made to resolve an Unknown answer (0 when the answer arrived)
    lookups: int = 0

    @property
    def order_id(self) -> str:
        return self.status.order_id if self.status else self.placement.order_id

    @property
    def terminal(self) -> bool:
        return self.status is not None and self.status.state.is_terminal

    @property
    def filled(self) -> Decimal:
        return self.status.acc_fill_sz if self.status else Decimal(0)

    @property
    def why(self) -> str:
        """One line on what happened, for notes."""
        cid = self.intent.client_order_id
        outcome = self.placement.outcome
        if self.settled is Settled.REJECTED and isinstance(outcome, Rejected):
            return f"{cid} rejected {outcome.code}: {outcome.message}"
        if self.settled in (Settled.ABSENT, Settled.UNKNOWN):
            reason = outcome.reason if isinstance(outcome, Unknown) else ""
            found = "absent" if self.settled is Settled.ABSENT else "unresolved"
            return f"{cid} answer lost ({reason}); lookup by client id: {found}"
        state = self.status.state.value if self.status else "placed"
        return f"{cid} {state}" + (f", filled {self.filled}" if self.filled else "")


class OrderPath:
    """Orders: place → judge → resolve Unknown by client id → await what the caller needs."""

    def __init__(self, orders: Orders, market: MarketData, clock: Clock,
                 timings: Timings | None = None, streams: Streams | None = None,
                 lingering: Lingering | None = None) -> None:
        self._orders = orders
        self._market = market
        self._clock = clock
        self.timings = timings or Timings()
        # with streams, a terminal wait races the order's push against the status reads
        self._streams = streams
        self.lingering = lingering or Lingering()

    async def send(self, intent: OrderIntent, *, wait: Wait = Wait.TERMINAL,
                   polls: int | None = None,
                   on_accepted: Callable[[], None] | None = None) -> Sent:
        """on_accepted: called once the exchange has accepted the order and neither its answer
        nor a push already queued settled it, just before the reads that wait for it begin
        (the early stop of a market entry starts there, application/early_stop.py)."""
        subscription = self._streams.subscribe() \
            if self._streams is not None and wait is Wait.TERMINAL else None
        try:  # subscribed before placing: no push is missed
            return await self._send(intent, wait, polls, subscription, on_accepted)
        finally:
            if subscription is not None:
                subscription.close()

    async def _send(self, intent: OrderIntent, wait: Wait, polls: int | None,
                    subscription: EventSubscription | None,
                    on_accepted: Callable[[], None] | None = None) -> Sent:
        placed = await self._orders.submit_order(intent)
        evidence = [placed.evidence]
        outcome = placed.outcome
        if isinstance(outcome, Rejected):
            return Sent(intent, placed, Settled.REJECTED, None, tuple(evidence))
        # a placement answered with the order's state after matching (Binance RESULT)
        status, lookups = placed.order_status, 0
        if isinstance(outcome, Unknown):
            log.warning("order outcome unknown: looking it up by client id", extra={
                "symbol": intent.inst_id, "client_order_id": intent.client_order_id,
                "reason": outcome.reason})
            found = await resolve_order(
                self._orders, self._market, self._clock, symbol=intent.inst_id,
                client_order_id=intent.client_order_id, exp_time_ms=placed.exp_time_ms,
                interval_s=self.timings.lookup_interval_s,
                max_wait_s=self.timings.lookup_max_wait_s)
            evidence += found.evidence
            ids = {"symbol": intent.inst_id, "client_order_id": intent.client_order_id,
                   "lookups": found.lookups}
            if found.status is None:
                settled = Settled.ABSENT if found.conclusive else Settled.UNKNOWN
                (log.info if found.conclusive else log.error)(
                    "unknown order outcome resolved: the exchange never took the order"
                    if found.conclusive else "order outcome still unknown after the lookups",
                    extra=ids)
                return Sent(intent, placed, settled, None, tuple(evidence), found.lookups)
            log.info("unknown order outcome resolved: the exchange has the order",
                     extra={**ids, "state": found.status.state.value})
            status, lookups = found.status, found.lookups
        sent = Sent(intent, placed, Settled.PLACED, status, tuple(evidence), lookups)
        if wait is Wait.ACK or settled_by_answer(placed):
            return sent  # no status read: the answer is the exchange's record of the end
        accepted = on_accepted if isinstance(outcome, Accepted) else None
        polls = 1 if wait is Wait.LOOKUP else polls or self.timings.terminal_polls
        reads = self.await_terminal(intent.inst_id, sent.order_id, intent.client_order_id,
                                    polls=polls, stop=(stop := asyncio.Event()))
        if subscription is None:
            if accepted is not None:
                accepted()
            seen = await reads
        else:
            seen = await self._terminal_raced(reads, subscription, intent.client_order_id, stop,
                                              accepted)
        return attrs.evolve(sent, status=seen or status)

    async def _terminal_raced(self, reads: Coroutine[Any, Any, OrderStatus | None],
                              subscription: EventSubscription, client_order_id: str,
                              stop: asyncio.Event,
                              on_accepted: Callable[[], None] | None = None
                              ) -> OrderStatus | None:
        """The status reads against the order's push: a pushed terminal state (the exchange's
        own record, with its frame as evidence) ends the wait; the read in flight finishes in
        `lingering` and no further read is sent. on_accepted runs only when no push settled
        the order already (then nothing waits for a read)."""
        pushed = await already_pushed(subscription, lambda e: _terminal(e, client_order_id))
        if pushed is not None:
            reads.close()  # never started: no read is sent
            return pushed
        if on_accepted is not None:
            on_accepted()
        task = asyncio.ensure_future(reads)
        pushed = await push_before(task, subscription, lambda e: _terminal(e, client_order_id))
        if pushed is None:
            return await task
        stop.set()
        self.lingering.keep(task)
        return pushed

    async def await_terminal(self, symbol: str, order_id: str, client_order_id: str, *,
                             polls: int | None = None,
                             stop: asyncio.Event | None = None) -> OrderStatus | None:
        """Read the order until the exchange shows it terminal (at most polls reads); the last
        status seen, if any. With polls=1 it is a single read. Once stop is set, no further
        read is sent."""
        last: OrderStatus | None = None
        count = polls or self.timings.terminal_polls
        for n in range(count):
            if stop is not None and stop.is_set():
                return last
            try:
                lookup = await self._orders.get_order_status(
                    symbol=symbol, order_id=order_id or None, client_order_id=client_order_id)
            except ExchangeError:
                lookup = None
            if lookup is not None and lookup.status is not None:
                last = lookup.status
                if last.state.is_terminal:
                    return last
            if n + 1 < count:
                await until_set(stop, self._clock.sleep(self.timings.status_poll_s))
        return last

    async def finish(self, sent: Sent, *, polls: int | None = None) -> Sent:
        """An order not terminal in time is cancelled; what it filled meanwhile still counts
        (the cancel's lookup, or the order read again, says how much)."""
        if sent.settled is not Settled.PLACED or sent.terminal:
            return sent
        intent = sent.intent
        cancel = await self._orders.cancel_order(symbol=intent.inst_id,
                                                 order_id=sent.order_id or None,
                                                 client_order_id=intent.client_order_id)
        final = cancel.order_status
        if final is None or not final.state.is_terminal:
            final = await self.await_terminal(intent.inst_id, cancel.order_id or sent.order_id,
                                              intent.client_order_id, polls=polls) or final
        return attrs.evolve(sent, status=final or sent.status,
                            evidence=(*sent.evidence, cancel.evidence))


def settled_by_answer(placed: OrderPlacement) -> bool:
    """The placement's answer shows the order terminal, with its evidence and a fill that can
    be read off it (a fill without its average price is read again): nothing is assumed, the
    answer is the exchange's observation. A live or partly filled answer is read on as before."""
    shown = placed.order_status
    return (isinstance(placed.outcome, Accepted) and shown is not None
            and shown.evidence is not None and shown.state.is_terminal
            and (shown.acc_fill_sz <= 0 or shown.avg_px is not None))


def _terminal(event: ExchangeEvent, client_order_id: str) -> OrderStatus | None:
    """The pushed status of the order, when it shows the order terminal."""
    if (isinstance(event, OrderUpdate) and event.status.client_order_id == client_order_id
            and event.status.state.is_terminal):
        return event.status
    return None


@attrs.frozen
class StopSent:
    """A protective stop that went down the path: confirmed only once the exchange shows it."""

    intent: AlgoStopIntent
    placement: AlgoPlacement
    confirmed: bool
    algo_id: str
    reason: str
    # the exchange's record that showed it open (poll answer or push); None unless confirmed
    shown: AlgoOrder | None = None

    @property
    def may_exist(self) -> bool:
        """Placed (or possibly placed) but not confirmed: it may still show up later."""
        return not self.confirmed and not isinstance(self.placement.outcome, Rejected)


class StopPath:
    """Stops: place → judge → (an Unknown is looked for by client id too) → visible by the
    deadline (seed 001 §7's 1-second sentinel), by push or by poll."""

    def __init__(self, algos: AlgoOrders, streams: Streams, clock: Clock,
                 lingering: Lingering | None = None) -> None:
        self._algos = algos
        self._streams = streams
        self._clock = clock
        # polls that lost the race to the stop's push, still in flight (push_race.py)
        self.lingering = lingering or Lingering()

    async def send(self, intent: AlgoStopIntent, *, deadline_ms: int) -> StopSent:
        subscription = self._streams.subscribe()  # before placing: no push is missed
        try:
            placement = await self._algos.submit_algo_stop(intent)
            outcome = placement.outcome
            if isinstance(outcome, Rejected):
                log.error("stop rejected", extra={
                    "symbol": intent.inst_id, "client_algo_id": intent.client_algo_id,
                    "code": outcome.code, "reason": outcome.message})
                return StopSent(intent, placement, False, "",
                                f"stop rejected {outcome.code}: {outcome.message}")
            seen = await ensure_algo_visible(self._algos, self._clock, symbol=intent.inst_id,
                                             client_algo_id=intent.client_algo_id,
                                             deadline_ms=deadline_ms,
                                             subscription=subscription,
                                             lingering=self.lingering)
        finally:
            subscription.close()
        ids = {"symbol": intent.inst_id, "client_algo_id": intent.client_algo_id,
               "elapsed_ms": seen.elapsed_ms}
        if not seen.visible:
            lost = f" (answer lost: {outcome.reason})" if isinstance(outcome, Unknown) else ""
            log.error("stop not visible at the exchange in time", extra={
                **ids, "deadline_ms": deadline_ms, "event": "stop_unconfirmed"})
            return StopSent(intent, placement, False, placement.algo_id,
                            f"stop not visible within {deadline_ms} ms{lost}")
        algo_id = placement.algo_id or (seen.algo_order.algo_id if seen.algo_order else "")
        if seen.elapsed_ms > deadline_ms:
            # the exchange shows the stop live, so the position is protected and is kept; but a
            # read held past the deadline (a paced or slow poll) is a sentinel that ran late,
            # which an operator must see (seed 001 §7)
            log.warning("stop seen at the exchange only after its deadline", extra={
                **ids, "deadline_ms": deadline_ms, "via": seen.via,
                "event": "stop_confirmed_late"})
        log.info("stop confirmed visible", extra={**ids, "via": seen.via,
                                                  "event": "stop_confirmed"})
        return StopSent(intent, placement, True, algo_id,
                        f"visible via {seen.via} after {seen.elapsed_ms} ms", seen.algo_order)
