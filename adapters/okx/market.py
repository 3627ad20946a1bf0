"""Public market data: unsigned GETs under /api/v5/public and /api/v5/market."""

from decimal import Decimal
from typing import TypeVar

from adapters.okx import wire
from adapters.okx.converter import structure_all
from adapters.okx.rest import Answer, OkxRest
from adapters.okx.translate import (
    bar_close_time,
    okx_bar,
    protocol_guard,
    to_instrument,
    to_kline,
)
from ports.errors import ExchangeProtocolError, ExchangeRejected
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

T = TypeVar("T")
MAX_CANDLES = 300
MARK_PAGE = 100      # OKX's limit for mark-price candles
MARK_ROW = 6
MAX_MARK_PAGES = 40  # 4,000 bars: more than the longest calibration window (48 h) needs
SWAP = "SWAP"  # OKX's instType of perpetual swaps, the only kind this engine trades
UNKNOWN_INSTRUMENT = "51001"  # "Instrument ID does not exist"


def first(answer: Answer, cls: type[T], what: str) -> T:
    """The first data item as cls; an empty data array is a protocol error here."""
    found = structure_all(answer.items[:1], cls, answer.evidence)
    if not found:
        raise ExchangeProtocolError(f"{what}: the exchange returned no data", answer.evidence)
    return found[0]


class OkxMarket:
    def __init__(self, rest: OkxRest) -> None:
        self._rest = rest

    async def _get(self, path: str, **params: str) -> Answer:
        return await self._rest.read("GET", path, params=params, signed=False)

    async def get_instruments(self) -> Instruments:
        """OKX's perpetual swaps (instType SWAP)."""
        answer = await self._get("/api/v5/public/instruments", instType=SWAP)
        items = structure_all(answer.items, wire.Instrument, answer.evidence)
        with protocol_guard("instrument", answer.evidence):
            specs = tuple(to_instrument(i) for i in items)
        return Instruments(SWAP, specs, answer.evidence)

    async def get_instrument(self, symbol: str) -> Instruments:
        """One swap, read afresh (instruments?instId=): OKX answers one row, not the list. An
        instId OKX does not know is 51001; that is "not listed", not a failure to ask."""
        try:
            answer = await self._get("/api/v5/public/instruments", instType=SWAP, instId=symbol)
        except ExchangeRejected as exc:
            if exc.code != UNKNOWN_INSTRUMENT or exc.evidence is None:
                raise
            return Instruments(SWAP, (), exc.evidence)
        items = structure_all(answer.items, wire.Instrument, answer.evidence)
        with protocol_guard("instrument", answer.evidence):
            specs = tuple(to_instrument(i) for i in items if i.inst_id == symbol)
        return Instruments(SWAP, specs, answer.evidence)

    async def get_ticker(self, symbol: str) -> Ticker:
        answer = await self._get("/api/v5/market/ticker", instId=symbol)
        item = first(answer, wire.Ticker, "ticker")
        if item.last is None:
            raise ExchangeProtocolError(f"ticker of {symbol} has no last price",
                                        answer.evidence)
        return Ticker(item.inst_id, item.last, item.bid_px, item.ask_px, item.ts,
                      answer.evidence)

    async def get_last_price(self, symbol: str) -> PriceReading:
        ticker = await self.get_ticker(symbol)
        return PriceReading(symbol, ticker.last, "last", ticker.ts_ms, ticker.evidence)

    async def get_mark_price(self, symbol: str) -> PriceReading:
        answer = await self._get("/api/v5/public/mark-price", instType=SWAP, instId=symbol)
        item = first(answer, wire.MarkPrice, "mark price")
        return PriceReading(item.inst_id, item.mark_px, "mark", item.ts, answer.evidence)

    async def get_mark_prices(self) -> tuple[PriceReading, ...]:
        """public/mark-price for the whole instType (SWAP): one request."""
        answer = await self._get("/api/v5/public/mark-price", instType=SWAP)
        items = structure_all(answer.items, wire.MarkPrice, answer.evidence)
        return tuple(PriceReading(i.inst_id, i.mark_px, "mark", i.ts, answer.evidence)
                     for i in items)

    async def get_funding_rate(self, symbol: str) -> FundingRate:
        answer = await self._get("/api/v5/public/funding-rate", instId=symbol)
        item = first(answer, wire.FundingRate, "funding rate")
        return FundingRate(item.inst_id, item.funding_rate, item.funding_time,
                           item.next_funding_time or 0, answer.evidence)

    async def get_open_interest(self, symbol: str) -> OpenInterest:
        answer = await self._get("/api/v5/public/open-interest", instType=SWAP,
                                 instId=symbol)
        item = first(answer, wire.OpenInterest, "open interest")
        return OpenInterest(item.inst_id, item.oi, item.oi_ccy, item.ts, answer.evidence)

    async def get_price_limit(self, symbol: str) -> PriceLimit:
        answer = await self._get("/api/v5/public/price-limit", instId=symbol)
        item = first(answer, wire.PriceLimit, "price limit")
        if item.buy_lmt is None or item.sell_lmt is None:
            raise ExchangeProtocolError(f"price limit of {symbol} is not published "
                                        f"(enabled={item.enabled})", answer.evidence)
        return PriceLimit(item.inst_id, item.buy_lmt, item.sell_lmt, item.ts, answer.evidence)

    async def get_kline(self, symbol: str, interval: str, limit: int) -> Klines:
        """Bars oldest first (OKX sends newest first); at most 300 per call."""
        if not 1 <= limit <= MAX_CANDLES:
            raise ValueError(f"limit must be 1..{MAX_CANDLES}, got {limit}")
        bar = okx_bar(interval)
        answer = await self._get("/api/v5/market/candles", instId=symbol, bar=bar,
                                 limit=str(limit))
        rows = structure_all(answer.items, wire.Candle, answer.evidence)
        bars = tuple(to_kline(row, bar) for row in sorted(rows, key=lambda r: r.ts))
        return Klines(symbol, interval, bars, answer.evidence)

    async def get_mark_klines(self, symbol: str, *, start_ms: int, end_ms: int) -> Klines:
        """Closed 1-minute mark-price bars that opened in [start_ms, end_ms), oldest first:
        history-mark-price-candles, 100 a page, paged back from end_ms with `after`."""
        bars: dict[int, Kline] = {}
        after, answer = end_ms, None
        for _ in range(MAX_MARK_PAGES):
            answer = await self._get("/api/v5/market/history-mark-price-candles", instId=symbol,
                                     bar="1m", after=str(after), limit=str(MARK_PAGE))
            rows = structure_all(answer.items, wire.Candle, answer.evidence)
            for raw, row in zip(answer.items, rows, strict=True):
                # a mark row is [ts, o, h, l, c, confirm]: its sixth cell is confirm
                closed = str(raw[5]) == "1" if len(raw) == MARK_ROW else row.confirm
                if closed and start_ms <= row.ts < end_ms:
                    bars[row.ts] = Kline(row.ts, row.open, row.high, row.low, row.close,
                                         Decimal(0), bar_close_time(row.ts, "1m"), True)
            oldest = min((r.ts for r in rows), default=start_ms)
            if len(rows) < MARK_PAGE or oldest <= start_ms or oldest >= after:
                break
            after = oldest
        assert answer is not None
        return Klines(symbol, "1m", tuple(bars[k] for k in sorted(bars)), answer.evidence)

    async def get_server_time(self) -> ServerTime:
        item, answer = await self._rest.server_time()
        return ServerTime(item.ts, answer.evidence)
