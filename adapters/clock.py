"""SystemClock: the real clock behind ports.clock.Clock."""

import asyncio
import time


class SystemClock:
    """Wall time from time.time_ns, deadlines from time.monotonic, waits from asyncio.sleep."""

    def now_ms(self) -> int:
        # time_ns avoids the float rounding of time.time() * 1000 near millisecond boundaries
        return time.time_ns() // 1_000_000

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))
