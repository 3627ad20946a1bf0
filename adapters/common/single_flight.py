"""One read in flight for many concurrent askers: the first starts it, the others await it."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """A cached setting read by many orders at once (recovery places a stop on a hundred
    symbols concurrently) is read once, not once per order against its own rate limit (OKX
    account/config: 5 per 2 s). A failed read fails every asker of it; the next call reads
    again."""

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._task: asyncio.Task[T] | None = None

    async def __call__(self) -> T:
        loop = asyncio.get_running_loop()
        task = self._task
        if task is None or task.get_loop() is not loop:
            task = self._task = loop.create_task(self._run())
            task.add_done_callback(self._forget)
        # shielded: one asker cancelled does not cancel the read the others wait on
        return await asyncio.shield(task)

    async def _run(self) -> T:
        return await self._read()

    def _forget(self, task: "asyncio.Task[T]") -> None:
        if self._task is task:
            self._task = None
        if not task.cancelled():
            task.exception()  # retrieved: its askers may all have gone
