"""Issue 13's venue calls on the simulator's Binance face: the trade ledger's executions
(userTrades, joined to orders by order id), the dead-man countdown (countdownCancelAll) and
ShockGuard's mark-price klines (markPriceKlines)."""

import time
from decimal import Decimal

from domain.orders import Side
from ports.exchange import ExchangeAdapter
from simulator.embedded import EmbeddedSimulator
from tests.adapters.binance.sim_support import BTC, run

D = Decimal


def test_executions_are_every_fill_of_the_symbol_since_a_time_with_fees(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        since = int(time.time() * 1000) - 1000
        buy = await ex.place_market(symbol=BTC, side=Side.BUY, qty=D("0.01"),
                                    reduce_only=False, client_order_id="pxENled00")
        sell = await ex.place_market(symbol=BTC, side=Side.SELL, qty=D("0.01"),
                                     reduce_only=True, client_order_id="pxCLled00")
        found = await ex.orders.get_executions(symbol=BTC, since_ms=since)
        assert [t.order_id for t in found.trades] == [buy.order_id, sell.order_id]
        assert [t.side for t in found.trades] == [Side.BUY, Side.SELL]
        assert all(t.fill_sz == D("0.01") and t.fee <= 0 for t in found.trades)
        assert all(t.client_order_id == "" for t in found.trades)  # Binance gives none
        later = await ex.orders.get_executions(symbol=BTC,
                                               since_ms=found.trades[-1].ts_ms + 1)
        assert later.trades == ()
    run(sim, test)


def test_the_countdown_is_armed_per_symbol_and_zero_stops_it(sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        armed = await ex.orders.arm_dead_man(symbols=(BTC,), timeout_s=30)
        assert armed.armed and armed.why == ""
        assert armed.scope.startswith(f"per symbol: every open order of {BTC} ")
        assert list(sim.core.state.countdowns) == [f"inst:{BTC}"]
        off = await ex.orders.arm_dead_man(symbols=(BTC,), timeout_s=0)
        assert off.armed and not sim.core.state.countdowns
    run(sim, test)


def test_mark_klines_are_the_closed_minutes_of_the_range_oldest_first(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        end = int(time.time() * 1000) // 60_000 * 60_000
        got = await ex.market.get_mark_klines(BTC, start_ms=end - 3_600_000, end_ms=end)
        opens = [b.open_time for b in got.bars]
        assert opens == sorted(opens) and len(opens) == len(set(opens))
        assert all(end - 3_600_000 <= t < end and b.confirmed
                   for t, b in zip(opens, got.bars, strict=True))
        assert len(opens) == 60
    run(sim, test)
