"""Clocks the core reads: the wall clock, or a virtual one that tests step."""

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class WallClock:
    """Unix milliseconds from the system clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class VirtualClock:
    """A clock that only moves when told to; starts at start_ms (default: wall time, whole s)."""

    def __init__(self, start_ms: int | None = None) -> None:
        if start_ms is None:
            start_ms = (time.time_ns() // 1_000_000_000) * 1000
        self._now = start_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> int:
        if ms < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._now += ms
            return self._now

    def set(self, now_ms: int) -> None:
        with self._lock:
            if now_ms < self._now:
                raise ValueError("a clock only moves forward")
            self._now = now_ms
