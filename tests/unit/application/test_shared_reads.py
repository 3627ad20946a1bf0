"""Coalesced per-symbol reads (application/shared_reads.py): one account-wide read for the
symbols of a round, each answer read after its question, a failure failing only its askers."""

import asyncio
import gc
import weakref
from decimal import Decimal

import pytest

from application.shared_reads import (
    BURST,
    SPACING_S,
    Coalesced,
    SharedAlgoReads,
    SharedOrderReads,
    shared_algos,
    shared_orders,
)
from domain.algo import AlgoStopIntent
from domain.orders import OrderIntent, OrdType, Side
from ports.errors import ExchangeUnavailable
from ports.exchange_types import CancelDisposition
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock

D = Decimal


class Venue:
    """Open orders as (symbol, id) pairs; each read can be held until released."""

    def __init__(self, held: bool = False) -> None:
        self.open = [("A", "a1"), ("B", "b1"), ("B", "b2"), ("C", "c1")]
        self.log: list[str] = []
        self.gate = asyncio.Event()
        if not held:
            self.gate.set()
        self.failing: set[str] = set()

    async def one(self, symbol: str) -> tuple[tuple[str, str], ...]:
        self.log.append(symbol)
        seen = tuple(o for o in self.open if o[0] == symbol)  # the exchange's view when asked
        await self.gate.wait()
        if symbol in self.failing:
            raise ExchangeUnavailable(f"{symbol} unreachable")
        return seen

    async def every(self) -> tuple[tuple[str, str], ...]:
        self.log.append("*")
        seen = tuple(self.open)
        await self.gate.wait()
        if "*" in self.failing:
            raise ExchangeUnavailable("unreachable")
        return seen


def coalesced(venue: Venue, cost: int = 1) -> Coalesced[tuple[str, str]]:
    return Coalesced(venue.one, venue.every, lambda o: o[0], cost)


def test_a_symbol_asking_alone_is_read_on_its_own() -> None:
    venue = Venue()
    reads = coalesced(venue)
    assert asyncio.run(reads.read("B")) == (("B", "b1"), ("B", "b2"))
    assert venue.log == ["B"]


def test_symbols_asking_together_share_one_account_wide_read() -> None:
    venue = Venue()
    reads = coalesced(venue)

    async def ask() -> list[tuple[tuple[str, str], ...]]:
        return list(await asyncio.gather(reads.read("A"), reads.read("B"), reads.read("D")))

    assert asyncio.run(ask()) == [(("A", "a1"),), (("B", "b1"), ("B", "b2")), ()]
    assert venue.log == ["*"]


def test_below_the_venues_cost_each_symbol_is_read_on_its_own() -> None:
    venue = Venue()
    reads = coalesced(venue, cost=40)

    async def ask() -> list[tuple[tuple[str, str], ...]]:
        return list(await asyncio.gather(reads.read("A"), reads.read("C")))

    assert asyncio.run(ask()) == [(("A", "a1"),), (("C", "c1"),)]
    assert sorted(venue.log) == ["A", "C"]


def test_an_asker_during_a_read_waits_for_a_read_that_starts_after_it_asked() -> None:
    venue = Venue(held=True)
    reads = coalesced(venue)

    async def ask() -> tuple[tuple[str, str], ...]:
        first = asyncio.create_task(reads.read("A"))
        while not venue.log:  # the first read has left and is not answered yet
            await asyncio.sleep(0)
        venue.open.append(("A", "a2"))  # placed after that read was taken...
        second = asyncio.create_task(reads.read("A"))
        await asyncio.sleep(0)
        venue.gate.set()
        assert await first == (("A", "a1"),)
        return await second  # ...so a read that only started later sees it

    assert asyncio.run(ask()) == (("A", "a1"), ("A", "a2"))
    assert venue.log == ["A", "A"]


def test_a_failed_account_wide_read_fails_every_asker_of_its_round() -> None:
    venue = Venue()
    venue.failing.add("*")
    reads = coalesced(venue)

    async def ask() -> list[object]:
        return list(await asyncio.gather(reads.read("A"), reads.read("B"),
                                         return_exceptions=True))

    assert all(isinstance(r, ExchangeUnavailable) for r in asyncio.run(ask()))


def test_a_failed_own_read_fails_only_its_symbol() -> None:
    venue = Venue()
    venue.failing.add("A")
    reads = coalesced(venue, cost=40)

    async def ask() -> list[object]:
        return list(await asyncio.gather(reads.read("A"), reads.read("B"),
                                         return_exceptions=True))

    a, b = asyncio.run(ask())
    assert isinstance(a, ExchangeUnavailable)
    assert b == (("B", "b1"), ("B", "b2"))


