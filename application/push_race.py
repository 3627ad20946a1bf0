"""A REST read raced against the venue's push of the same fact (issue 14 P2).

When the streams are up (a running `watch` engine), the exchange pushes an order's new state
(OKX `orders`, `orders-algo`) about when it answers the request that changed it, a round trip
before a status read sent after that answer comes back. Both are the exchange's own word, with
evidence: whichever proves the fact first is taken. Without streams (a one-shot command) no push
comes and the read decides alone, as before.

A read that lost the race is not cancelled half-sent (its request and answer must still reach
the evidence): it is kept in a Lingering set and finishes in the background; the use-case
settles the set before it returns. A push already queued when the read would be sent (it came
with the placement's answer) makes the read unnecessary: none is sent.
"""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ports.exchange_events import EventSubscription, ExchangeEvent

T = TypeVar("T")


class Lingering:
    """Reads that lost a race to a push, still in flight."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()

    def keep(self, task: "asyncio.Future[Any]") -> None:
        if not task.done():
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def __len__(self) -> int:
        return len(self._tasks)

    async def settle(self) -> None:
        """Wait for every kept read to finish (its outcome no longer matters)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


async def already_pushed(subscription: EventSubscription,
                         match: Callable[[ExchangeEvent], T | None]) -> T | None:
    """A push that match() accepts already waiting in the queue: it came with (or before) the
    answer the read would be sent after, so no read is needed. Other events queued are dropped
    (the subscription is this wait's own)."""
    while (event := await subscription.get(0)) is not None:
        found = match(event)
        if found is not None:
            return found
    return None


async def push_before(read: "asyncio.Future[Any]", subscription: EventSubscription,
                      match: Callable[[ExchangeEvent], T | None]) -> T | None:
    """The first pushed event that match() accepts, if it arrives before `read` finishes;
    None once the read has finished. The read is not cancelled when the push wins (its own
    deadline bounds it; the caller keeps it in Lingering), only when the command waiting here
    is cancelled: then nothing waits for it any more."""
    try:
        while not read.done():
            waiting = asyncio.ensure_future(subscription.next_event())
            try:
                await asyncio.wait({read, waiting}, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                await cancelled(waiting)
                raise
            if not waiting.done():
                waiting.cancel()  # the read finished first; cancelling a queue wait loses nothing
                await asyncio.gather(waiting, return_exceptions=True)
                return None
            found = match(waiting.result())
            if found is not None:
                return found
        return None
    except asyncio.CancelledError:
        await cancelled(read)
        raise


async def cancelled(task: "asyncio.Future[Any]") -> None:
    """Cancel a task of a command that is being cancelled, and let it finish (only a cancelled
    command cancels its reads)."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def until_set(stop: asyncio.Event | None, sleep: Coroutine[Any, Any, None]) -> None:
    """The sleep between two reads, cut short once stop is set (no read is in flight then)."""
    if stop is None:
        await sleep
        return
    waits = (asyncio.ensure_future(sleep), asyncio.ensure_future(stop.wait()))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
