"""Public market data from recorded responses: parsed into ports types, never signed."""

from decimal import Decimal
from typing import Any

import pytest

from ports.errors import ExchangeProtocolError
from ports.exchange import ExchangeAdapter
from tests.adapters.okx.mock_okx import MockOkx, run
from tests.fakes import FakeClock

D = Decimal


def test_instruments_keep_every_state_with_contract_specs() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/public/instruments", "public_instruments_swap")
    found, _ = run(mock, lambda ex: ex.get_instruments())
    assert [(i.inst_id, i.state) for i in found.instruments] == [
        ("BTC-USDT-SWAP", "live"), ("ETH-USDT-SWAP", "live"), ("XRP-USDT-SWAP", "suspend")]
    btc = found.find("BTC-USDT-SWAP")
    assert btc is not None
    assert (btc.tick_sz, btc.lot_sz, btc.min_sz, btc.ct_val, btc.ct_mult, btc.settle_ccy) == (
        D("0.1"), D("0.01"), D("0.01"), D("0.01"), D("1"), "USDT")
    assert mock.seen("GET", "/api/v5/public/instruments")[0].url.params["instType"] == "SWAP"


def test_ticker_and_last_price() -> None:
    mock = MockOkx(FakeClock())
    mock.default("GET", "/api/v5/market/ticker", "market_ticker")
    ticker, _ = run(mock, lambda ex: ex.get_ticker("BTC-USDT-SWAP"))
    assert (ticker.last, ticker.bid, ticker.ask, ticker.ts_ms) == (
        D("30010.1"), D("30010.1"), D("30010.2"), 1763780000500)
    last, _ = run(mock, lambda ex: ex.get_last_price("BTC-USDT-SWAP"))
    assert (last.kind, last.price) == ("last", D("30010.1"))


def test_mark_price_funding_open_interest_and_price_limit() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/public/mark-price", "public_mark_price")
    mock.on("GET", "/api/v5/public/funding-rate", "public_funding_rate")
    mock.on("GET", "/api/v5/public/open-interest", "public_open_interest")
    mock.on("GET", "/api/v5/public/price-limit", "public_price_limit")

    async def all_four(ex: ExchangeAdapter) -> tuple[Any, ...]:
        return (await ex.get_mark_price("BTC-USDT-SWAP"),
                await ex.get_funding_rate("BTC-USDT-SWAP"),
                await ex.get_open_interest("BTC-USDT-SWAP"),
                await ex.get_price_limit("BTC-USDT-SWAP"))

    (mark, funding, oi, band), _ = run(mock, all_four)
    assert (mark.kind, mark.price, mark.ts_ms) == ("mark", D("30008.7"), 1763780000400)
    assert (funding.rate, funding.funding_time_ms, funding.next_funding_time_ms) == (
        D("0.0001"), 1763798400000, 1763827200000)
    assert (oi.oi, oi.oi_ccy) == (D("2216113.01"), D("22161.1301"))
    assert (band.buy_limit, band.sell_limit) == (D("30610.3"), D("29410.1"))
    params = mock.seen("GET", "/api/v5/public/mark-price")[0].url.params
    assert (params["instType"], params["instId"]) == ("SWAP", "BTC-USDT-SWAP")


def test_a_disabled_price_limit_is_not_invented() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/public/price-limit", "public_price_limit_disabled")
    with pytest.raises(ExchangeProtocolError, match="not published"):
        run(mock, lambda ex: ex.get_price_limit("BTC-USDT-SWAP"))


def test_klines_come_oldest_first_with_close_times() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/market/candles", "market_candles")
    klines, _ = run(mock, lambda ex: ex.get_kline("BTC-USDT-SWAP", "1m", 3))
    assert [k.open_time for k in klines.bars] == [1763779860000, 1763779920000, 1763779980000]
    newest = klines.bars[-1]
    assert newest.close_time == 1763779980000 + 60_000 - 1
    assert (newest.close, newest.volume, newest.confirmed) == (D("30010.1"), D("120"), False)
    params = mock.seen("GET", "/api/v5/market/candles")[0].url.params
    assert (params["bar"], params["limit"]) == ("1m", "3")


@pytest.mark.parametrize(("interval", "bar"), [("1h", "1H"), ("4H", "4H"), ("1d", "1Dutc"),
                                               ("5m", "5m")])
def test_kline_intervals_map_to_okx_bars(interval: str, bar: str) -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/market/candles", "market_candles")
    run(mock, lambda ex: ex.get_kline("BTC-USDT-SWAP", interval, 3))
    assert mock.seen("GET", "/api/v5/market/candles")[0].url.params["bar"] == bar


@pytest.mark.parametrize(("interval", "limit"), [("7m", 10), ("1m", 0), ("1m", 301)])
def test_bad_kline_requests_fail_before_sending(interval: str, limit: int) -> None:
    mock = MockOkx(FakeClock())
    with pytest.raises(ValueError):
        run(mock, lambda ex: ex.get_kline("BTC-USDT-SWAP", interval, limit))
    assert mock.requests == []


def test_server_time_is_read_and_becomes_a_clock_sample() -> None:
    clock = FakeClock()
    mock = MockOkx(clock)
    mock.server_offset_ms = 1234

    async def read(ex: ExchangeAdapter) -> tuple[Any, int]:
        found = await ex.get_server_time()
        return found, mock.venue.rest().offset_ms

    (found, offset), _ = run(mock, read)
    assert found.ts_ms == clock.now_ms() + 1234
    assert offset == 1234
