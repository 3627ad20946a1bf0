"""Binance public market data computed from the core: exchangeInfo, klines, premiumIndex,
tickers, depth, open interest, funding."""

from collections.abc import Callable
from decimal import Decimal

from simulator.binance.errors import BinanceError, invalid
from simulator.binance.params import Params, decimals, integer, text
from simulator.core.candles import DAY_MS
from simulator.core.errors import ItemError
from simulator.core.instruments import Instrument
from simulator.core.market_views import BASE_OPEN_INTEREST, FUNDING_PERIOD_MS
from simulator.core.models import ZERO
from simulator.core.numbers import fmt
from simulator.core.state import ExchangeState

STATUS = {"live": "TRADING", "suspend": "SETTLING", "preopen": "PENDING_TRADING",
          "test": "PENDING_TRADING"}
ORDER_TYPES = ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
               "TRAILING_STOP_MARKET"]
REQUEST_WEIGHT_PER_MINUTE = 2400
ORDERS_PER_MINUTE = 1200
ORDERS_PER_10S = 300
RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
     "limit": REQUEST_WEIGHT_PER_MINUTE},
    {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
     "limit": ORDERS_PER_MINUTE},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
     "limit": ORDERS_PER_10S}]
# Binance interval -> the core's bar name (bars of 6 h and more align to UTC)
INTERVALS = {"1m": "1m", "3m": "3m", "5m": "5m", "15m": "15m", "30m": "30m", "1h": "1H",
             "2h": "2H", "4h": "4H", "6h": "6Hutc", "8h": "8Hutc", "12h": "12Hutc",
             "1d": "1Dutc", "3d": "3Dutc", "1w": "1Wutc"}
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


def symbol_of(state: ExchangeState, params: Params, name: str = "symbol") -> str:
    symbol = params.get(name, "")
    if not symbol:
        raise BinanceError(-1102, name)
    if symbol not in state.instruments:
        raise BinanceError(-1121)
    return symbol


def _filters(inst: Instrument) -> list[dict[str, object]]:
    return [
        {"filterType": "PRICE_FILTER", "minPrice": fmt(inst.tick_sz),
         "maxPrice": "4529764", "tickSize": fmt(inst.tick_sz)},
        {"filterType": "LOT_SIZE", "minQty": fmt(inst.min_sz), "maxQty": fmt(inst.max_lmt_sz),
         "stepSize": fmt(inst.lot_sz)},
        {"filterType": "MARKET_LOT_SIZE", "minQty": fmt(inst.min_sz),
         "maxQty": fmt(inst.max_mkt_sz), "stepSize": fmt(inst.lot_sz)},
        {"filterType": "MAX_NUM_ORDERS", "limit": inst.max_orders},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": inst.max_algos},
        {"filterType": "MIN_NOTIONAL", "notional": fmt(inst.min_notional)},
        {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500",
         "multiplierDown": "0.9500", "multiplierDecimal": "4"},
    ]


def symbol_info(inst: Instrument) -> dict[str, object]:
    return {
        "symbol": inst.inst_id, "pair": inst.inst_id, "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000, "onboardDate": inst.list_time,
        "status": STATUS.get(inst.state, "SETTLING"), "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000", "baseAsset": inst.base_ccy,
        "quoteAsset": inst.settle_ccy, "marginAsset": inst.settle_ccy,
        "pricePrecision": decimals(inst.tick_sz), "quantityPrecision": decimals(inst.lot_sz),
        "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
        "underlyingSubType": [], "settlePlan": 0, "triggerProtect": "0.0500",
        "liquidationFee": "0.012500", "marketTakeBound": "0.05", "maxMoveOrderLimit": 10000,
        "filters": _filters(inst), "orderTypes": ORDER_TYPES,
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"], "permissionSets": ["GRID", "COPY"],
    }


def exchange_info(state: ExchangeState) -> dict[str, object]:
    assets = sorted({i.settle_ccy for i in state.instruments.values()})
    return {"timezone": "UTC", "serverTime": state.now(), "futuresType": "U_MARGINED",
            "rateLimits": RATE_LIMITS, "exchangeFilters": [],
            "assets": [{"asset": a, "marginAvailable": True, "autoAssetExchange": "-10000"}
                       for a in assets],
            "symbols": [symbol_info(i) for i in state.instruments.values()]}


def klines(state: ExchangeState, params: Params, symbol: str) -> list[list[object]]:
    interval = params.get("interval", "")
    if not interval:
        raise BinanceError(-1102, "interval")
    if interval not in INTERVALS:
        raise invalid("interval")
    limit = integer(params, "limit", 500, 1, 1500)
    start = integer(params, "startTime", -1, 0, 2**62)
    end = integer(params, "endTime", -1, 0, 2**62)
    book = state.candles[symbol]
    now = state.now()
    book.roll(now, state.quotes[symbol].last)
    try:
        rows = book.rows(INTERVALS[interval], now, state.instruments[symbol].ct_val,
                         limit if start < 0 else 10**6,
                         end + 1 if end >= 0 else None, start - 1 if start >= 0 else None)
    except ItemError:
        raise invalid("interval") from None
    picked = rows[:limit] if start < 0 else rows[-limit:]
    return [_kline(row, interval) for row in reversed(picked)]


