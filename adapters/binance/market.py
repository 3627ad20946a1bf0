"""Public market data: unsigned GETs under /fapi/v1 (never a key header, never a signature).

exchangeInfo is read once per adapter and kept: it gives every instrument's spec and the
pacer's budgets; a symbol it does not list is looked up again once (a new listing). The open
path's one-instrument read (get_instrument) answers from it while it is at most
INSTRUMENT_MAX_AGE_S old and reads it again after that (ARCHITECTURE.md).
"""

import asyncio

from adapters.binance import wire
from adapters.binance.converter import structure_list, structure_one
from adapters.binance.rest import Answer, BinanceRest
from adapters.binance.translate import protocol_guard, to_instrument, to_kline
from domain.evidence import EvidenceRef
from domain.instrument import InstrumentSpec
from ports.errors import ExchangeProtocolError
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

# how old a kept exchangeInfo may be when get_instrument answers from it: a status change
# (TRADING -> SETTLING) shows within this long; Binance itself refuses orders meanwhile
INSTRUMENT_MAX_AGE_S = 60.0
MAX_MARK_PAGES = 4  # 6,000 bars: more than the longest calibration window needs
MAX_KLINES = 1500
SWAP = "SWAP"  # the domain's word for a perpetual (InstrumentSpec.inst_type)
PERPETUAL = "PERPETUAL"  # Binance's (exchangeInfo contractType), what Instruments names
INTERVALS = frozenset({"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h",
                       "1d", "3d", "1w", "1M"})
# OKX's spellings of the same bars, so a caller may use either
_OKX_NAMES = {"1H": "1h", "2H": "2h", "4H": "4h", "6H": "6h", "12H": "12h", "1D": "1d",
              "3D": "3d", "1W": "1w", "6Hutc": "6h", "12Hutc": "12h", "1Dutc": "1d",
              "3Dutc": "3d", "1Wutc": "1w"}


def binance_interval(interval: str) -> str:
    """The Binance kline interval for an interval name ("1m", "4h", OKX's "4H" -> "4h")."""
    name = interval if interval in INTERVALS else _OKX_NAMES.get(interval, "")
    if not name:
        raise ValueError(f"unsupported kline interval {interval!r}")
    return name


