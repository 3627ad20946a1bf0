"""REST endpoints: (method, path after /api/v5/) -> handler. Handlers are thin: parameters
in, one core call, an OKX envelope out; errors are raised as ApiError."""

from collections.abc import Callable
from dataclasses import dataclass

from simulator.core.errors import ApiError
from simulator.runtime import SimRuntime
from simulator.wire import envelope


@dataclass
class Req:
    method: str
    path: str
    query: dict[str, object]
    body: object
    exp_time: int | None
    expired_on_arrival: bool
    in_time_us: int


Handler = Callable[[SimRuntime, Req], dict[str, object]]


def _obj(req: Req) -> dict[str, object]:
    if not isinstance(req.body, dict):
        raise ApiError("51000", "body")
    return req.body


def _list(req: Req) -> list[dict[str, object]]:
    if not isinstance(req.body, list) or not all(isinstance(i, dict) for i in req.body):
        raise ApiError("51000", "body")
    return req.body


def _expired(items: list[dict[str, object]], req: Req) -> dict[str, object]:
    error = ApiError("50036")
    data: list[dict[str, object]] = [
        {"ordId": "", "clOrdId": str(i.get("clOrdId") or ""), "tag": str(i.get("tag") or ""),
         "ts": "", "sCode": error.code, "sMsg": error.msg} for i in items]
    return envelope.items(data, req.in_time_us)


def place(rt: SimRuntime, req: Req) -> dict[str, object]:
    orders = [_obj(req)] if req.path == "trade/order" else _list(req)
    if req.expired_on_arrival:
        return _expired(orders, req)
    return envelope.items(rt.core.place_orders(orders, req.exp_time), req.in_time_us)


def cancel(rt: SimRuntime, req: Req) -> dict[str, object]:
    items = [_obj(req)] if req.path == "trade/cancel-order" else _list(req)
    race = rt.faults.take("fill_race_cancel", req.path, req.method) is not None
    return envelope.items(rt.core.cancel_orders(items, race), req.in_time_us)


def place_algo(rt: SimRuntime, req: Req) -> dict[str, object]:
    fault = rt.faults.take("algo_visibility_delay", req.path, req.method)
    delay = int(str(fault.params["ms"])) if fault else 0
    # algo envelopes carry no inTime/outTime (only the order endpoints do)
    return envelope.items(rt.core.place_algo(_obj(req), delay))


def cancel_algos(rt: SimRuntime, req: Req) -> dict[str, object]:
    return envelope.items(rt.core.cancel_algos(_list(req)))


def close_position(rt: SimRuntime, req: Req) -> dict[str, object]:
    return envelope.ok(rt.core.close_position(_obj(req)))


def currencies(rt: SimRuntime, req: Req) -> dict[str, object]:
    # ccxt's load_markets asks for this when it has keys; a minimal list satisfies it
    data = [{"ccy": ccy, "name": ccy, "chain": f"{ccy}-ERC20", "canDep": False,
             "canWd": False, "canInternal": False, "minWd": "0", "maxWd": "0",
             "wdTickSz": "8", "minFee": "0", "maxFee": "0", "mainNet": True,
             "logoLink": "", "minDep": "0"}
            for ccy in ("USDT", "USDC", "BTC", "ETH", "LTC", "ZRO")]
    return envelope.ok(data)


def _query(call: Callable[[SimRuntime, dict[str, object]], object]) -> Handler:
    return lambda rt, req: envelope.ok(call(rt, req.query))


def _post(call: Callable[[SimRuntime, dict[str, object]], object]) -> Handler:
    return lambda rt, req: envelope.ok(call(rt, _obj(req)))


def _mark_candles(rt: SimRuntime, query: dict[str, object]) -> list[list[str]]:
    return [[*row[:5], row[-1]] for row in rt.core.candles(query, max_limit=100)]  # type: ignore


PUBLIC: dict[tuple[str, str], Handler] = {
    ("GET", "public/instruments"): _query(lambda rt, q: rt.core.instruments(q)),
    ("GET", "public/time"): _query(lambda rt, q: rt.core.server_time()),
    ("GET", "public/price-limit"): _query(lambda rt, q: rt.core.price_limit(q)),
    ("GET", "public/mark-price"): _query(lambda rt, q: rt.core.mark_price(q)),
    ("GET", "public/funding-rate"): _query(lambda rt, q: rt.core.funding_rate(q)),
    ("GET", "public/open-interest"): _query(lambda rt, q: rt.core.open_interest(q)),
    ("GET", "market/ticker"): _query(lambda rt, q: rt.core.ticker(q)),
    ("GET", "market/tickers"): _query(lambda rt, q: rt.core.tickers(q)),
    ("GET", "market/books"): _query(lambda rt, q: rt.core.books(q)),
    ("GET", "market/candles"): _query(lambda rt, q: rt.core.candles(q)),
    ("GET", "market/history-candles"): _query(lambda rt, q: rt.core.candles(q)),
    # the simulator's mark follows last unless a test sets it apart, so mark candles are the
    # same bars in OKX's mark-candle shape [ts, o, h, l, c, confirm] (limit <= 100)
    ("GET", "market/mark-price-candles"): _query(_mark_candles),
    ("GET", "market/history-mark-price-candles"): _query(_mark_candles),
}

PRIVATE: dict[tuple[str, str], Handler] = {
    ("GET", "asset/currencies"): currencies,
    ("GET", "account/config"): _query(lambda rt, q: rt.core.account_config()),
    ("GET", "account/balance"): _query(lambda rt, q: rt.core.balance(q)),
    ("GET", "account/positions"): _query(lambda rt, q: rt.core.positions(q)),
    ("GET", "account/leverage-info"): _query(lambda rt, q: rt.core.leverage_info(q)),
    ("POST", "account/set-leverage"): _post(lambda rt, b: rt.core.set_leverage(b)),
    ("POST", "account/set-position-mode"): _post(lambda rt, b: rt.core.set_position_mode(b)),
    ("POST", "trade/order"): place,
    ("POST", "trade/batch-orders"): place,
    ("POST", "trade/cancel-order"): cancel,
    ("POST", "trade/cancel-batch-orders"): cancel,
    ("POST", "trade/close-position"): close_position,
    ("POST", "trade/order-algo"): place_algo,
    ("POST", "trade/cancel-algos"): cancel_algos,
    ("POST", "trade/cancel-all-after"): _post(lambda rt, b: rt.core.cancel_all_after(b)),
    ("GET", "trade/order"): _query(lambda rt, q: rt.core.get_order(q)),
    ("GET", "trade/orders-pending"): _query(lambda rt, q: rt.core.pending_orders(q)),
    ("GET", "trade/orders-history"): _query(lambda rt, q: rt.core.order_history(q)),
    ("GET", "trade/fills"): _query(lambda rt, q: rt.core.fills(q)),
    ("GET", "trade/order-algo"): _query(lambda rt, q: rt.core.get_algo(q)),
    ("GET", "trade/orders-algo-pending"): _query(lambda rt, q: rt.core.pending_algos(q)),
    ("GET", "trade/orders-algo-history"): _query(lambda rt, q: rt.core.algo_history(q)),
}

PATHS = {path for _, path in PUBLIC} | {path for _, path in PRIVATE}
