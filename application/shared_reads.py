"""Per-symbol reads of open orders and open algo orders, served by one account-wide read when
several symbols ask at once (issue 14 P4).

Recovery over many symbols, and the visibility sentinels of the stops it places, each ask
"what is open on my symbol?". Asked one by one that is a request per symbol and round, and
OKX allows 20 orders-algo-pending requests per 2 s. Here the askers of a round share one
read: a symbol asking alone is read as before (the same request, so single-symbol commands
and their recordings are unchanged); enough symbols waiting together are answered from one
account-wide read (the venue's `get_all_*`, one request or a few pages), each given only its
own symbol's orders. Enough is two, or the venue's `account_wide_cost` when that is higher
(Binance weighs a read without a symbol as 40 with one: below 40 symbols their own reads cost
less of the minute's weight).

Freshness is what a per-symbol read gives: an asker only joins a read that has not started
yet, so every answer was read after the question. A failed read fails every asker of that
round, as their own reads would have.

Account-wide reads are rationed on the injected clock: BURST of them may start back to back,
then one per SPACING_S; a round that would exceed that stays open, gathering every asker, until
its read may start. Without it, stops confirmed one after another over 0.1 s each started a
round as soon as the previous read ended (one per round trip, 3-4 ms on loopback): 22-28
account-wide reads of OKX's orders-algo-pending (20 per 2 s per account) for 100 stops, the
21st waited 2 s in the pacer, and sentinels saw their stops up to 1.9 s after placing them.
Reads of symbols asking alone take no ration; single-symbol commands, which make no
account-wide read, are never held.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import attrs

from domain.algo import AlgoOrder, AlgoStopIntent
from domain.orders import OrderIntent, OrderStatus
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.exchange_types import (
    AlgoCancelResult,
    AlgoLookup,
    AlgoPlacement,
    CancelResult,
    DeadManSwitch,
    Executions,
    Fills,
    OrderLookup,
    OrderPlacement,
)
from ports.orders import Orders

T = TypeVar("T")

# OKX: orders-algo-pending 20 per 2 s per account; 6 at once + one per 150 ms = 19.3 in any 2 s.
# A burst of 6 covers the rounds of one pacer window of placements (OKX: 20 stops at once), so
# paced recovery is not slowed; a held sentinel waits at most 150 ms of its 1-s deadline.
BURST = 6
SPACING_S = 0.150


@attrs.define
class _Round(Generic[T]):
    symbols: set[str]
    # each asking symbol's orders, or the error of its read
    answer: "asyncio.Future[dict[str, tuple[T, ...] | Exception]]"


class Coalesced(Generic[T]):
    """One read per round for every symbol that asked while the previous read ran."""

    def __init__(self, one: Callable[[str], Awaitable[tuple[T, ...]]],
                 every: Callable[[], Awaitable[tuple[T, ...]]],
                 symbol_of: Callable[[T], str], cost: int = 1, clock: Clock | None = None,
                 spacing_s: float = SPACING_S, burst: int = BURST) -> None:
        self._one, self._every, self._symbol_of = one, every, symbol_of
        self._enough = max(2, cost)
        # without a clock (tests of the grouping alone) account-wide reads are not rationed
        self._clock, self._spacing_s, self._burst = clock, spacing_s, burst
        self._tokens = float(burst)  # account-wide reads that may start now
        self._filled_at: float | None = None
        self._next: _Round[T] | None = None  # not started yet: open to askers
        self._reading: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.reads = {"one": 0, "every": 0}

    async def read(self, symbol: str) -> tuple[T, ...]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new command's event loop: nothing carries over
            self._loop, self._next, self._reading = loop, None, asyncio.Lock()
            self._tokens, self._filled_at = float(self._burst), None
        round_ = self._next
        if round_ is None:
            round_ = self._next = _Round(set(), loop.create_future())
            task = loop.create_task(self._run(round_))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        round_.symbols.add(symbol)
        # shielded: one asker cancelled must not cancel the others' read
        found = (await asyncio.shield(round_.answer))[symbol]
        if isinstance(found, Exception):
            raise found
        return found

    async def _run(self, round_: _Round[T]) -> None:
        assert self._reading is not None
        try:
            await asyncio.sleep(0)  # askers of this same turn join
            async with self._reading:  # the previous round's read has ended
                await self._spaced()  # askers keep joining meanwhile
                if self._next is round_:
                    self._next = None  # from here on, askers wait for the next round
                found = await self._read(round_.symbols)
        except asyncio.CancelledError:
            self._close(round_)
            round_.answer.cancel()
            raise
        except BaseException as exc:  # whatever ended the read (a crash too) ends its askers
            self._close(round_)
            if not round_.answer.done():
                round_.answer.set_exception(exc)
                round_.answer.exception()  # marked retrieved: askers may all be gone
            return
        if not round_.answer.done():
            round_.answer.set_result(found)

    async def _spaced(self) -> None:
        if self._clock is None:
            return
        self._refill(self._clock.monotonic())
        if self._tokens < 1:
            await self._clock.sleep((1 - self._tokens) * self._spacing_s)

    def _refill(self, now: float) -> None:
        if self._filled_at is not None:
            self._tokens = min(float(self._burst),
                               self._tokens + (now - self._filled_at) / self._spacing_s)
        self._filled_at = now

    def _close(self, round_: _Round[T]) -> None:
        if self._next is round_:
            self._next = None

    async def _read(self, symbols: set[str]) -> dict[str, tuple[T, ...] | Exception]:
        if len(symbols) < self._enough:
            self.reads["one"] += len(symbols)
            return await self._each(symbols)
        self.reads["every"] += 1
        if self._clock is not None:
            self._refill(self._clock.monotonic())
            self._tokens -= 1
        every = await self._every()
        return {s: tuple(i for i in every if self._symbol_of(i) == s) for s in symbols}

    async def _each(self, symbols: set[str]) -> dict[str, tuple[T, ...] | Exception]:
        """Too few symbols for an account-wide read: each its own, failing on its own."""
        ordered = sorted(symbols)
        found = await asyncio.gather(*(self._one(s) for s in ordered), return_exceptions=True)
        out: dict[str, tuple[T, ...] | Exception] = {}
        for symbol, result in zip(ordered, found, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancelled: not an answer
            out[symbol] = result
        return out


class SharedAlgoReads:
    """AlgoOrders whose per-symbol open list is a Coalesced read; the rest passes through."""

    def __init__(self, inner: AlgoOrders, clock: Clock | None = None) -> None:
        self._inner = inner
        self.open = Coalesced(inner.get_open_algo_orders, inner.get_all_open_algo_orders,
                              lambda algo: algo.inst_id, inner.account_wide_cost, clock)
        self.account_wide_cost = inner.account_wide_cost

    async def submit_algo_stop(self, intent: AlgoStopIntent) -> AlgoPlacement:
        return await self._inner.submit_algo_stop(intent)

    async def cancel_algo(self, *, symbol: str, algo_id: str | None,
                          client_algo_id: str | None) -> AlgoCancelResult:
        return await self._inner.cancel_algo(symbol=symbol, algo_id=algo_id,
                                             client_algo_id=client_algo_id)

    async def get_open_algo_orders(self, symbol: str) -> tuple[AlgoOrder, ...]:
        return await self.open.read(symbol)

    async def get_all_open_algo_orders(self) -> tuple[AlgoOrder, ...]:
        return await self._inner.get_all_open_algo_orders()

    async def get_algo_order(self, *, symbol: str, algo_id: str | None,
                             client_algo_id: str | None) -> AlgoLookup:
        return await self._inner.get_algo_order(symbol=symbol, algo_id=algo_id,
                                                client_algo_id=client_algo_id)


class SharedOrderReads:
    """Orders whose per-symbol open list is a Coalesced read; the rest passes through."""

    def __init__(self, inner: Orders, clock: Clock | None = None) -> None:
        self._inner = inner
        self.open = Coalesced(inner.get_open_orders, inner.get_all_open_orders,
                              lambda order: order.inst_id, inner.account_wide_cost, clock)
        self.account_wide_cost = inner.account_wide_cost

    async def submit_order(self, intent: OrderIntent) -> OrderPlacement:
        return await self._inner.submit_order(intent)

    async def cancel_order(self, *, symbol: str, order_id: str | None,
                           client_order_id: str | None) -> CancelResult:
        return await self._inner.cancel_order(symbol=symbol, order_id=order_id,
                                              client_order_id=client_order_id)

    async def get_order_status(self, *, symbol: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        return await self._inner.get_order_status(symbol=symbol, order_id=order_id,
                                                  client_order_id=client_order_id)

    async def get_open_orders(self, symbol: str) -> tuple[OrderStatus, ...]:
        return await self.open.read(symbol)

    async def get_all_open_orders(self) -> tuple[OrderStatus, ...]:
        return await self._inner.get_all_open_orders()

    async def get_fills(self, *, symbol: str, order_id: str) -> Fills:
        return await self._inner.get_fills(symbol=symbol, order_id=order_id)

    async def get_executions(self, *, symbol: str, since_ms: int) -> Executions:
        return await self._inner.get_executions(symbol=symbol, since_ms=since_ms)

    async def arm_dead_man(self, *, symbols: tuple[str, ...], timeout_s: int) -> DeadManSwitch:
        return await self._inner.arm_dead_man(symbols=symbols, timeout_s=timeout_s)


# Wrapping is idempotent but not memoised: a module-level memo keyed by the role object kept
# every command's venue (its event loop, HTTP pool and evidence sink) alive for the life of the
# process, because the wrapper refers to the key it is filed under. Whoever builds the
# use-cases (the container, per session) wraps once and hands the same wrapper to all of them.
def shared_algos(algos: AlgoOrders, clock: Clock | None = None) -> SharedAlgoReads:
    return algos if isinstance(algos, SharedAlgoReads) else SharedAlgoReads(algos, clock)


def shared_orders(orders: Orders, clock: Clock | None = None) -> SharedOrderReads:
    return orders if isinstance(orders, SharedOrderReads) else SharedOrderReads(orders, clock)
