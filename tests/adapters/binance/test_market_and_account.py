"""Instruments from exchangeInfo filters, market data, balances, positions and settings."""

import copy
from decimal import Decimal
from typing import Any

import attrs
import pytest

from domain.errors import InvalidIntent
from domain.instrument import LotRule, PriceBand
from domain.orders import PositionSide, Side
from ports.errors import ExchangeProtocolError, ExchangeRejected
from ports.exchange import ExchangeAdapter
from tests.adapters.binance.mock_binance import MockBinance, fixture, params_of, run
from tests.fakes import FakeClock

D = Decimal


def test_exchange_info_filters_become_the_instrument_spec() -> None:
    mock = MockBinance(FakeClock())
    found, _ = run(mock, lambda ex: ex.get_instruments())
    btc = found.find("BTCUSDC")
    assert btc is not None
    assert (btc.inst_type, btc.state, btc.tick_sz, btc.lot_sz, btc.min_sz, btc.max_sz,
            btc.settle_ccy) == ("SWAP", "live", D("0.1"), D("0.001"), D("0.001"), D("1000"),
                                "USDC")
    assert (btc.ct_val, btc.ct_mult) == (1, 1)  # one size unit is one BTC
    assert btc.market_lot == LotRule(D("0.001"), D("0.001"), D("120"))
    assert btc.min_notional == D("5")
    assert btc.price_band == PriceBand(D("1.05"), D("0.95"))
    usdt = found.find("BTCUSDT")
    assert usdt is not None and (usdt.settle_ccy, usdt.min_notional) == ("USDT", D("100"))
    states = {s.inst_id: s.state for s in found.instruments}
    assert (states["LTCUSDC"], states["ZROUSDC"]) == ("suspend", "preopen")
    assert {s.inst_id for s in found.instruments if s.is_live} == {"BTCUSDC", "ETHUSDC",
                                                                   "BTCUSDT"}


def test_exchange_info_also_sets_the_pacers_budgets() -> None:
    mock = MockBinance(FakeClock())

    async def read(ex: ExchangeAdapter) -> Any:
        await ex.get_instruments()
        assert mock.venue is not None
        return mock.venue.rest().pacer.budgets

    budgets, _ = run(mock, read)
    assert [(b.kind, b.window_ms, b.limit) for b in budgets] == [
        ("REQUEST_WEIGHT", 60_000, 2400), ("ORDERS", 60_000, 1200), ("ORDERS", 10_000, 300)]


def test_a_symbol_described_oddly_is_left_out_and_the_others_stay_readable() -> None:
    info = copy.deepcopy(fixture("exchange_info"))
    symbols = info["body"]["symbols"]
    symbols[0]["filters"] = [f for f in symbols[0]["filters"] if f["filterType"] != "LOT_SIZE"]
    symbols[1]["filters"][0]["tickSize"] = 0.01  # a float: refused, never rounded
    mock = MockBinance(FakeClock())
    mock.default("GET", "/fapi/v1/exchangeInfo", info)
    found, _ = run(mock, lambda ex: ex.get_instruments())
    assert found.inst_type == "PERPETUAL"
    assert {s.inst_id for s in found.instruments} == {"BTCUSDT", "LTCUSDC", "ZROUSDC"}
    assert found.missing("BTCUSDT") == ""
    assert "BTCUSDC is listed but cannot be traded" in found.missing("BTCUSDC")
    assert found.missing("DOGEUSDC") == "DOGEUSDC is not a listed PERPETUAL instrument"
    with pytest.raises(ExchangeProtocolError, match="BTCUSDC lacks PRICE_FILTER or LOT_SIZE"):
        run(mock, lambda ex: ex.get_price_limit("BTCUSDC"))
    with pytest.raises(InvalidIntent, match=r"ETHUSDC is listed but cannot be traded.*tickSize"):
        run(mock, lambda ex: ex.place_algo_stop(
            symbol="ETHUSDC", side=Side.SELL, qty=D("0.1"), stop_price=D("2000"),
            reduce_only=True, client_algo_id="pxSLa00", working_type="MARK_PRICE"))
    assert mock.seen("POST", "/fapi/v1/algoOrder") == []


