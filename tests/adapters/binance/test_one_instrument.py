"""The open path's reads on Binance (issue 14 P2): one instrument from a kept exchangeInfo no
older than its limit, and the symbol's current leverage from symbolConfig."""

from decimal import Decimal
from typing import Any

import pytest

from adapters.binance.market import INSTRUMENT_MAX_AGE_S
from ports.errors import ExchangeProtocolError, ExchangeRejected
from ports.exchange import ExchangeAdapter
from tests.adapters.binance.mock_binance import MockBinance, params_of, run
from tests.fakes import FakeClock

D = Decimal
INFO = ("GET", "/fapi/v1/exchangeInfo")


def test_a_kept_exchange_info_answers_until_it_is_older_than_its_limit() -> None:
    clock = FakeClock()
    mock = MockBinance(clock)

    async def reads(ex: ExchangeAdapter) -> list[Any]:
        first = await ex.get_instrument("BTCUSDC")
        clock.advance(INSTRUMENT_MAX_AGE_S)  # exactly at the limit: still kept
        kept = await ex.get_instrument("ETHUSDC")
        after_kept = len(mock.seen(*INFO))
        clock.advance(0.001)  # older than the limit: read again
        fresh = await ex.get_instrument("BTCUSDC")
        return [first, kept, after_kept, fresh]

    (first, kept, after_kept, fresh), _ = run(mock, reads)
    assert [s.inst_id for s in first.instruments] == ["BTCUSDC"]
    assert [s.inst_id for s in kept.instruments] == ["ETHUSDC"]
    assert after_kept == 1 and len(mock.seen(*INFO)) == 2
    assert [s.inst_id for s in fresh.instruments] == ["BTCUSDC"]
    assert kept.evidence == first.evidence != fresh.evidence  # says which read it came from


def test_a_symbol_the_kept_read_does_not_list_is_asked_about_once_more() -> None:
    mock = MockBinance(FakeClock())

    async def reads(ex: ExchangeAdapter) -> Any:
        await ex.get_instrument("BTCUSDC")
        return await ex.get_instrument("NOPEUSDC")

    missing, _ = run(mock, reads)
    assert missing.instruments == () and len(mock.seen(*INFO)) == 2
    assert missing.missing("NOPEUSDC") == "NOPEUSDC is not a listed PERPETUAL instrument"


def test_a_suspended_symbol_is_listed_with_its_state() -> None:
    found, _ = run(MockBinance(FakeClock()), lambda ex: ex.get_instrument("LTCUSDC"))
    (spec,) = found.instruments
    assert spec.state == "suspend" and not spec.is_live


def test_the_symbols_leverage_is_read_from_symbol_config() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/symbolConfig", "symbol_config")
    held, _ = run(mock, lambda ex: ex.get_leverage("ETHUSDC"))
    assert (held.symbol, held.leverage) == ("ETHUSDC", D(10))
    assert params_of(mock.seen("GET", "/fapi/v1/symbolConfig")[0])["symbol"] == "ETHUSDC"


def test_a_symbol_config_without_the_symbol_is_a_protocol_error() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/symbolConfig", "symbol_config")
    with pytest.raises(ExchangeProtocolError, match="no row"):
        run(mock, lambda ex: ex.get_leverage("DOGEUSDC"))


def test_the_tickers_two_reads_both_finish_and_the_last_price_failure_is_raised_first(
        ) -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/ticker/price",
            {"status": 400, "body": {"code": -1121, "msg": "Invalid symbol."}})
    mock.on("GET", "/fapi/v1/ticker/bookTicker",
            {"status": 400, "body": {"code": -1100, "msg": "Illegal characters."}})
    with pytest.raises(ExchangeRejected, match="-1121"):
        run(mock, lambda ex: ex.get_ticker("BTCUSDC"))
    assert len(mock.seen("GET", "/fapi/v1/ticker/bookTicker")) == 1  # asked together


def test_a_failed_book_read_fails_the_ticker() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/ticker/price", "ticker_price")
    mock.on("GET", "/fapi/v1/ticker/bookTicker",
            {"status": 400, "body": {"code": -1100, "msg": "Illegal characters."}})
    with pytest.raises(ExchangeRejected, match="-1100"):
        run(mock, lambda ex: ex.get_ticker("BTCUSDC"))
