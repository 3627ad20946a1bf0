"""Fan-out of exchange events to every subscriber, and waits bounded through the Clock."""

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

from ports.clock import Clock
from ports.exchange_events import ExchangeEvent, ResyncNeeded

T = TypeVar("T")


async def within(clock: Clock, seconds: float, awaitable: Awaitable[T]) -> T:
    """Await with a deadline measured by clock.sleep (so a test clock controls it)."""
    task = asyncio.ensure_future(awaitable)
    timer = asyncio.ensure_future(clock.sleep(seconds))
    timed_out = True
    try:
        await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        timed_out = not task.done()
    finally:
        timer.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if timed_out and (task.cancelled() or task.exception() is not None):
        raise TimeoutError(f"no answer within {seconds} s")
    return task.result()


class QueueSubscription:
    """One consumer's queue (an EventSubscription). A consumer that falls maxsize events
    behind loses the backlog and is told to resync instead of silently missing events."""

    def __init__(self, clock: Clock, hub: "EventHub", maxsize: int) -> None:
        self._clock = clock
        self._hub = hub
        self._queue: asyncio.Queue[ExchangeEvent] = asyncio.Queue(maxsize)
        self.closed = False

    def offer(self, event: ExchangeEvent) -> None:
        if self.closed:
            return
        if self._queue.full():
            while not self._queue.empty():
                self._queue.get_nowait()
            event = ResyncNeeded("subscriber fell behind; events were dropped", None)
        self._queue.put_nowait(event)

    async def get(self, timeout: float) -> ExchangeEvent | None:
        if not self._queue.empty():
            return self._queue.get_nowait()
        try:
            return await within(self._clock, timeout, self._queue.get())
        except TimeoutError:
            return None

    async def next_event(self) -> ExchangeEvent:
        return await self._queue.get()  # a cancelled Queue.get takes no item

    def close(self) -> None:
        self.closed = True
        self._hub.remove(self)
        while not self._queue.empty():
            self._queue.get_nowait()


class EventHub:
    def __init__(self, clock: Clock, queue_size: int) -> None:
        self._clock = clock
        self._queue_size = queue_size
        self._subscriptions: list[QueueSubscription] = []

    def subscribe(self) -> QueueSubscription:
        subscription = QueueSubscription(self._clock, self, self._queue_size)
        self._subscriptions.append(subscription)
        return subscription

    def remove(self, subscription: QueueSubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    def publish(self, event: ExchangeEvent) -> None:
        for subscription in tuple(self._subscriptions):
            subscription.offer(event)