def test_an_exchange_info_without_symbols_is_a_protocol_error() -> None:
    mock = MockBinance(FakeClock())
    mock.default("GET", "/fapi/v1/exchangeInfo", {"status": 200, "body": {"rateLimits": []}})
    with pytest.raises(ExchangeProtocolError, match="symbols"):
        run(mock, lambda ex: ex.get_instruments())


def test_the_price_limit_is_the_percent_price_band_around_the_mark() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/premiumIndex", "premium_index")
    band, _ = run(mock, lambda ex: ex.get_price_limit("BTCUSDC"))
    # mark 29990: buy at most 29990 * 1.05 = 31489.5, sell at least 29990 * 0.95 = 28490.5
    assert (band.buy_limit, band.sell_limit) == (D("31489.5"), D("28490.5"))


def test_market_data_readings() -> None:
    mock = MockBinance(FakeClock())
    for name, path in (("premium_index", "premiumIndex"), ("ticker_price", "ticker/price"),
                       ("book_ticker", "ticker/bookTicker"),
                       ("open_interest", "openInterest"), ("klines", "klines")):
        mock.default("GET", f"/fapi/v1/{path}", name)

    async def read(ex: ExchangeAdapter) -> Any:
        return (await ex.get_mark_price("BTCUSDC"), await ex.get_last_price("BTCUSDC"),
                await ex.get_ticker("BTCUSDC"), await ex.get_funding_rate("BTCUSDC"),
                await ex.get_open_interest("BTCUSDC"), await ex.get_kline("BTCUSDC", "1H", 3))

    (mark, last, ticker, funding, oi, klines), _ = run(mock, read)
    assert (mark.kind, mark.price, last.kind, last.price) == ("mark", D("29990"), "last",
                                                              D("30000"))
    assert (ticker.last, ticker.bid, ticker.ask) == (D("30000"), D("29999.9"), D("30000.1"))
    assert funding.rate == D("0.0001") and funding.funding_time_ms > 0
    assert oi.oi == oi.oi_ccy
    assert params_of(mock.seen("GET", "/fapi/v1/klines")[0])["interval"] == "1h"
    assert [bar.open_time for bar in klines.bars] == sorted(b.open_time for b in klines.bars)
    assert all(bar.close_time > bar.open_time for bar in klines.bars)


@pytest.mark.parametrize("interval", ["7m", "1s", ""])
def test_an_interval_binance_does_not_have_is_refused_before_asking(interval: str) -> None:
    mock = MockBinance(FakeClock())
    with pytest.raises(ValueError, match="interval"):
        run(mock, lambda ex: ex.get_kline("BTCUSDC", interval, 3))
    assert mock.seen("GET", "/fapi/v1/klines") == []


def account_with(**usdc: str) -> dict[str, Any]:
    doc = copy.deepcopy(fixture("account_v3"))
    for row in doc["body"]["assets"]:
        if row["asset"] == "USDC":
            row.update(usdc)
    return dict(doc)


def test_balances_are_the_margin_assets_row() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v3/account", account_with(
        marginBalance="100012.5", availableBalance="99700.1", initialMargin="312.4"))
    balances, _ = run(mock, lambda ex: ex.get_balances())
    assert (balances.ccy, balances.total_equity, balances.available_balance,
            balances.margin_used) == ("USDC", D("100012.5"), D("99700.1"), D("312.4"))


def test_usdt_margined_accounts_read_the_usdt_row_and_an_absent_asset_holds_nothing() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v3/account", "account_v3")
    balances, _ = run(mock, lambda ex: ex.get_balances(), margin_asset="BNFCR")
    assert (balances.ccy, balances.total_equity, balances.margin_used) == ("BNFCR", 0, 0)
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v3/account", "account_v3")
    equity, _ = run(mock, lambda ex: ex.get_balance_equity("USDT"))
    assert equity.field_used == "assets[asset=USDT].marginBalance" and equity.equity > 0
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v3/account", "account_v3")
    equities, _ = run(mock, lambda ex: ex.get_equities())
    assert equities.of("USDT") == attrs.evolve(equity, evidence=equities.evidence)
    assert (equities.of("XYZ").equity, equities.of("XYZ").field_used) == \
        (0, "assets[asset=XYZ] absent: Binance lists only the account's assets")


