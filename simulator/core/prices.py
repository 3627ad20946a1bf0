"""Price paths: a seeded random walk per instrument, or a replay of a candle CSV.

A path is stepped, one step per `step_ms` of the core's clock; the same seed and the same
sequence of steps always give the same prices. Prices are whole multiples of the tick size.
"""

import csv
import functools
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

MINUTE_MS = 60_000


@dataclass(slots=True)
class Quote:
    last: Decimal
    mark: Decimal
    index: Decimal


@dataclass(frozen=True, slots=True)
class CandleRow:
    ts: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


class PricePath(Protocol):
    def step(self, current: Decimal) -> Decimal:
        """The next price, given the current one (which set_price may have moved)."""
        ...


class RandomWalk:
    """Geometric random walk in whole ticks: price *= exp(vol * N(0, 1)) per step."""

    def __init__(self, rng: random.Random, tick: Decimal, vol_per_step: float) -> None:
        self._rng = rng
        self._tick = tick
        self._vol = vol_per_step

    def step(self, current: Decimal) -> Decimal:
        ticks = int(current / self._tick)
        moved = round(ticks * math.exp(self._vol * self._rng.gauss(0.0, 1.0)))
        return max(moved, 1) * self._tick


class CsvPath:
    """Replays candle rows: each row takes 4 steps (open, high or low, low or high, close)."""

    def __init__(self, rows: list[CandleRow]) -> None:
        if not rows:
            raise ValueError("a candle CSV needs at least one row")
        self._points: list[Decimal] = []
        for row in rows:
            middle = (row.low, row.high) if row.close >= row.open else (row.high, row.low)
            self._points.extend((row.open, *middle, row.close))
        self._next = 0

    def step(self, current: Decimal) -> Decimal:
        if self._next >= len(self._points):
            return current
        price = self._points[self._next]
        self._next += 1
        return price


def load_candle_csv(path: Path) -> list[CandleRow]:
    """Rows of ts,open,high,low,close[,volume]; a header line is skipped; any row order."""
    rows = []
    with path.open(newline="") as handle:
        for cells in csv.reader(handle):
            if not cells or not cells[0].strip().lstrip("-").isdigit():
                continue
            volume = Decimal(cells[5]) if len(cells) > 5 and cells[5] else Decimal(0)
            rows.append(CandleRow(int(cells[0]), Decimal(cells[1]), Decimal(cells[2]),
                                  Decimal(cells[3]), Decimal(cells[4]), volume))
    return sorted(rows, key=lambda row: row.ts)


@functools.lru_cache(maxsize=64)
def synthetic_history(seed: str, end_price: Decimal, tick: Decimal, end_ms: int,
                      minutes: int, vol_per_minute: float) -> tuple[CandleRow, ...]:
    """1m bars ending at end_ms whose last close is end_price, walked backwards from it.

    Pure in its arguments (its own RNG from `seed`), so it is cached: resets are cheap.
    """
    rng = random.Random(seed)
    rows: list[tuple[int, int, int, int, int]] = []
    close = int(end_price / tick)
    for _ in range(minutes):
        open_ = max(round(close / math.exp(vol_per_minute * rng.gauss(0.0, 1.0))), 1)
        wick = 1 + abs(rng.gauss(0.0, vol_per_minute / 2))
        high = max(round(max(open_, close) * wick), 1)
        low = max(round(min(open_, close) / wick), 1)
        rows.append((open_, high, low, close, rng.randint(50, 5000)))
        close = open_
    first_open_ms = (end_ms // MINUTE_MS - minutes) * MINUTE_MS
    return tuple(CandleRow(first_open_ms + i * MINUTE_MS, o * tick, h * tick, lo * tick,
                           c * tick, Decimal(v))
                 for i, (o, h, lo, c, v) in enumerate(reversed(rows)))