def _kline(row: list[str], interval: str) -> list[object]:
    opened = int(row[0])
    duration = _duration(interval)
    volume = Decimal(row[5])
    return [opened, row[1], row[2], row[3], row[4], row[5], opened + duration - 1, row[7],
            int(volume * 3) if volume else 0, fmt(volume / 2), fmt(Decimal(row[7]) / 2), "0"]


def _duration(interval: str) -> int:
    units = {"m": 60_000, "h": 3_600_000, "d": DAY_MS, "w": 7 * DAY_MS}
    return int(interval[:-1]) * units[interval[-1]]


def _next_funding(now: int) -> int:
    return (now // FUNDING_PERIOD_MS + 1) * FUNDING_PERIOD_MS


def premium_index(state: ExchangeState, symbol: str) -> dict[str, object]:
    quote, inst, now = state.quotes[symbol], state.instruments[symbol], state.now()
    return {"symbol": symbol, "markPrice": fmt(quote.mark), "indexPrice": fmt(quote.index),
            "estimatedSettlePrice": fmt(quote.index), "lastFundingRate": fmt(inst.funding_rate),
            "interestRate": "0.00010000", "nextFundingTime": _next_funding(now), "time": now}


def funding_history(state: ExchangeState, symbol: str, limit: int) -> list[dict[str, object]]:
    last = _next_funding(state.now()) - FUNDING_PERIOD_MS
    inst, mark = state.instruments[symbol], state.quotes[symbol].mark
    times = [last - k * FUNDING_PERIOD_MS for k in range(limit)]
    return [{"symbol": symbol, "fundingTime": t, "fundingRate": fmt(inst.funding_rate),
             "markPrice": fmt(mark)} for t in reversed(times)]


def open_interest(state: ExchangeState, symbol: str) -> dict[str, object]:
    held = sum((abs(p.pos) for p in state.account.open_positions() if p.inst_id == symbol),
               ZERO)
    return {"openInterest": fmt(BASE_OPEN_INTEREST / 100 + held), "symbol": symbol,
            "time": state.now()}


def price_ticker(state: ExchangeState, symbol: str) -> dict[str, object]:
    return {"symbol": symbol, "price": fmt(state.quotes[symbol].last), "time": state.now()}


def book_ticker(state: ExchangeState, symbol: str) -> dict[str, object]:
    last, tick = state.quotes[symbol].last, state.instruments[symbol].tick_sz
    now = state.now()
    return {"symbol": symbol, "bidPrice": fmt(last - tick), "bidQty": "9.5",
            "askPrice": fmt(last + tick), "askQty": "12", "time": now, "lastUpdateId": now}


def ticker_24h(state: ExchangeState, symbol: str) -> dict[str, object]:
    now, last = state.now(), state.quotes[symbol].last
    book = state.candles[symbol]
    book.roll(now, last)
    day = book.window(now - DAY_MS)
    open_ = Decimal(day[0][1]) if day else last
    volume = sum((Decimal(bar[5]) for bar in day), ZERO)
    change = last - open_
    return {"symbol": symbol, "priceChange": fmt(change),
            "priceChangePercent": fmt((change / open_ * 100).quantize(Decimal("0.001"))),
            "weightedAvgPrice": fmt(last), "lastPrice": fmt(last), "lastQty": "0.010",
            "openPrice": fmt(open_), "highPrice": fmt(max((bar[2] for bar in day),
                                                          default=last)),
            "lowPrice": fmt(min((bar[3] for bar in day), default=last)),
            "volume": fmt(volume), "quoteVolume": fmt(volume * last),
            "openTime": now - DAY_MS, "closeTime": now, "firstId": 1, "lastId": 1000,
            "count": 1000}


def depth(state: ExchangeState, params: Params, symbol: str) -> dict[str, object]:
    limit = integer(params, "limit", 500, 1, 1000)
    if limit not in DEPTH_LIMITS:
        raise invalid("limit")
    last, tick, now = state.quotes[symbol].last, state.instruments[symbol].tick_sz, state.now()
    asks = [[fmt(last + k * tick), fmt(Decimal("1.2") + Decimal(k) / 10)]
            for k in range(1, limit + 1)]
    bids = [[fmt(last - k * tick), fmt(Decimal("0.95") + Decimal(k) / 10)]
            for k in range(1, limit + 1) if last - k * tick > 0]
    return {"lastUpdateId": now, "E": now, "T": now, "bids": bids, "asks": asks}


def many(state: ExchangeState, params: Params,
         render: Callable[[ExchangeState, str], dict[str, object]]) -> object:
    """A market endpoint answers an object for `symbol`, else a list over all symbols."""
    if text(params, "symbol"):
        return render(state, symbol_of(state, params))
    return [render(state, s) for s in state.instruments]
