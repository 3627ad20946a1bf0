"""FakeMarket: ports.market.MarketData over a FakeBook."""

from decimal import Decimal

from ports.exchange_types import (
    FundingRate,
    Instruments,
    Kline,
    Klines,
    OpenInterest,
    PriceLimit,
    PriceReading,
    ServerTime,
    Ticker,
)
from tests.fake_venue.book import FakeBook

D = Decimal


class FakeMarket:
    def __init__(self, book: FakeBook) -> None:
        self._book = book

    async def get_instruments(self) -> Instruments:
        self._book.scripted_result("get_instruments")
        return Instruments("SWAP", self._book.instruments,
                           self._book.evidence("GET public/instruments"))

    async def get_instrument(self, symbol: str) -> Instruments:
        self._book.scripted_result("get_instrument")
        found = tuple(i for i in self._book.instruments if i.inst_id == symbol)
        return Instruments("SWAP", found, self._book.evidence("GET public/instruments"))

    async def get_ticker(self, symbol: str) -> Ticker:
        book = self._book
        book.scripted_result("get_ticker")
        book.instrument(symbol)
        px = book.prices[symbol]
        bid, ask = book.ticker_spread.get(symbol, (px, px))
        return Ticker(symbol, px, bid, ask, book.clock.now_ms(),
                      book.evidence("GET market/ticker"))

    async def get_price_limit(self, symbol: str) -> PriceLimit:
        book = self._book
        book.scripted_result("get_price_limit")
        px = book.prices[book.instrument(symbol).inst_id]
        return PriceLimit(symbol, px * D("1.05"), px * D("0.95"), book.clock.now_ms(),
                          book.evidence("GET public/price-limit"))

    async def get_server_time(self) -> ServerTime:
        book = self._book
        book.scripted_result("get_server_time")
        return ServerTime(book.clock.now_ms() + book.server_offset_ms,
                          book.evidence("GET public/time"))

    async def get_mark_price(self, symbol: str) -> PriceReading:
        book = self._book
        book.scripted_result("get_mark_price")
        return PriceReading(symbol, book.prices[symbol], "mark", book.clock.now_ms(),
                            book.evidence("GET public/mark-price"))

    async def get_mark_prices(self) -> tuple[PriceReading, ...]:
        book = self._book
        book.scripted_result("get_mark_prices")
        return tuple(PriceReading(s, px, "mark", book.clock.now_ms(),
                                  book.evidence("GET public/mark-price"))
                     for s, px in book.prices.items())

    async def get_last_price(self, symbol: str) -> PriceReading:
        book = self._book
        book.scripted_result("get_last_price")
        return PriceReading(symbol, book.prices[symbol], "last", book.clock.now_ms(),
                            book.evidence("GET market/ticker"))

    async def get_funding_rate(self, symbol: str) -> FundingRate:
        return FundingRate(symbol, D("0.0001"), 0, 0, self._book.evidence("GET funding-rate"))

    async def get_open_interest(self, symbol: str) -> OpenInterest:
        return OpenInterest(symbol, D("1000"), D("10"), 0,
                            self._book.evidence("GET public/open-interest"))

    async def get_mark_klines(self, symbol: str, *, start_ms: int, end_ms: int) -> Klines:
        """Scripted bars (book.mark_klines[symbol]) within the range, else none."""
        self._book.scripted_result("get_mark_klines")
        bars = tuple(b for b in self._book.mark_klines.get(symbol, ())
                     if start_ms <= b.open_time < end_ms)
        return Klines(symbol, "1m", bars, self._book.evidence("GET market/mark-price-candles"))

    async def get_kline(self, symbol: str, interval: str, limit: int) -> Klines:
        px = self._book.prices[symbol]
        bar = Kline(0, px, px, px, px, D(0), 59_999, True)
        return Klines(symbol, interval, (bar,) * min(limit, 1),
                      self._book.evidence("GET market/candles"))
