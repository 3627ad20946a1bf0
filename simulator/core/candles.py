"""1-minute bars per instrument, and OKX's bar sizes aggregated from them on request."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from simulator.core.errors import ItemError
from simulator.core.numbers import fmt
from simulator.core.prices import MINUTE_MS, CandleRow

HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
# Unix time 0 was a Thursday; OKX's weekly bars open on Monday
WEEK_OFFSET_MS = 4 * DAY_MS
UTC8_MS = 8 * HOUR_MS
_UNITS = {"m": MINUTE_MS, "H": HOUR_MS, "D": DAY_MS, "W": 7 * DAY_MS}
MAX_BARS = 43_200  # 30 days of 1m bars
# a mutable bar: [open ms, open, high, low, close, volume]
Bar = list[Any]


def parse_bar(bar: str) -> tuple[int, int]:
    """(duration_ms, alignment_ms) of an OKX bar name; bars of 6H and more align to UTC+8."""
    utc = bar.endswith("utc")
    core = bar[:-3] if utc else bar
    if len(core) < 2 or core[-1] not in _UNITS or not core[:-1].isdigit():
        raise ItemError.param("bar")
    duration = int(core[:-1]) * _UNITS[core[-1]]
    if duration > 7 * DAY_MS or (utc and duration < 6 * HOUR_MS):
        raise ItemError.param("bar")
    align = WEEK_OFFSET_MS if core[-1] == "W" else 0
    if duration >= 6 * HOUR_MS and not utc:
        align -= UTC8_MS
    return duration, align


class CandleBook:
    """Append-only 1m OHLCV bars; gaps are filled with flat bars at the previous close.

    The bars before the start (`history`, a function of nothing) are built on the first read,
    not at start: generating them was most of a one-shot embedded simulator's start (issue 14
    P3), and most commands never read a candle. Until then the bars recorded since the start
    are kept alone and the history joins them in front, so what a read sees is the same either
    way.
    """

    def __init__(self, history: Callable[[], tuple[CandleRow, ...]]) -> None:
        self._history: Callable[[], tuple[CandleRow, ...]] | None = history
        self._bars: list[Bar] = []

    def _read(self) -> list[Bar]:
        if self._history is not None:
            history, self._history = self._history(), None
            first = self._bars[0][0] if self._bars else None
            self._bars[:0] = [[r.ts, r.open, r.high, r.low, r.close, r.volume]
                              for r in history if first is None or r.ts < first]
            del self._bars[: max(len(self._bars) - MAX_BARS, 0)]
        return self._bars

    def record(self, ts: int, price: Decimal, volume: Decimal = Decimal(0)) -> None:
        self.roll(ts, price)
        bar = self._bars[-1]
        bar[2] = max(bar[2], price)
        bar[3] = min(bar[3], price)
        bar[4] = price
        bar[5] += volume

    def roll(self, ts: int, price: Decimal) -> None:
        """Open bars up to the minute of ts (flat at the previous close)."""
        minute = ts // MINUTE_MS * MINUTE_MS
        if not self._bars:
            self._bars.append([minute, price, price, price, price, Decimal(0)])
            return
        last = self._bars[-1][0]
        if minute <= last:
            return
        start = max(last + MINUTE_MS, minute - MAX_BARS * MINUTE_MS)
        close = self._bars[-1][4]
        for opened in range(start, minute + MINUTE_MS, MINUTE_MS):
            self._bars.append([opened, close, close, close, close, Decimal(0)])
        if len(self._bars) > MAX_BARS:
            del self._bars[: len(self._bars) - MAX_BARS]

    def rows(self, bar: str, now_ms: int, ct_val: Decimal, limit: int,
             after: int | None = None, before: int | None = None) -> list[list[str]]:
        """OKX candle rows, newest first: [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]."""
        duration, align = parse_bar(bar)
        grouped: list[Bar] = []
        for minute in reversed(self._read()):
            start = (minute[0] - align) // duration * duration + align
            if grouped and grouped[-1][0] == start:
                agg = grouped[-1]
                agg[1] = minute[1]
                agg[2] = max(agg[2], minute[2])
                agg[3] = min(agg[3], minute[3])
                agg[5] += minute[5]
                continue
            if len(grouped) > limit and after is None:
                break
            grouped.append([start, minute[1], minute[2], minute[3], minute[4], minute[5]])
        picked = [g for g in grouped if (after is None or g[0] < after)
                  and (before is None or g[0] > before)][:limit]
        return [self._wire(g, duration, now_ms, ct_val) for g in picked]

    @staticmethod
    def _wire(bar: Bar, duration: int, now_ms: int, ct_val: Decimal) -> list[str]:
        vol_ccy = bar[5] * ct_val
        confirm = "1" if bar[0] + duration <= now_ms else "0"
        return [str(bar[0]), fmt(bar[1]), fmt(bar[2]), fmt(bar[3]), fmt(bar[4]), fmt(bar[5]),
                fmt(vol_ccy), fmt(vol_ccy * bar[4]), confirm]

    def window(self, since_ms: int) -> list[Bar]:
        """The raw 1m bars that opened at or after since_ms (oldest first)."""
        out = []
        for minute in reversed(self._read()):
            if minute[0] < since_ms:
                break
            out.append(minute)
        out.reverse()
        return out
