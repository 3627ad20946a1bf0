"""ShockWatch with fakes: calibration from the exchange's mark klines (stored, timed, not
repeated until due), a failed kline read said and the old q95 kept, a jump beyond q95 x the
multiplier runs the SHOCK playbook once, a second one counts and locks without it, a failed
mark read is skipped."""

import asyncio
from decimal import Decimal

from application.open_position import OpenPositionCommand
from application.shock_watch import ShockWatch
from domain.orders import PositionSide
from domain.params import Params
from domain.records import KlineClose
from domain.regime import Regime
from domain.shockguard import calibrate
from ports.errors import ExchangeUnavailable
from ports.exchange_types import Kline
from tests.fake_venue import FakeExchange
from tests.fakes import FakeClock, InMemoryStateStore
from tests.unit.application import wiring

D = Decimal
SYMBOL = "BTC-USDT-SWAP"
MINUTE = 60_000


def world() -> tuple[FakeExchange, InMemoryStateStore, ShockWatch]:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    watch = ShockWatch(exchange.market, wiring.regime_shift(exchange, store), store,
                       exchange.clock, Params())
    return exchange, store, watch


def script_bars(exchange: FakeExchange, n: int = 300) -> list[KlineClose]:
    """n closed minutes before now, the close wandering a few dollars around 30000."""
    now_ms = exchange.clock.now_ms() // MINUTE * MINUTE
    closes = [D(30000) + D((i * 7) % 11 - 5) for i in range(n)]
    bars = tuple(Kline(now_ms - (n - i) * MINUTE, c, c, c, c, D(1), now_ms - (n - i - 1) * MINUTE
                       - 1, True) for i, c in enumerate(closes))
    exchange.mark_klines[SYMBOL] = bars
    return [KlineClose(b.open_time, b.close) for b in bars]


def test_calibration_reads_the_klines_and_is_not_repeated_until_due() -> None:
    exchange, store, watch = world()
    bars = script_bars(exchange)
    now = exchange.clock.now_ms() // 1000
    (seen,) = asyncio.run(watch.calibrate_due((SYMBOL,)))
    expected = calibrate(bars, now=now, params=Params())
    guard = store.flushed[SYMBOL].shockguard
    assert (guard.q95_1m, guard.q95_3m, guard.recalib_ts) == \
        (expected.q95_1m, expected.q95_3m, now)
    assert expected.q95_1m is not None and expected.q95_3m is not None
    assert (seen.symbol, seen.kind, seen.needs_attention) == (SYMBOL, "calibrated", False)
    assert seen.text == (f"q95_1m {expected.q95_1m:.6f} ({expected.n_1m} returns), q95_3m "
                         f"{expected.q95_3m:.6f} ({expected.n_3m}) from {len(bars)} mark bars")
    assert asyncio.run(watch.calibrate_due((SYMBOL,))) == []
    exchange.clock.advance(Params().shockguard.recalib_every_s)
    assert [s.kind for s in asyncio.run(watch.calibrate_due((SYMBOL,)))] == ["calibrated"]


def test_too_few_bars_leave_detection_off_and_say_so() -> None:
    exchange, store, watch = world()
    script_bars(exchange, n=10)
    (seen,) = asyncio.run(watch.calibrate_due((SYMBOL,)))
    assert seen.text.startswith("q95_1m none (detection off) (9 returns)")
    assert store.flushed[SYMBOL].shockguard.q95_1m is None


def test_an_unreadable_kline_history_keeps_the_old_q95_and_needs_attention() -> None:
    exchange, store, watch = world()
    exchange.script("get_mark_klines", ExchangeUnavailable("candles timed out"))
    (seen,) = asyncio.run(watch.calibrate_due((SYMBOL,)))
    assert (seen.symbol, seen.kind, seen.needs_attention) == (SYMBOL, "calibration_failed", True)
    assert seen.text == "mark klines unreadable (candles timed out); q95 kept as it was"
    assert store.get_symbol_state(SYMBOL).shockguard.recalib_ts == 0


def test_a_jump_runs_the_playbook_once_then_counts_and_locks() -> None:
    exchange, store, watch = world()
    script_bars(exchange)
    asyncio.run(watch.calibrate_due((SYMBOL,)))
    ts = exchange.clock.now_ms()
    assert asyncio.run(watch.on_mark(SYMBOL, D("30000"), ts)) is None   # nothing to compare
    assert asyncio.run(watch.on_mark(SYMBOL, D("30001"), ts + 1000)) is None  # a small move
    seen = asyncio.run(watch.on_mark(SYMBOL, D("31000"), ts + 2000))
    assert seen is not None and (seen.symbol, seen.kind) == (SYMBOL, "shock")
    assert seen.text.startswith("SHOCK detected: mark moved ") and "playbook ran (" in seen.text
    assert seen.needs_attention is False
    steps = seen.text.split("playbook ran (", 1)[1].rstrip(")").split(", ")
    assert len(steps) > 1 and all(step.startswith("4:") for step in steps), steps
    state = store.flushed[SYMBOL]
    assert state.last_regime is Regime.SHOCK and state.shockguard.trigger_count_60m == 1
    exchange.clock.advance(10)
    again = asyncio.run(watch.on_mark(SYMBOL, D("30000"), ts + 12_000))
    assert again is not None and (again.symbol, again.kind) == (SYMBOL, "shock_again")
    assert again.text.startswith("SHOCK detected again (#2 in 60 min): mark moved ")
    state = store.flushed[SYMBOL]
    assert state.shockguard.trigger_count_60m == 2
    assert state.cooldown_until.shock == exchange.clock.now_ms() // 1000 + \
        Params().cooldown.shock_s


