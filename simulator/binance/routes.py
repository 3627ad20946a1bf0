"""Binance REST endpoints: (method, path) -> handler, security and cost.

Security: "public" (MARKET_DATA), "key" (USER_STREAM: API key only), "signed" (TRADE /
USER_DATA). Cost: IP weight (a function of the parameters, as Binance's docs give it) and
orders counted on the 10 s / 1 min order counters.
"""

from collections.abc import Callable
from dataclasses import dataclass

from simulator.binance import params as p
from simulator.binance.api import BinanceApi
from simulator.binance.listen_keys import ListenKeys
from simulator.faults import Faults

Handler = Callable[["Call"], object]
Weight = Callable[[p.Params], int]


@dataclass
class Call:
    api: BinanceApi
    keys: ListenKeys
    faults: Faults
    method: str
    path: str
    params: dict[str, str]


@dataclass(frozen=True)
class Route:
    handler: Handler
    security: str
    weight: Weight
    orders: Callable[[p.Params], int] = lambda params: 0


def w(value: int, without_symbol: int | None = None) -> Weight:
    if without_symbol is None:
        return lambda params: value
    return lambda params: value if params.get("symbol") else without_symbol


def _kline_weight(params: p.Params) -> int:
    limit = int(params.get("limit", "500") or 500) if params.get("limit", "").isdigit() else 500
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10


def _depth_weight(params: p.Params) -> int:
    raw = params.get("limit", "500")
    limit = int(raw) if raw.isdigit() else 500
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


def _batch_size(params: p.Params) -> int:
    return max(1, params.get("batchOrders", "").count("{"))


def _race(call: Call) -> object:
    race = call.faults.take("fill_race_cancel", call.path[1:], call.method) is not None
    return call.api.cancel_order(call.params, race)


def _new_algo(call: Call) -> object:
    fault = call.faults.take("algo_visibility_delay", call.path[1:], call.method)
    delay = int(str(fault.params["ms"])) if fault else 0
    return call.api.new_algo(call.params, delay)


def _listen_key(call: Call) -> object:
    if call.method == "POST":
        return {"listenKey": call.keys.create()}
    if call.method == "PUT":
        return {"listenKey": call.keys.keepalive(call.params.get("listenKey", ""))}
    call.keys.close(call.params.get("listenKey", ""))
    return {}


