"""Binance's order endpoints on the core: /fapi/v1/order, batchOrders, openOrders, allOrders,
allOpenOrders, userTrades. Conditional types are the Algo Service's (-4120 here)."""

import json
import threading
from decimal import Decimal

from simulator.binance import params as p
from simulator.binance.errors import BinanceError, from_refusal, invalid
from simulator.binance.market import symbol_of
from simulator.binance.views import order_view, trade_view
from simulator.core import dead_man, trading
from simulator.core.errors import Refused
from simulator.core.exchange import ExchangeCore
from simulator.core.instruments import Instrument
from simulator.core.locking import locked
from simulator.core.models import Order
from simulator.core.requests import NewOrder
from simulator.core.state import ExchangeState

CONDITIONAL = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
               "TRAILING_STOP_MARKET")
LIMIT_TIF = {"GTC": "limit", "IOC": "ioc", "FOK": "fok", "GTX": "post_only"}
# Binance forgets canceled/expired orders without fills after 3 days
RETAIN_MS = 3 * 24 * 3600 * 1000
MAX_BATCH = 5
CANCEL_ALL_DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}


class BinanceCore:
    """Shares the ExchangeCore's lock and market catch-up, so @locked works here too."""

    def __init__(self, core: ExchangeCore) -> None:
        self.core = core
        self._lock: threading.RLock = core._lock

    @property
    def state(self) -> ExchangeState:
        return self.core.state

    def _sync(self) -> None:
        self.core._sync()

    def position_side(self, params: p.Params) -> str:
        raw = params.get("positionSide", "")
        if raw and raw not in p.POSITION_SIDES:
            raise invalid("positionSide")
        if self.state.account.pos_mode == "long_short_mode":
            if raw not in ("LONG", "SHORT"):
                raise BinanceError(-4061)
            return raw.lower()
        if raw not in ("", "BOTH"):
            raise BinanceError(-4061)
        return "net"

    def reduce_only(self, params: p.Params) -> bool:
        if "reduceOnly" in params and self.state.account.pos_mode == "long_short_mode":
            raise BinanceError(-1106, "reduceOnly")  # hedge mode: closes are by side
        return p.boolean(params, "reduceOnly")

    def td_mode(self, symbol: str) -> str:
        return self.state.account.margin_modes.get(symbol, "cross")

    def open_client_ids(self) -> set[str]:
        """Open regular and algo client ids: one namespace here (the [U] safe choice)."""
        algo_ids = {a.algo_cl_ord_id for book in self.state.live_algos.values()
                    for a in book.values() if a.algo_cl_ord_id}
        return set(self.state.live_cl_ord) | algo_ids

    def auto_id(self, prefix: str) -> str:
        return f"{prefix}{self.state.new_id('client')}"


