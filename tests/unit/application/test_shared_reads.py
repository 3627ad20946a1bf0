"""Coalesced per-symbol reads (application/shared_reads.py): one account-wide read for the
symbols of a round, each answer read after its question, a failure failing only its askers."""

import asyncio

import pytest

from application.shared_reads import Coalesced
from ports.errors import ExchangeUnavailable


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