def test_each_event_loop_starts_afresh() -> None:
    venue = Venue()
    reads = coalesced(venue)
    assert asyncio.run(reads.read("C")) == (("C", "c1"),)
    assert asyncio.run(reads.read("C")) == (("C", "c1"),)
    assert venue.log == ["C", "C"]


def test_an_asker_cancelled_does_not_cancel_the_others_read() -> None:
    venue = Venue(held=True)
    reads = coalesced(venue)

    async def ask() -> tuple[tuple[str, str], ...]:
        a = asyncio.create_task(reads.read("A"))
        b = asyncio.create_task(reads.read("B"))
        while not venue.log:
            await asyncio.sleep(0)
        a.cancel()
        venue.gate.set()
        with pytest.raises(asyncio.CancelledError):
            await a
        return await b

    assert asyncio.run(ask()) == (("B", "b1"), ("B", "b2"))


class StepClock:
    """A clock only the test moves: sleep returns once the test has moved time past its end."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now_ms(self) -> int:
        return round(self.t * 1000)

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        until = self.t + seconds
        while self.t < until:
            await asyncio.sleep(0)


def spaced(venue: Venue, clock: StepClock, burst: int = 1) -> Coalesced[tuple[str, str]]:
    return Coalesced(venue.one, venue.every, lambda o: o[0], 1, clock, spacing_s=0.1,
                     burst=burst)


async def turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_askers_trickling_in_after_an_account_wide_read_share_the_next_one_100ms_later(
        ) -> None:
    """Stops confirmed one after another: without the spacing each asker that arrives after
    a read ended started its own round at once (here: four reads instead of one)."""
    venue, clock = Venue(), StepClock()
    reads = spaced(venue, clock)

    async def ask() -> list[tuple[tuple[str, str], ...]]:
        await asyncio.gather(reads.read("A"), reads.read("B"))
        later = []
        for symbol in "CDAB":  # one asker per few loop turns, each after the last read ended
            later.append(asyncio.ensure_future(reads.read(symbol)))
            await turns()
        assert venue.log == ["*"]  # held: 100 ms have not passed since the account-wide read
        venue.open.append(("D", "d1"))  # placed while they wait: the held read still sees it
        clock.t += 0.1
        return list(await asyncio.gather(*later))

    assert asyncio.run(ask()) == [(("C", "c1"),), (("D", "d1"),), (("A", "a1"),),
                                  (("B", "b1"), ("B", "b2"))]
    assert venue.log == ["*", "*"]
    assert clock.sleeps == [pytest.approx(0.1)]
    assert reads.reads == {"one": 0, "every": 2}


def test_a_burst_of_account_wide_reads_starts_at_once_then_one_per_spacing() -> None:
    venue, clock = Venue(), StepClock()
    reads = spaced(venue, clock, burst=3)

    async def pair() -> None:
        await asyncio.gather(reads.read("A"), reads.read("B"))

    async def ask() -> None:
        for _ in range(3):
            await pair()
        assert clock.sleeps == []  # the burst: three back to back
        fourth = asyncio.ensure_future(pair())
        await turns()
        assert venue.log == ["*"] * 3 and not fourth.done()
        clock.t += 0.1
        await fourth
        clock.t += 1.0  # a quiet second refills the ration to the burst, not beyond
        for _ in range(3):
            await pair()
        fifth = asyncio.ensure_future(pair())
        await turns()
        assert not fifth.done()
        clock.t += 0.1
        await fifth

    asyncio.run(ask())
    assert venue.log == ["*"] * 8
    assert clock.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]


def test_a_round_starts_at_once_when_the_account_wide_read_is_older_than_the_spacing(
        ) -> None:
    venue, clock = Venue(), StepClock()
    reads = spaced(venue, clock)

    async def ask() -> tuple[tuple[str, str], ...]:
        await asyncio.gather(reads.read("A"), reads.read("B"))
        clock.t += 0.1
        return await reads.read("C")

    assert asyncio.run(ask()) == (("C", "c1"),)
    assert venue.log == ["*", "C"]
    assert clock.sleeps == []


def test_symbols_asking_alone_are_never_held() -> None:
    """A single-symbol command's reads (a sentinel, a sweep) follow no account-wide read."""
    venue, clock = Venue(), StepClock()
    reads = spaced(venue, clock)

    async def ask() -> None:
        for symbol in "ABCA":
            await reads.read(symbol)

    asyncio.run(ask())
    assert venue.log == ["A", "B", "C", "A"]
    assert clock.sleeps == []


