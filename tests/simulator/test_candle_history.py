"""The synthetic candle history before the start is built on the first candle read, not when
the exchange starts (issue 14 P3: it was most of a one-shot embedded simulator's start), and a
read sees the same bars as when it was built at start."""

from decimal import Decimal as D
from typing import Any

import pytest

from simulator.core.candles import CandleBook
from simulator.core.clock import VirtualClock
from simulator.core.exchange import ExchangeCore
from simulator.core.prices import MINUTE_MS, CandleRow, synthetic_history
from simulator.core.state import CoreConfig
from tests.simulator.conftest import BTC, ETH, START_MS

BARS = ("1m", "5m", "1H", "1D")


SEED = 424_242  # no other test's: the spy below counts only this core's histories


class HistorySpy:
    """Counts the synthetic histories built for SEED's instruments (and builds them)."""

    def __init__(self) -> None:
        self.built: list[str] = []

    def __call__(self, seed: str, *args: Any) -> tuple[CandleRow, ...]:
        if seed.startswith(f"{SEED}:"):
            self.built.append(seed.split(":")[1])
        return synthetic_history(seed, *args)


def walk(core: ExchangeCore, clock: VirtualClock, reads_first: bool) -> list[Any]:
    """Ten minutes of a moving market with trades; reads only at the end unless reads_first."""
    early = core.candles({"instId": BTC, "limit": "5"}) if reads_first else None
    for step in range(10):
        clock.advance(61_000)
        core.quote(BTC)
        if step == 4:
            core.set_price(BTC, D("31000.5"))
    reads = [core.candles({"instId": BTC, "bar": bar, "limit": "300"}) for bar in BARS]
    reads.append(core.candles({"instId": BTC, "limit": "100", "after": str(START_MS)}))
    return [early, *reads]


def test_the_history_is_not_built_until_candles_are_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    spy = HistorySpy()
    monkeypatch.setattr("simulator.core.state.synthetic_history", spy)
    clock = VirtualClock(START_MS)
    core = ExchangeCore(CoreConfig(seed=SEED), clock)
    clock.advance(120_000)
    core.quote(BTC)  # the market moves and records bars without the history
    assert spy.built == []
    rows: list[Any] = core.candles({"instId": BTC, "limit": "300"})
    assert spy.built == [BTC]  # this instrument's, not every instrument's
    assert len(rows) == 300 and int(rows[-1][0]) < START_MS  # it reaches before the start
    core.candles({"instId": BTC, "limit": "3"})
    core.candles({"instId": ETH, "limit": "3"})
    assert spy.built == [BTC, ETH]


def test_candles_read_late_equal_candles_read_from_the_start() -> None:
    late_clock, early_clock = VirtualClock(START_MS), VirtualClock(START_MS)
    late = walk(ExchangeCore(CoreConfig(seed=5), late_clock), late_clock, reads_first=False)
    early = walk(ExchangeCore(CoreConfig(seed=5), early_clock), early_clock, reads_first=True)
    assert late[1:] == early[1:]
    other_clock = VirtualClock(START_MS)
    other = walk(ExchangeCore(CoreConfig(seed=6), other_clock), other_clock, reads_first=False)
    assert other[1:] != late[1:]  # the comparison sees the bars, not only their shape


def test_the_history_joins_the_bars_since_the_start_without_gap_or_overlap() -> None:
    start = START_MS + 17_000
    history = synthetic_history("t:history", D(100), D("0.1"), start, 30, 0.001)
    book = CandleBook(lambda: history)
    book.record(start, D(100))
    book.record(start + 2 * MINUTE_MS, D("100.4"), D(3))
    rows = book.rows("1m", start + 3 * MINUTE_MS, D(1), 300)
    opened = [int(r[0]) for r in reversed(rows)]
    first_live = start // MINUTE_MS * MINUTE_MS
    assert opened == [history[0].ts + i * MINUTE_MS for i in range(33)]
    assert opened[30] == first_live
    assert [[D(x) for x in r[1:6]] for r in reversed(rows[3:])] == [
        [h.open, h.high, h.low, h.close, h.volume] for h in history]
    # the history ends at the start price: the first live bar opens where it closed
    assert history[-1].close == D(100) and rows[2][1] == "100"
    assert rows[0][4:6] == ["100.4", "3"]


def test_a_history_read_after_a_long_run_keeps_only_the_newest_bars() -> None:
    start = START_MS
    history = tuple(CandleRow(start - (3 - i) * MINUTE_MS, D(1), D(1), D(1), D(1), D(0))
                    for i in range(3))
    book = CandleBook(lambda: history)
    book.record(start, D(1))
    book.record(start + 43_200 * MINUTE_MS, D(2))  # 30 days later: the history is past
    assert len(book.window(0)) == 43_200
    assert book.window(0)[0][0] == start + MINUTE_MS