def test_positions_come_with_leverage_and_margin_type_from_symbol_config() -> None:
    mock = MockBinance(FakeClock())
    risk = copy.deepcopy(fixture("position_risk_v3"))
    flat = dict(risk["body"][0], symbol="ETHUSDC", positionAmt="0")
    short = dict(risk["body"][0], symbol="XRPUSDC", positionAmt="-120.5", entryPrice="0.61")
    risk["body"] += [flat, short]
    mock.on("GET", "/fapi/v3/positionRisk", risk)
    mock.on("GET", "/fapi/v1/symbolConfig", "symbol_config")
    positions, _ = run(mock, lambda ex: ex.get_positions())
    assert set(positions.by_symbol) == {"BTCUSDC", "XRPUSDC"}
    btc, xrp = positions.by_symbol["BTCUSDC"], positions.by_symbol["XRPUSDC"]
    assert (btc.side, btc.qty, btc.entry_price, btc.leverage, btc.margin_mode,
            btc.mark_price) == (PositionSide.LONG, D("0.01"), D("30006"), D(10), "cross",
                                D("29990"))
    assert (xrp.side, xrp.qty) == (PositionSide.SHORT, D("120.5"))


def test_no_positions_need_no_symbol_config() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v3/positionRisk", {"status": 200, "body": []})
    positions, _ = run(mock, lambda ex: ex.get_positions())
    assert positions.by_symbol == {}
    assert mock.seen("GET", "/fapi/v1/symbolConfig") == []


def test_both_legs_of_a_hedge_position_are_refused_not_merged() -> None:
    mock = MockBinance(FakeClock())
    row = fixture("position_risk_v3")["body"][0]
    legs = [dict(row, positionSide="LONG", positionAmt="0.01"),
            dict(row, positionSide="SHORT", positionAmt="-0.02")]
    mock.on("GET", "/fapi/v3/positionRisk", {"status": 200, "body": legs})
    mock.on("GET", "/fapi/v1/symbolConfig", "symbol_config")
    with pytest.raises(ExchangeProtocolError, match="one-way"):
        run(mock, lambda ex: ex.get_positions())


def test_account_config_reports_the_position_mode_and_trade_permission() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v2/account", "account_v2")
    config, _ = run(mock, lambda ex: ex.get_account_config())
    assert (config.pos_mode, config.perm) == ("net_mode", "read_only,trade")
    mock = MockBinance(FakeClock())
    mock.default("GET", "/fapi/v1/positionSide/dual",
                 {"status": 200, "body": {"dualSidePosition": True}})
    v2 = copy.deepcopy(fixture("account_v2"))
    v2["body"]["canTrade"] = False
    mock.on("GET", "/fapi/v2/account", v2)
    config, _ = run(mock, lambda ex: ex.get_account_config())
    assert (config.pos_mode, config.perm) == ("long_short_mode", "read_only")


def test_switching_to_one_way_mode_when_already_one_way_is_success() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", "/fapi/v1/positionSide/dual", "error_4059_no_change")
    applied, _ = run(mock, lambda ex: ex.set_position_mode_one_way())
    assert (applied.name, applied.value) == ("pos_mode", "net_mode")
    assert params_of(mock.seen("POST", "/fapi/v1/positionSide/dual")[0])[
        "dualSidePosition"] == "false"


def test_switching_with_open_positions_is_refused_with_binances_code() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", "/fapi/v1/positionSide/dual",
            {"status": 400, "body": {"code": -4068, "msg": "Position side cannot be changed "
                                                           "if there exists position."}})
    with pytest.raises(ExchangeRejected) as caught:
        run(mock, lambda ex: ex.set_position_mode_one_way())
    assert caught.value.code == "-4068"


def test_setting_leverage_reports_what_binance_set() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", "/fapi/v1/leverage", "leverage_set")
    applied, _ = run(mock, lambda ex: ex.set_leverage("BTCUSDC", 5))
    assert (applied.name, applied.value) == ("leverage", "5")
    assert params_of(mock.seen("POST", "/fapi/v1/leverage")[0])["leverage"] == "5"
    with pytest.raises(ValueError):
        run(MockBinance(FakeClock()), lambda ex: ex.set_leverage("BTCUSDC", 0))