class BinanceMarket:
    def __init__(self, rest: BinanceRest, max_age_s: float = INSTRUMENT_MAX_AGE_S) -> None:
        self._rest = rest
        self._max_age_s = max_age_s
        self._specs: dict[str, InstrumentSpec] = {}
        # when the kept exchangeInfo was read (Clock.monotonic) and its evidence
        self._read_at: float | None = None
        self._read_evidence: EvidenceRef | None = None
        # symbols exchangeInfo lists but describes in a way we cannot trade on, and why
        self.unreadable: dict[str, str] = {}

    async def _get(self, path: str, **params: str) -> Answer:
        return await self._rest.read("GET", path, params, security="public")

    async def _exchange_info(self) -> Answer:
        answer = await self._get("/fapi/v1/exchangeInfo")
        info = structure_one(answer.payload, wire.ExchangeInfo, answer.evidence)
        self._rest.pacer.use_limits((r.rate_limit_type, r.interval, r.interval_num, r.limit)
                                    for r in info.rate_limits)
        symbols = answer.payload.get("symbols")
        if not isinstance(symbols, list):
            raise ExchangeProtocolError("exchangeInfo has no symbols array", answer.evidence)
        specs: dict[str, InstrumentSpec] = {}
        unreadable: dict[str, str] = {}
        for raw in symbols:
            name = str(raw.get("symbol", "?")) if isinstance(raw, dict) else "?"
            try:
                with protocol_guard(f"exchangeInfo symbol {name}", answer.evidence):
                    specs[name] = to_instrument(structure_one(raw, wire.SymbolInfo,
                                                              answer.evidence))
            except ExchangeProtocolError as exc:
                text = str(exc)
                unreadable[name] = text if name in text else f"exchangeInfo symbol {name}: {text}"
        self._specs, self.unreadable = specs, unreadable
        self._read_at, self._read_evidence = self._rest.clock.monotonic(), answer.evidence
        return answer

    async def get_instruments(self) -> Instruments:
        """Every perpetual (USDⓈ-M: USDC- and USDT-margined), whatever its status; a symbol
        described in a way we cannot read is left out (`unreadable` says why)."""
        answer = await self._exchange_info()
        found = tuple(s for s in self._specs.values() if s.inst_type == SWAP)
        return Instruments(PERPETUAL, found, answer.evidence, tuple(self.unreadable.items()))

    async def get_instrument(self, symbol: str) -> Instruments:
        """One perpetual from the kept exchangeInfo when it is at most max_age_s old, else
        from a fresh read; the evidence is the read the answer came from."""
        read_at, evidence = self._read_at, self._read_evidence
        stale = read_at is None or self._rest.clock.monotonic() - read_at > self._max_age_s
        if evidence is None or stale or (symbol not in self._specs
                                         and symbol not in self.unreadable):
            # a symbol the kept read does not know may be a new listing: asked again once
            evidence = (await self._exchange_info()).evidence
        found = self._specs.get(symbol)
        specs = (found,) if found is not None and found.inst_type == SWAP else ()
        why = self.unreadable.get(symbol)
        return Instruments(PERPETUAL, specs, evidence, ((symbol, why),) if why else ())

    async def spec(self, symbol: str) -> InstrumentSpec:
        """One instrument's spec from the kept exchangeInfo (read once, again for a symbol it
        did not list); raises ExchangeProtocolError for a symbol Binance does not list or
        describes in a way we cannot read (with the reason)."""
        if symbol not in self._specs:
            answer = await self._exchange_info()
            if symbol in self.unreadable:
                raise ExchangeProtocolError(self.unreadable[symbol], answer.evidence)
            if symbol not in self._specs:
                raise ExchangeProtocolError(f"Binance does not list {symbol!r}",
                                            answer.evidence)
        return self._specs[symbol]

    async def get_ticker(self, symbol: str) -> Ticker:
        """Last price and best bid/ask: two reads, asked together (one round trip); both are
        finished before either's failure is raised, last price's first."""
        last, answer = await asyncio.gather(
            self.get_last_price(symbol), self._get("/fapi/v1/ticker/bookTicker", symbol=symbol),
            return_exceptions=True)
        for failed in (last, answer):
            if isinstance(failed, BaseException):
                raise failed
        assert isinstance(last, PriceReading) and isinstance(answer, Answer)
        book = structure_one(answer.payload, wire.BookTicker, answer.evidence)
        return Ticker(symbol, last.price, book.bid_price, book.ask_price, book.time,
                      answer.evidence)

    async def get_last_price(self, symbol: str) -> PriceReading:
        answer = await self._get("/fapi/v1/ticker/price", symbol=symbol)
        item = structure_one(answer.payload, wire.TickerPrice, answer.evidence)
        return PriceReading(item.symbol, item.price, "last", item.time, answer.evidence)

    async def _premium(self, symbol: str) -> tuple[wire.PremiumIndex, Answer]:
        answer = await self._get("/fapi/v1/premiumIndex", symbol=symbol)
        return structure_one(answer.payload, wire.PremiumIndex, answer.evidence), answer

    async def get_mark_price(self, symbol: str) -> PriceReading:
        item, answer = await self._premium(symbol)
        return PriceReading(item.symbol, item.mark_price, "mark", item.time, answer.evidence)

    async def get_mark_prices(self) -> tuple[PriceReading, ...]:
        """premiumIndex without a symbol: every symbol's mark, one request (weight 10)."""
        answer = await self._get("/fapi/v1/premiumIndex")
        items = structure_list(answer.payload, wire.PremiumIndex, answer.evidence)
        return tuple(PriceReading(i.symbol, i.mark_price, "mark", i.time, answer.evidence)
                     for i in items)

    async def get_funding_rate(self, symbol: str) -> FundingRate:
        """The rate of the coming funding (premiumIndex.lastFundingRate) and its time."""
        item, answer = await self._premium(symbol)
        if item.last_funding_rate is None or item.next_funding_time is None:
            raise ExchangeProtocolError(f"premiumIndex of {symbol} has no funding rate",
                                        answer.evidence)
        return FundingRate(item.symbol, item.last_funding_rate, item.next_funding_time, 0,
                           answer.evidence)

    async def get_open_interest(self, symbol: str) -> OpenInterest:
        """Open interest in base asset; oi and oi_ccy are the same amount on Binance."""
        answer = await self._get("/fapi/v1/openInterest", symbol=symbol)
        item = structure_one(answer.payload, wire.OpenInterest, answer.evidence)
        return OpenInterest(item.symbol, item.open_interest, item.open_interest, item.time,
                            answer.evidence)

    async def get_price_limit(self, symbol: str) -> PriceLimit:
        """PERCENT_PRICE around the mark: a buy at most mark * up (floored to the tick), a
        sell at least mark * down (raised to the tick)."""
        spec = await self.spec(symbol)
        item, answer = await self._premium(symbol)
        if spec.price_band is None:
            raise ExchangeProtocolError(f"{symbol} publishes no PERCENT_PRICE filter",
                                        answer.evidence)
        band = spec.price_band
        return PriceLimit(symbol, spec.price_floor(item.mark_price * band.up),
                          spec.price_ceil(item.mark_price * band.down), item.time,
                          answer.evidence)

    async def get_kline(self, symbol: str, interval: str, limit: int) -> Klines:
        """Bars oldest first (as Binance sends them); at most 1,500 per call."""
        if not 1 <= limit <= MAX_KLINES:
            raise ValueError(f"limit must be 1..{MAX_KLINES}, got {limit}")
        name = binance_interval(interval)
        answer = await self._get("/fapi/v1/klines", symbol=symbol, interval=name,
                                 limit=str(limit))
        rows = structure_list(answer.payload, wire.Kline, answer.evidence)
        now = self._rest.exchange_now_ms()
        bars = tuple(to_kline(row, now) for row in sorted(rows, key=lambda r: r.open_time))
        return Klines(symbol, interval, bars, answer.evidence)

    async def get_mark_klines(self, symbol: str, *, start_ms: int, end_ms: int) -> Klines:
        """Closed 1-minute mark-price bars that opened in [start_ms, end_ms), oldest first
        (markPriceKlines, up to 1,500 a page, paged forward by startTime)."""
        bars: dict[int, Kline] = {}
        start, answer = start_ms, None
        now = self._rest.exchange_now_ms()
        for _ in range(MAX_MARK_PAGES):
            answer = await self._get("/fapi/v1/markPriceKlines", symbol=symbol, interval="1m",
                                     startTime=str(start), endTime=str(end_ms - 1),
                                     limit=str(MAX_KLINES))
            rows = structure_list(answer.payload, wire.Kline, answer.evidence)
            for bar in (to_kline(row, now) for row in rows):
                if bar.confirmed and start_ms <= bar.open_time < end_ms:
                    bars[bar.open_time] = bar
            newest = max((r.open_time for r in rows), default=end_ms)
            if len(rows) < MAX_KLINES or newest + 60_000 >= end_ms:
                break
            start = newest + 60_000
        assert answer is not None
        return Klines(symbol, "1m", tuple(bars[k] for k in sorted(bars)), answer.evidence)

    async def get_server_time(self) -> ServerTime:
        item, answer = await self._rest.server_time()
        return ServerTime(item.server_time, answer.evidence)