class OrderApi(BinanceCore):
    @locked
    def new_order(self, params: p.Params) -> dict[str, object]:
        return self._new_order(params)

    def _new_order(self, params: p.Params) -> dict[str, object]:
        state = self.state
        symbol = symbol_of(state, params)
        inst = state.instruments[symbol]
        side = p.side(params)
        kind = p.required(params, "type")
        if kind in CONDITIONAL:
            raise BinanceError(-4120)
        if kind not in ("LIMIT", "MARKET"):
            raise BinanceError(-1116)
        pos_side = self.position_side(params)
        qty = p.quantity(params, "quantity", inst)
        reduce_only = self.reduce_only(params)
        ord_type, px = self._type_and_price(params, kind, inst)
        if params.get("priceMatch", "NONE") != "NONE":
            raise BinanceError(-1130, "priceMatch", msg="Data sent for parameter 'priceMatch' "
                               "is not valid (not modelled by the simulator).")
        client_id = p.client_id(params, "newClientOrderId")
        if client_id and client_id in self.open_client_ids():
            raise BinanceError(-4116)
        ack = params.get("newOrderRespType", "ACK")
        if ack not in ("ACK", "RESULT"):
            raise invalid("newOrderRespType")
        request = NewOrder(symbol, self.td_mode(symbol), side.lower(), pos_side, ord_type, qty,
                           px, reduce_only, client_id or self.auto_id("sim_auto_"),
                           refuse_taking_post_only=True, refuse_unfillable_fok=True)
        try:
            order = trading.place_order(state, request)
        except Refused as refused:
            raise from_refusal(refused, side) from None
        return order_view(state, order, ack=ack == "ACK")

    @staticmethod
    def _type_and_price(params: p.Params, kind: str, inst: Instrument
                        ) -> tuple[str, Decimal | None]:
        if kind == "MARKET":
            if params.get("price"):
                raise BinanceError(-1106, "price")
            return "market", None
        tif = p.required(params, "timeInForce")
        if tif == "GTD":
            raise BinanceError(-1130, "timeInForce", msg="Data sent for parameter "
                               "'timeInForce' is not valid (GTD is not modelled).")
        if tif not in LIMIT_TIF:
            raise BinanceError(-1115)
        return LIMIT_TIF[tif], p.price(params, "price", inst)

    @locked
    def batch_orders(self, params: p.Params) -> list[dict[str, object]]:
        items = _json_list(params, "batchOrders")
        out: list[dict[str, object]] = []
        for item in items:
            if not isinstance(item, dict):
                raise invalid("batchOrders")
            try:
                out.append(self._new_order({str(k): _text(v) for k, v in item.items()}))
            except BinanceError as refused:
                out.append(refused.body())
        return out

    def _find(self, params: p.Params, symbol: str) -> Order | None:
        order_id, client_id = params.get("orderId", ""), params.get("origClientOrderId", "")
        if not order_id and not client_id:
            raise BinanceError(-1102, "orderId", msg="Either orderId or origClientOrderId "
                               "must be sent.")
        if order_id and not order_id.isdigit():
            raise invalid("orderId")
        return trading.find_order(self.state, symbol, order_id, client_id, RETAIN_MS)

    @locked
    def query_order(self, params: p.Params) -> dict[str, object]:
        order = self._find(params, symbol_of(self.state, params))
        if order is None:
            raise BinanceError(-2013)
        return order_view(self.state, order)

    @locked
    def open_order(self, params: p.Params) -> dict[str, object]:
        order = self._find(params, symbol_of(self.state, params))
        if order is None or not order.is_live:
            raise BinanceError(-2013)
        return order_view(self.state, order)

    @locked
    def cancel_order(self, params: p.Params, race_fill: bool = False) -> dict[str, object]:
        return self._cancel(params, symbol_of(self.state, params), race_fill)

    def _cancel(self, params: p.Params, symbol: str, race_fill: bool = False
                ) -> dict[str, object]:
        try:
            order = trading.cancel_live(self.state, self._find(params, symbol), race_fill)
        except Refused as refused:
            raise from_refusal(refused) from None
        return order_view(self.state, order)

    @locked
    def batch_cancel(self, params: p.Params) -> list[dict[str, object]]:
        symbol = symbol_of(self.state, params)
        ids = params.get("orderIdList", "")
        key, values = ("orderId", _json_list(params, "orderIdList")) if ids else (
            "origClientOrderId", _json_list(params, "origClientOrderIdList"))
        if len(values) > 10:
            raise invalid(key + "List")
        out: list[dict[str, object]] = []
        for value in values:
            try:
                out.append(self._cancel({key: str(value)}, symbol))
            except BinanceError as refused:
                out.append(refused.body())
        return out

    @locked
    def open_orders(self, params: p.Params) -> list[dict[str, object]]:
        symbol = symbol_of(self.state, params) if params.get("symbol") else ""
        books = [self.state.live[symbol]] if symbol else list(self.state.live.values())
        live = sorted((o for book in books for o in book.values()), key=lambda o: int(o.ord_id))
        return [order_view(self.state, o) for o in live]

    @locked
    def cancel_all(self, params: p.Params) -> dict[str, object]:
        symbol = symbol_of(self.state, params)
        for order in list(self.state.live[symbol].values()):
            trading.cancel_live(self.state, order)
        return CANCEL_ALL_DONE

    @locked
    def countdown_cancel_all(self, params: p.Params) -> dict[str, object]:
        """Binance's dead-man switch for one symbol (simulator/core/dead_man.py)."""
        symbol = symbol_of(self.state, params)
        p.required(params, "countdownTime")
        countdown = p.integer(params, "countdownTime", 0, 0, 2**62)
        dead_man.arm(self.state, dead_man.scope_key(inst_id=symbol), countdown)
        return {"symbol": symbol, "countdownTime": str(countdown)}

    @locked
    def all_orders(self, params: p.Params) -> list[dict[str, object]]:
        symbol = symbol_of(self.state, params)
        from_id = p.integer(params, "orderId", 0, 0, 2**62)
        start = p.integer(params, "startTime", 0, 0, 2**62)
        end = p.integer(params, "endTime", 2**62, 0, 2**62)
        limit = p.integer(params, "limit", 500, 1, 1000)
        found = [o for o in self.state.orders.values() if o.inst_id == symbol
                 and int(o.ord_id) >= from_id and start <= o.c_time <= end
                 and trading.find_order(self.state, symbol, o.ord_id, "", RETAIN_MS)]
        found.sort(key=lambda o: int(o.ord_id))
        return [order_view(self.state, o) for o in found[-limit:]]

    @locked
    def user_trades(self, params: p.Params) -> list[dict[str, object]]:
        symbol = symbol_of(self.state, params)
        order_id = params.get("orderId", "")
        from_id = p.integer(params, "fromId", 0, 0, 2**62)
        start = p.integer(params, "startTime", 0, 0, 2**62)
        end = p.integer(params, "endTime", 2**62, 0, 2**62)
        limit = p.integer(params, "limit", 500, 1, 1000)
        found = [f for f in self.state.fills if f.inst_id == symbol
                 and (not order_id or f.ord_id == order_id) and int(f.trade_id) >= from_id
                 and start <= f.ts <= end]
        return [trade_view(self.state, f) for f in found[:limit]]


def _json_list(params: p.Params, name: str) -> list[object]:
    raw = p.required(params, name)
    try:
        value = json.loads(raw)
    except ValueError:
        raise invalid(name) from None
    if not isinstance(value, list) or not value:
        raise invalid(name)
    if name == "batchOrders" and len(value) > MAX_BATCH:
        raise BinanceError(-4082, msg="Invalid number of batch place orders.")
    return value


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