V1 = "/fapi/v1/"
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", V1 + "ping"): Route(lambda c: {}, "public", w(1)),
    ("GET", V1 + "time"): Route(lambda c: c.api.server_time(), "public", w(1)),
    ("GET", V1 + "exchangeInfo"): Route(lambda c: c.api.exchange_info(), "public", w(1)),
    ("GET", V1 + "klines"): Route(lambda c: c.api.klines(c.params), "public", _kline_weight),
    ("GET", V1 + "markPriceKlines"): Route(lambda c: c.api.klines(c.params), "public",
                                           _kline_weight),
    ("GET", V1 + "premiumIndex"): Route(lambda c: c.api.premium_index(c.params), "public",
                                        w(1, 10)),
    ("GET", V1 + "fundingRate"): Route(lambda c: c.api.funding_rate(c.params), "public", w(1)),
    ("GET", V1 + "fundingInfo"): Route(lambda c: [], "public", w(1)),
    ("GET", V1 + "openInterest"): Route(lambda c: c.api.open_interest(c.params), "public",
                                        w(1)),
    ("GET", V1 + "ticker/price"): Route(lambda c: c.api.ticker_price(c.params), "public",
                                        w(1, 2)),
    ("GET", "/fapi/v2/ticker/price"): Route(lambda c: c.api.ticker_price(c.params), "public",
                                            w(1, 2)),
    ("GET", V1 + "ticker/bookTicker"): Route(lambda c: c.api.book_ticker(c.params), "public",
                                             w(2, 5)),
    ("GET", V1 + "ticker/24hr"): Route(lambda c: c.api.ticker_24h(c.params), "public",
                                       w(1, 40)),
    ("GET", V1 + "depth"): Route(lambda c: c.api.depth(c.params), "public", _depth_weight),
    ("GET", "/fapi/v2/balance"): Route(lambda c: c.api.balances(), "signed", w(5)),
    ("GET", "/fapi/v3/balance"): Route(lambda c: c.api.balances(), "signed", w(5)),
    ("GET", "/fapi/v2/account"): Route(lambda c: c.api.account(2), "signed", w(5)),
    ("GET", "/fapi/v3/account"): Route(lambda c: c.api.account(3), "signed", w(5)),
    ("GET", "/fapi/v2/positionRisk"): Route(lambda c: c.api.position_risk(c.params, 2),
                                            "signed", w(5)),
    ("GET", "/fapi/v3/positionRisk"): Route(lambda c: c.api.position_risk(c.params, 3),
                                            "signed", w(5)),
    ("GET", V1 + "symbolConfig"): Route(lambda c: c.api.symbol_config(c.params), "signed",
                                        w(5)),
    ("POST", V1 + "leverage"): Route(lambda c: c.api.set_leverage(c.params), "signed", w(1)),
    ("POST", V1 + "marginType"): Route(lambda c: c.api.set_margin_type(c.params), "signed",
                                       w(1)),
    ("GET", V1 + "positionSide/dual"): Route(lambda c: c.api.position_mode(), "signed",
                                             w(30)),
    ("POST", V1 + "positionSide/dual"): Route(lambda c: c.api.set_position_mode(c.params),
                                              "signed", w(1)),
    ("GET", V1 + "multiAssetsMargin"): Route(lambda c: c.api.multi_assets_mode(), "signed",
                                             w(30)),
    ("GET", V1 + "commissionRate"): Route(lambda c: c.api.commission_rate(c.params),
                                          "signed", w(20)),
    ("GET", V1 + "leverageBracket"): Route(lambda c: c.api.leverage_brackets(c.params),
                                           "signed", w(1)),
    ("POST", V1 + "order"): Route(lambda c: c.api.new_order(c.params), "signed", w(0),
                                  lambda params: 1),
    ("GET", V1 + "order"): Route(lambda c: c.api.query_order(c.params), "signed", w(1)),
    ("DELETE", V1 + "order"): Route(_race, "signed", w(1)),
    ("GET", V1 + "openOrder"): Route(lambda c: c.api.open_order(c.params), "signed", w(1)),
    ("POST", V1 + "batchOrders"): Route(lambda c: c.api.batch_orders(c.params), "signed",
                                        w(5), _batch_size),
    ("DELETE", V1 + "batchOrders"): Route(lambda c: c.api.batch_cancel(c.params), "signed",
                                          w(1)),
    ("GET", V1 + "openOrders"): Route(lambda c: c.api.open_orders(c.params), "signed",
                                      w(1, 40)),
    ("GET", V1 + "allOrders"): Route(lambda c: c.api.all_orders(c.params), "signed", w(5)),
    ("DELETE", V1 + "allOpenOrders"): Route(lambda c: c.api.cancel_all(c.params), "signed",
                                            w(1)),
    ("POST", V1 + "countdownCancelAll"): Route(
        lambda c: c.api.countdown_cancel_all(c.params), "signed", w(10)),
    ("GET", V1 + "userTrades"): Route(lambda c: c.api.user_trades(c.params), "signed", w(5)),
    ("POST", V1 + "algoOrder"): Route(_new_algo, "signed", w(0), lambda params: 1),
    ("GET", V1 + "algoOrder"): Route(lambda c: c.api.query_algo(c.params), "signed", w(1)),
    ("DELETE", V1 + "algoOrder"): Route(lambda c: c.api.cancel_algo(c.params), "signed",
                                        w(1)),
    ("GET", V1 + "openAlgoOrders"): Route(lambda c: c.api.open_algos(c.params), "signed",
                                          w(1, 40)),
    ("DELETE", V1 + "algoOpenOrders"): Route(lambda c: c.api.cancel_all_algos(c.params),
                                             "signed", w(1)),
    ("GET", V1 + "allAlgoOrders"): Route(lambda c: c.api.all_algos(c.params), "signed",
                                         w(5)),
    ("POST", V1 + "listenKey"): Route(_listen_key, "key", w(1)),
    ("PUT", V1 + "listenKey"): Route(_listen_key, "key", w(1)),
    ("DELETE", V1 + "listenKey"): Route(_listen_key, "key", w(1)),
}
PATHS = {path for _, path in ROUTES}
