"""The clock of a replay: time as the recording saw it, and no waiting.

It starts at the run's first record. When a request matches a recorded call it moves to when
that call was sent, and when the answer is handed back to when it came back; a sleep moves it
forward at once, and when the sleep ends just short of the next recorded call (within SNAP_S,
the engine's own work between waking and sending) to that call's send time, so a deadline
computed from a round trip ("is there time for one more poll?") sees the recorded times, not
those times minus the engine's work. It never goes backwards, so deadlines, backoffs and polls
decide as they did in the recording, and a replay runs as fast as the machine allows.
"""

import asyncio
from collections.abc import Callable

SNAP_S = 0.05
NextCall = Callable[[], tuple[float, float] | None]  # the next recorded send: (wall ms, mono s)


class ReplayClock:
    def __init__(self, wall_ms: int, mono_s: float, next_call: NextCall | None = None) -> None:
        self._wall_ms = float(wall_ms)
        self._mono_s = mono_s
        self._next_call = next_call

    def now_ms(self) -> int:
        return int(self._wall_ms)

    def monotonic(self) -> float:
        return self._mono_s

    async def sleep(self, seconds: float) -> None:
        self.advance(max(seconds, 0.0))
        upcoming = self._next_call() if self._next_call is not None else None
        if upcoming is not None and 0 <= upcoming[1] - self._mono_s <= SNAP_S:
            self.at_least(*upcoming)
        await asyncio.sleep(0)  # still a suspension point: other tasks run as they would

    def advance(self, seconds: float) -> None:
        self._wall_ms += seconds * 1000
        self._mono_s += seconds

    def at_least(self, wall_ms: float, mono_s: float) -> None:
        """Move forward to a recorded moment (never back)."""
        self._wall_ms = max(self._wall_ms, wall_ms)
        self._mono_s = max(self._mono_s, mono_s)