def test_the_wrappers_space_their_rounds_on_the_clock_they_are_given() -> None:
    clock = StepClock()
    exchange = FakeExchange(FakeClock())  # its own clock; the wrappers are given the other
    algos, orders = shared_algos(exchange.algos, clock), shared_orders(exchange.orders, clock)
    calls: list[str] = []

    async def every() -> tuple[()]:
        calls.append("*")
        return ()

    algos.open._every = orders.open._every = every

    async def ask(reads: Coalesced[object]) -> None:
        for _ in range(BURST):  # the default ration, used up
            await asyncio.gather(reads.read("A"), reads.read("B"))
        held = asyncio.ensure_future(reads.read("C"))
        await turns()
        assert calls == ["*"] * BURST and not held.done()
        clock.t += SPACING_S
        await held
        calls.clear()

    asyncio.run(ask(algos.open))  # type: ignore[arg-type]
    asyncio.run(ask(orders.open))  # type: ignore[arg-type]
    assert clock.sleeps == [pytest.approx(SPACING_S)] * 2


class Crash(BaseException):
    """Not an Exception: what the invariant harness raises to kill the engine mid-request."""


def test_a_read_ended_by_a_base_exception_ends_every_asker_instead_of_leaving_them_waiting(
        ) -> None:
    venue = Venue()
    reads = coalesced(venue)

    async def crash() -> tuple[tuple[str, str], ...]:
        raise Crash()

    reads._every = crash

    async def ask() -> list[object]:
        found: list[object] = list(await asyncio.gather(reads.read("A"), reads.read("B"),
                                                        return_exceptions=True))
        # the next round is a fresh one, not the dead round
        reads._every = venue.every
        after = asyncio.gather(reads.read("A"), reads.read("C"))
        found.append(list(await asyncio.wait_for(after, 5)))
        return found

    a, b, after = asyncio.run(ask())
    assert isinstance(a, Crash) and isinstance(b, Crash)
    assert after == [(("A", "a1"),), (("C", "c1"),)]


def test_the_round_counts_say_which_read_was_made() -> None:
    venue = Venue()
    reads = coalesced(venue)

    async def ask() -> None:
        await reads.read("A")
        await reads.read("C")
        await asyncio.gather(reads.read("A"), reads.read("B"))
        await asyncio.gather(reads.read("B"), reads.read("C"))

    asyncio.run(ask())
    assert reads.reads == {"one": 2, "every": 2}


def wrapped_venue(cost: int) -> tuple[FakeExchange, SharedAlgoReads, SharedOrderReads]:
    exchange = FakeExchange(FakeClock(), instruments=(spec(), spec("ETH-USDT-SWAP")))
    exchange.algos.account_wide_cost = cost
    exchange.orders.account_wide_cost = cost
    return exchange, shared_algos(exchange.algos), shared_orders(exchange.orders)


def stop(symbol: str, cid: str) -> AlgoStopIntent:
    return AlgoStopIntent(spec(symbol), Side.SELL, D("0.01"), D("100"), cid)


@pytest.mark.parametrize(("cost", "wanted"), [
    (1, ["get_all_open_algo_orders", "get_all_open_orders"]),
    (40, ["get_open_algo_orders"] * 2 + ["get_open_orders"] * 2)])
def test_the_wrappers_read_account_wide_by_the_venues_cost(cost: int,
                                                           wanted: list[str]) -> None:
    exchange, algos, orders = wrapped_venue(cost)
    assert algos.account_wide_cost == cost and orders.account_wide_cost == cost

    async def ask() -> list[object]:
        await algos.submit_algo_stop(stop("BTC-USDT-SWAP", "pxSLa00"))
        await algos.submit_algo_stop(stop("ETH-USDT-SWAP", "pxSLb00"))
        await orders.submit_order(OrderIntent(spec("ETH-USDT-SWAP"), Side.BUY, OrdType.LIMIT,
                                              D("0.01"), D("90"), False, "pxENc00"))
        exchange.calls.clear()
        return list(await asyncio.gather(
            algos.get_open_algo_orders("BTC-USDT-SWAP"),
            algos.get_open_algo_orders("ETH-USDT-SWAP"),
            orders.get_open_orders("BTC-USDT-SWAP"),
            orders.get_open_orders("ETH-USDT-SWAP")))

    btc_algos, eth_algos, btc_orders, eth_orders = asyncio.run(ask())
    assert [a.client_algo_id for a in btc_algos] == ["pxSLa00"]  # type: ignore[attr-defined]
    assert [a.client_algo_id for a in eth_algos] == ["pxSLb00"]  # type: ignore[attr-defined]
    assert btc_orders == ()
    assert [o.client_order_id for o in eth_orders] == ["pxENc00"]  # type: ignore[attr-defined]
    assert sorted(exchange.calls) == sorted(wanted)


