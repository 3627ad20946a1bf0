"""Event fan-out: every subscription gets every event; waits run on the injected clock."""

import asyncio

from adapters.common.hub import EventHub, within
from domain.evidence import EvidenceRef
from ports.exchange_events import ResyncNeeded
from tests.fakes import FakeClock

REF = EvidenceRef("raw.jsonl", 1)


def event(n: int) -> ResyncNeeded:
    return ResyncNeeded(f"event {n}", REF)


def test_every_subscription_receives_every_event_in_order() -> None:
    async def scenario() -> None:
        hub = EventHub(FakeClock(), 100)
        a, b = hub.subscribe(), hub.subscribe()
        for n in range(3):
            hub.publish(event(n))
        for subscription in (a, b):
            assert [await subscription.get(1) for _ in range(3)] == [event(0), event(1),
                                                                      event(2)]

    asyncio.run(scenario())


def test_get_returns_none_when_the_clock_runs_out() -> None:
    clock = FakeClock()

    async def scenario() -> object:
        return await EventHub(clock, 10).subscribe().get(5.0)

    assert asyncio.run(scenario()) is None
    assert clock.sleeps == [5.0]


def test_a_waiting_get_wakes_for_a_published_event() -> None:
    async def scenario() -> object:
        clock = FakeClock()
        hub = EventHub(clock, 10)
        subscription = hub.subscribe()
        waiting = asyncio.ensure_future(within(clock, 1e9, subscription.get(1e9)))
        await asyncio.sleep(0)
        hub.publish(event(1))
        return await waiting

    assert asyncio.run(scenario()) == event(1)


def test_a_closed_subscription_gets_nothing_more() -> None:
    async def scenario() -> object:
        hub = EventHub(FakeClock(), 10)
        subscription = hub.subscribe()
        hub.publish(event(1))
        subscription.close()
        hub.publish(event(2))
        return await subscription.get(0.1)

    assert asyncio.run(scenario()) is None


def test_a_subscriber_that_falls_behind_is_told_to_resync() -> None:
    async def scenario() -> list[object]:
        hub = EventHub(FakeClock(), 3)
        subscription = hub.subscribe()
        for n in range(4):
            hub.publish(event(n))
        return [await subscription.get(0.1) for _ in range(2)]

    first, second = asyncio.run(scenario())
    assert isinstance(first, ResyncNeeded) and "fell behind" in first.reason
    assert second is None