def test_a_failed_mark_read_is_skipped_and_a_read_price_is_judged() -> None:
    exchange, store, watch = world()
    script_bars(exchange)
    asyncio.run(watch.calibrate_due((SYMBOL,)))
    exchange.script("get_mark_price", ExchangeUnavailable("mark timed out"))
    assert asyncio.run(watch.poll((SYMBOL,))) == []
    asyncio.run(watch.poll((SYMBOL,)))                 # 30000 at the fake's clock
    exchange.clock.advance(1)
    exchange.prices[SYMBOL] = D("31000")
    (seen,) = asyncio.run(watch.poll((SYMBOL,)))
    assert seen.kind == "shock" and store.flushed[SYMBOL].last_regime is Regime.SHOCK


OTHER = "ETH-USDT-SWAP"


def test_each_symbol_is_calibrated_and_polled_on_its_own() -> None:
    exchange, store, watch = world()
    script_bars(exchange)
    exchange.mark_klines[OTHER] = exchange.mark_klines[SYMBOL]
    asyncio.run(watch.calibrate_due((SYMBOL,)))
    # the first symbol is not due, the second is
    assert [(s.symbol, s.kind) for s in asyncio.run(watch.calibrate_due((SYMBOL, OTHER)))] == \
        [(OTHER, "calibrated")]
    asyncio.run(watch.poll((SYMBOL, OTHER)))
    exchange.clock.advance(1)
    # the first symbol's read fails, the second's is still judged
    exchange.script("get_mark_price", ExchangeUnavailable("mark timed out"))
    exchange.prices[OTHER] = D("31000") * exchange.prices[OTHER] / D("30000")
    assert [s.symbol for s in asyncio.run(watch.poll((SYMBOL, OTHER)))] == [OTHER]
    # both jump: both are reported
    exchange.clock.advance(1)
    exchange.prices[SYMBOL] = D("31000")
    exchange.prices[OTHER] = exchange.prices[OTHER] * 2
    seen = asyncio.run(watch.poll((SYMBOL, OTHER)))
    assert [(s.symbol, s.kind) for s in seen] == [(SYMBOL, "shock"), (OTHER, "shock_again")]
    assert store.flushed[OTHER].shockguard.trigger_count_60m == 2


def test_a_bar_without_a_close_is_left_out_of_the_calibration() -> None:
    exchange, store, watch = world()
    bars = script_bars(exchange)
    first = exchange.mark_klines[SYMBOL][0]
    exchange.mark_klines[SYMBOL] = (Kline(first.open_time - MINUTE, D(0), D(0), D(0), D(0),
                                          D(0), first.open_time - 1, True),
                                    *exchange.mark_klines[SYMBOL])
    (seen,) = asyncio.run(watch.calibrate_due((SYMBOL,)))
    assert seen.text.endswith(f"from {len(bars)} mark bars")
    assert store.flushed[SYMBOL].shockguard.q95_1m is not None


def test_times_are_whole_seconds_and_the_jump_price_is_the_playbook_mark() -> None:
    exchange, store, watch = world()
    asyncio.run(wiring.open_position(exchange, store).execute(OpenPositionCommand.of(
        SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"), D("30300.0"), D("0.04"),
        D("30600.0"), D("0.03"), "sw1")))
    exchange.clock.advance(0.5)                       # half-way through a second
    script_bars(exchange)
    asyncio.run(watch.calibrate_due((SYMBOL,)))
    recalib = store.flushed[SYMBOL].shockguard.recalib_ts
    assert isinstance(recalib, int) and recalib == exchange.clock.now_ms() // 1000
    ts = exchange.clock.now_ms()
    asyncio.run(watch.on_mark(SYMBOL, D("30000"), ts))
    # the jump seen on the stream, while a read of the mark would still give 30000
    seen = asyncio.run(watch.on_mark(SYMBOL, D("31000"), ts + 1000))
    assert seen is not None and seen.kind == "shock"
    state = store.flushed[SYMBOL]
    (trigger,) = state.shockguard.trigger_ts_60m
    assert isinstance(trigger, int) and trigger == exchange.clock.now_ms() // 1000
    # step 3 moved the stop half-way toward the jump's price: 29400 + (31000 - 29400) / 2
    assert state.position_state.sl_price == D("30200.0")
    # a second jump while in SHOCK is counted here, at a whole second too
    again = asyncio.run(watch.on_mark(SYMBOL, D("29000"), ts + 2000))
    assert again is not None and again.kind == "shock_again"
    triggers = store.flushed[SYMBOL].shockguard.trigger_ts_60m
    assert len(triggers) == 2 and all(isinstance(t, int) for t in triggers)
