"""SystemClock: the real clock behind the Clock port."""

import asyncio
import time

from adapters.clock import SystemClock


def test_now_ms_is_unix_epoch_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    now = SystemClock().now_ms()
    after = time.time_ns() // 1_000_000
    assert before <= now <= after


def test_monotonic_never_goes_backwards() -> None:
    clock = SystemClock()
    readings = [clock.monotonic() for _ in range(1000)]
    assert readings == sorted(readings)


def test_sleep_waits_at_least_the_time_asked_and_treats_negative_as_zero() -> None:
    clock = SystemClock()

    async def waits() -> float:
        start = clock.monotonic()
        await clock.sleep(-1.0)
        await clock.sleep(0.002)
        return clock.monotonic() - start

    assert asyncio.run(waits()) >= 0.002