def test_everything_else_passes_through_to_the_venue_unchanged() -> None:
    exchange, algos, orders = wrapped_venue(1)

    async def steps() -> None:
        placed = await algos.submit_algo_stop(stop("BTC-USDT-SWAP", "pxSLp00"))
        algo_id = placed.algo_id
        found = await algos.get_algo_order(symbol="BTC-USDT-SWAP", algo_id=algo_id,
                                           client_algo_id="pxSLp00")
        assert found.algo_order is not None and found.algo_order.algo_id == algo_id
        assert [a.client_algo_id for a in await algos.get_all_open_algo_orders()] == ["pxSLp00"]
        cancel = await algos.cancel_algo(symbol="BTC-USDT-SWAP", algo_id=algo_id,
                                         client_algo_id="pxSLp00")
        assert cancel.disposition is CancelDisposition.CANCEL_ACCEPTED
        entry = await orders.submit_order(OrderIntent(spec(), Side.BUY, OrdType.LIMIT,
                                                      D("0.01"), D("90"), False, "pxENp00"))
        order_id = entry.order_id
        looked = await orders.get_order_status(symbol="BTC-USDT-SWAP", order_id=order_id,
                                               client_order_id="pxENp00")
        assert looked.status is not None and looked.status.order_id == order_id
        assert [o.client_order_id for o in await orders.get_all_open_orders()] == ["pxENp00"]
        fills = await orders.get_fills(symbol="BTC-USDT-SWAP", order_id=order_id)
        assert fills.fills == ()
        done = await orders.cancel_order(symbol="BTC-USDT-SWAP", order_id=order_id,
                                         client_order_id="pxENp00")
        assert done.disposition is CancelDisposition.CANCEL_ACCEPTED
        executions = await orders.get_executions(symbol="BTC-USDT-SWAP", since_ms=0)
        assert executions.inst_id == "BTC-USDT-SWAP" and executions.trades == ()
        armed = await orders.arm_dead_man(symbols=("BTC-USDT-SWAP",), timeout_s=30)
        assert armed.armed and exchange.dead_man_arms == [(("BTC-USDT-SWAP",), 30)]

    asyncio.run(steps())
    assert shared_algos(algos) is algos and shared_orders(orders) is orders


def test_wrapping_keeps_no_venue_alive_after_its_last_user_is_gone() -> None:
    # the soak's leak: a module-level memo kept every command's venue (event loop, HTTP pool,
    # evidence sink) for the life of the process, about 22 MiB per 100 lifecycles
    exchange, algos, orders = wrapped_venue(1)
    held: tuple[object, ...] = (exchange.algos, exchange.orders, algos, orders)
    gone = [weakref.ref(role) for role in held]
    del exchange, algos, orders, held
    gc.collect()
    assert [ref() for ref in gone] == [None, None, None, None]


class Recorder:
    """Whatever is called on it, with exactly which arguments."""

    account_wide_cost = 1

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, object]]] = []

    def __getattr__(self, name: str) -> object:
        async def call(**kwargs: object) -> str:
            self.calls.append((name, kwargs))
            return name
        return call


def test_the_wrappers_hand_every_argument_on_as_given() -> None:
    inner = Recorder()
    algos, orders = SharedAlgoReads(inner), SharedOrderReads(inner)  # type: ignore[arg-type]
    ids = {"symbol": "S", "algo_id": "a1", "client_algo_id": "c1"}
    order_ids = {"symbol": "S", "order_id": "o1", "client_order_id": "c2"}

    async def steps() -> None:
        await algos.cancel_algo(symbol="S", algo_id="a1", client_algo_id="c1")
        await algos.get_algo_order(symbol="S", algo_id="a1", client_algo_id="c1")
        await orders.cancel_order(symbol="S", order_id="o1", client_order_id="c2")
        await orders.get_order_status(symbol="S", order_id="o1", client_order_id="c2")
        await orders.get_fills(symbol="S", order_id="o1")
        await orders.get_executions(symbol="S", since_ms=5)
        await orders.arm_dead_man(symbols=("S",), timeout_s=30)

    asyncio.run(steps())
    assert inner.calls == [
        ("cancel_algo", ids), ("get_algo_order", ids),
        ("cancel_order", order_ids), ("get_order_status", order_ids),
        ("get_fills", {"symbol": "S", "order_id": "o1"}),
        ("get_executions", {"symbol": "S", "since_ms": 5}),
        ("arm_dead_man", {"symbols": ("S",), "timeout_s": 30})]
