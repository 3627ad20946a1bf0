"""The exchange clock as seen from here: local clock plus the median of recent measured offsets."""

from collections import deque

KEEP_SAMPLES = 5


class ClockOffset:
    """offset_ms = exchange time - local time, from public/time samples (midpoint of the call)."""

    def __init__(self, keep: int = KEEP_SAMPLES) -> None:
        self._samples: deque[int] = deque(maxlen=keep)
        self._value = 0  # read several times a call: worked out when the samples change

    def add(self, server_ms: int, sent_ms: int, received_ms: int) -> None:
        self._samples.append(server_ms - (sent_ms + received_ms) // 2)
        self._value = round(_median(self._samples))

    def clear(self) -> None:
        self._samples.clear()
        self._value = 0

    @property
    def measured(self) -> bool:
        return bool(self._samples)

    @property
    def value_ms(self) -> int:
        return self._value


def _median(samples: deque[int]) -> float:
    """statistics.median's answer for a few ints, without importing statistics (with its
    fractions, decimal and random: ~3 ms of every command's start, issue 14 P3)."""
    ordered = sorted(samples)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
