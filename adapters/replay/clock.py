"""The clock of a replay: time as the recording saw it, and no waiting.

It starts at the run's first record. When a request matches a recorded call it moves to when
that call was sent, and when the answer is handed back to when it came back. Waits (sleeps,
and recorded WS frames due at their recorded time) are timers: when every task is blocked,
the clock jumps to the earliest timer that may fire and wakes it, so concurrent waits end in
the order of their virtual deadlines (a stream's 25 s keepalive never fires inside a 1 s
poll loop) and a replay runs as fast as the machine allows. A sleep that ends just short of
the next recorded call (within SNAP_S, the engine's own work between waking and sending)
ends at that call's send time, so a deadline computed from a round trip ("is there time for
one more poll?") sees the recorded times. The clock never goes backwards. When every task
waits and no timer may fire, the engine waits for something the recording does not have:
`stalled()` says what, and every waiter gets that error.
"""

import asyncio
import itertools
from collections.abc import Callable

import attrs

SNAP_S = 0.05
NextCall = Callable[[], tuple[float, float] | None]  # the next recorded send: (wall ms, mono s)
Gate = Callable[[], bool]
# how many turns of the event loop with nothing else ready count as "every task waits" where
# the loop's ready queue cannot be inspected
IDLE_TURNS = 20


@attrs.define(eq=False)
class _Timer:
    mono_s: float
    wall_ms: float | None  # a recorded moment, or None: derived from mono_s
    order: int
    future: "asyncio.Future[None]"
    gate: Gate | None
    snap: bool

    def may_fire(self) -> bool:
        return not self.future.done() and (self.gate is None or self.gate())


class ReplayClock:
    def __init__(self, wall_ms: int, mono_s: float, next_call: NextCall | None = None,
                 stalled: Callable[[], BaseException] | None = None,
                 work_s: float = 0.0) -> None:
        self._work_s = work_s  # the engine's own work after an answer, taken to be this long
        self._wall_ms = float(wall_ms)
        self._mono_s = mono_s
        self._next_call = next_call
        # what every waiter gets when all wait and nothing recorded is due (the WS replay
        # names what the recording has next)
        self.stalled: Callable[[], BaseException] = stalled or (
            lambda: RuntimeError("replay stalled: every task waits and nothing is due"))
        self._timers: list[_Timer] = []
        self._order = itertools.count()
        self._keeper: asyncio.Task[None] | None = None

    def now_ms(self) -> int:
        return int(self._wall_ms)

    def monotonic(self) -> float:
        return self._mono_s

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)  # still a suspension point: other tasks run as they would
            return
        await self.wait_until(self._mono_s + seconds, snap=True)

    async def wait_until(self, mono_s: float, wall_ms: float | None = None,
                         gate: Gate | None = None, snap: bool = False) -> None:
        """Until the clock reaches mono_s (and gate, if given, allows), in deadline order."""
        future = asyncio.get_running_loop().create_future()
        self._timers.append(_Timer(mono_s, wall_ms, next(self._order), future, gate, snap))
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.ensure_future(self._keep())
        await future

    def advance(self, seconds: float) -> None:
        self._wall_ms += seconds * 1000
        self._mono_s += seconds

    def answered(self, wall_ms: float, mono_s: float) -> None:
        """An answer came back at this recorded moment; the engine then works work_s."""
        self.at_least(wall_ms + self._work_s * 1000, mono_s + self._work_s)

    def at_least(self, wall_ms: float, mono_s: float) -> None:
        """Move forward to a recorded moment (never back)."""
        self._wall_ms = max(self._wall_ms, wall_ms)
        self._mono_s = max(self._mono_s, mono_s)

    async def _keep(self) -> None:
        loop = asyncio.get_running_loop()
        turns = 0
        while True:
            self._timers = [t for t in self._timers if not t.future.done()]
            if not self._timers:
                return
            await asyncio.sleep(0)
            turns += 1
            if not _idle(loop, turns):
                continue
            turns = 0
            ready = [t for t in self._timers if t.may_fire()]
            if not ready:
                error = self.stalled()
                for timer in self._timers:
                    if not timer.future.done():
                        timer.future.set_exception(error)
                continue
            self._fire(min(ready, key=lambda t: (t.mono_s, t.order)))

    def _fire(self, timer: _Timer) -> None:
        if timer.mono_s > self._mono_s:
            if timer.wall_ms is not None:
                self.at_least(timer.wall_ms, timer.mono_s)
            else:
                self.advance(timer.mono_s - self._mono_s)
        upcoming = self._next_call() if timer.snap and self._next_call is not None else None
        if upcoming is not None and 0 <= upcoming[1] - self._mono_s <= SNAP_S:
            self.at_least(*upcoming)
        timer.future.set_result(None)


def _idle(loop: asyncio.AbstractEventLoop, turns: int) -> bool:
    """Nothing but the keeper is ready to run (no socket, no thread feeds a replay's loop)."""
    ready = getattr(loop, "_ready", None)
    return len(ready) == 0 if ready is not None else turns >= IDLE_TURNS
