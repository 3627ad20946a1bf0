"""MarketData: public prices and instrument rules of one venue (seed 001 §1.1, seed 000 §3.1)."""

from typing import Protocol

from ports.exchange_types import (
    FundingRate,
    Instruments,
    Klines,
    OpenInterest,
    PriceLimit,
    PriceReading,
    ServerTime,
    Ticker,
)


class MarketData(Protocol):
    async def get_instruments(self) -> Instruments:
        """Every perpetual swap the venue lists, whatever its state, with its trading rules."""
        ...

    async def get_instrument(self, symbol: str) -> Instruments:
        """One symbol's spec, as get_instruments would list it (an empty list, with the reason
        in `unreadable` where there is one, when the venue does not list it). Each venue says
        how fresh it is: OKX reads the one instrument every call; Binance answers from its
        exchangeInfo read no more than `instrument_max_age_s` before."""
        ...

    async def get_ticker(self, symbol: str) -> Ticker:
        """Last price and the best bid and ask."""
        ...

    async def get_mark_price(self, symbol: str) -> PriceReading:
        """The mark price, which protective stops trigger on (working_type MARK_PRICE)."""
        ...

    async def get_mark_prices(self) -> tuple[PriceReading, ...]:
        """The mark price of every perpetual swap the venue lists, in one read (recovery over
        many symbols)."""
        ...

    async def get_last_price(self, symbol: str) -> PriceReading:
        """The last traded price."""
        ...

    async def get_kline(self, symbol: str, interval: str, limit: int) -> Klines:
        """Bars oldest first; interval in the seed's names ("1m", "1h", ...)."""
        ...

    async def get_mark_klines(self, symbol: str, *, start_ms: int, end_ms: int) -> Klines:
        """Closed 1-minute mark-price bars opened in [start_ms, end_ms), oldest first
        (ShockGuard's calibration, seed 001 §2.1)."""
        ...

    async def get_funding_rate(self, symbol: str) -> FundingRate:
        """The current funding rate."""
        ...

    async def get_open_interest(self, symbol: str) -> OpenInterest:
        """Open interest in the venue's size unit and in the base asset."""
        ...

    async def get_price_limit(self, symbol: str) -> PriceLimit:
        """The band a limit order's price must stay within now."""
        ...

    async def get_server_time(self) -> ServerTime:
        """The venue's clock, for skew checks and order deadlines."""
        ...
