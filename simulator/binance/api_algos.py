"""Binance's Algo Service on the core: POST/GET/DELETE /fapi/v1/algoOrder, openAlgoOrders,
algoOpenOrders, allAlgoOrders. Conditional orders only (STOP[_MARKET], TAKE_PROFIT[_MARKET]);
trailing stops are refused as not modelled."""

from decimal import Decimal

from simulator.binance import params as p
from simulator.binance.api_orders import RETAIN_MS, OrderApi
from simulator.binance.errors import BinanceError, from_refusal, invalid
from simulator.binance.market import symbol_of
from simulator.binance.views import algo_view
from simulator.core import algos
from simulator.core.errors import Refused
from simulator.core.instruments import Instrument
from simulator.core.locking import locked
from simulator.core.models import AlgoOrder
from simulator.core.requests import AlgoLeg, NewAlgo

ALGO_TYPES = {"STOP_MARKET": ("sl", False), "STOP": ("sl", True),
              "TAKE_PROFIT_MARKET": ("tp", False), "TAKE_PROFIT": ("tp", True)}
WORKING_TYPES = {"MARK_PRICE": "mark", "CONTRACT_PRICE": "last"}
CANCEL_ALL_DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}


class AlgoApi(OrderApi):
    @locked
    def new_algo(self, params: p.Params, visibility_delay_ms: int = 0) -> dict[str, object]:
        request = self._algo_request(params)
        try:
            algo = algos.place_algo(self.state, request, visibility_delay_ms)
        except Refused as refused:
            raise from_refusal(refused, p.side(params)) from None
        return algo_view(self.state, algo, query=False)

    def _algo_request(self, params: p.Params) -> NewAlgo:
        if p.required(params, "algoType") != "CONDITIONAL":
            raise invalid("algoType")
        symbol = symbol_of(self.state, params)
        inst = self.state.instruments[symbol]
        side = p.side(params)
        kind = p.required(params, "type")
        if kind == "TRAILING_STOP_MARKET":
            raise BinanceError(-1116, msg="Invalid orderType (TRAILING_STOP_MARKET is not "
                               "modelled by the simulator).")
        if kind not in ALGO_TYPES:
            raise BinanceError(-1116)
        pos_side = self.position_side(params)
        close_position = p.boolean(params, "closePosition")
        qty, reduce_only = self._size(params, inst, kind, close_position)
        if close_position:
            self._check_closable(symbol, side, pos_side)
        legs = (self._leg(params, inst, kind),)
        client_id = p.client_id(params, "clientAlgoId")
        if client_id and client_id in self.open_client_ids():
            raise BinanceError(-4116)
        if params.get("newOrderRespType", "ACK") not in ("ACK", "RESULT"):
            raise invalid("newOrderRespType")
        tif = params.get("timeInForce", "GTC")
        if tif not in ("GTC", "IOC", "FOK", "GTX"):
            raise BinanceError(-1115)
        return NewAlgo(symbol, self.td_mode(symbol), side.lower(), pos_side, "conditional",
                       legs, qty, "1" if close_position else "", reduce_only,
                       client_id or self.auto_id("sim_algo_"), expire_on_flat=close_position,
                       tif="GTE_GTC" if close_position else tif,
                       price_protect=p.boolean(params, "priceProtect"))

    def _size(self, params: p.Params, inst: Instrument, kind: str,
              close_position: bool) -> tuple[Decimal | None, bool]:
        if close_position:
            if kind not in ("STOP_MARKET", "TAKE_PROFIT_MARKET"):
                raise BinanceError(-4136, kind, "true")
            if params.get("quantity"):
                raise BinanceError(-4137)
            if p.boolean(params, "reduceOnly"):
                raise BinanceError(-4138)
            return None, True  # the core's child closes (reduce-only); the view hides it
        return p.quantity(params, "quantity", inst), self.reduce_only(params)

    def _check_closable(self, symbol: str, side: str, pos_side: str) -> None:
        """[U] A close-position stop needs a position it can close: refused while flat."""
        if pos_side != "net" and (side, pos_side) in (("BUY", "long"), ("SELL", "short")):
            raise BinanceError(-4061)
        mode = self.td_mode(symbol)
        position = self.state.account.position((symbol, mode, pos_side))
        wanted = 1 if side == "SELL" else -1
        if position is None or position.direction != wanted:
            raise BinanceError(-2022)

    @staticmethod
    def _leg(params: p.Params, inst: Instrument, kind: str) -> AlgoLeg:
        leg, limit = ALGO_TYPES[kind]
        trigger = p.price(params, "triggerPrice", inst)
        assert trigger is not None
        if limit:
            price = p.price(params, "price", inst)
        elif params.get("price"):
            raise BinanceError(-1106, "price")
        else:
            price = None
        working = params.get("workingType", "CONTRACT_PRICE")
        if working not in WORKING_TYPES:
            raise BinanceError(-4031, msg="Invalid workingType.")
        return AlgoLeg(leg, trigger, price, WORKING_TYPES[working])

    def _find_algo(self, params: p.Params, *, hidden: bool = False) -> AlgoOrder | None:
        """The algo by algoId, else the latest with clientAlgoId. hidden: one the account's
        queries do not show yet (a visibility-delay fault) is found too."""
        algo_id, client_id = params.get("algoId", ""), params.get("clientAlgoId", "")
        if not algo_id and not client_id:
            raise BinanceError(-1102, "algoId", msg="Either algoId or clientAlgoId must be "
                               "sent.")
        if algo_id and not algo_id.isdigit():
            raise invalid("algoId")
        if hidden:
            algo = self.state.algos.get(algo_id or self.state.latest_algo_cl.get(client_id, ""))
        else:
            algo = algos.find_algo(self.state, algo_id, client_id)
        if algo is not None and self._forgotten(algo):
            return None
        return algo

    def _forgotten(self, algo: AlgoOrder) -> bool:
        unfilled = algo.state in ("canceled", "order_failed") and not algo.ord_id
        return unfilled and self.state.now() - (algo.u_time or algo.c_time) > RETAIN_MS

    @locked
    def query_algo(self, params: p.Params) -> dict[str, object]:
        algo = self._find_algo(params)
        if algo is None:
            raise BinanceError(-2013)
        return algo_view(self.state, algo)

    @locked
    def cancel_algo(self, params: p.Params) -> dict[str, object]:
        # DELETE /fapi/v1/algoOrder takes algoId or clientAlgoId and cancels the order the Algo
        # Service holds; the visibility delay is a lag of the read side (queries, lists, the
        # push), so the cancel reaches an accepted algo the queries do not show yet, as
        # OKX's cancel-algos does (simulator/README.md)
        try:
            algo = algos.cancel_live_algo(self.state, self._find_algo(params, hidden=True))
        except Refused as refused:
            raise from_refusal(refused) from None
        return {"algoId": int(algo.algo_id), "clientAlgoId": algo.algo_cl_ord_id,
                "code": "200", "msg": "success"}

    @locked
    def open_algos(self, params: p.Params) -> list[dict[str, object]]:
        if params.get("algoType", "CONDITIONAL") != "CONDITIONAL":
            raise invalid("algoType")
        symbol = symbol_of(self.state, params) if params.get("symbol") else ""
        algo_id = params.get("algoId", "")
        now = self.state.now()
        books = [self.state.live_algos[symbol]] if symbol else list(
            self.state.live_algos.values())
        found = sorted((a for book in books for a in book.values() if a.visible(now)
                        and (not algo_id or a.algo_id == algo_id)),
                       key=lambda a: int(a.algo_id))
        return [algo_view(self.state, a) for a in found]

    @locked
    def cancel_all_algos(self, params: p.Params) -> dict[str, object]:
        symbol = symbol_of(self.state, params)
        for algo in list(self.state.live_algos[symbol].values()):
            algos.cancel_live_algo(self.state, algo)
        return CANCEL_ALL_DONE

    @locked
    def all_algos(self, params: p.Params) -> list[dict[str, object]]:
        symbol = symbol_of(self.state, params)
        from_id = p.integer(params, "algoId", 0, 0, 2**62)
        start = p.integer(params, "startTime", 0, 0, 2**62)
        end = p.integer(params, "endTime", 2**62, 0, 2**62)
        limit = p.integer(params, "limit", 500, 1, 1000)
        now = self.state.now()
        found = sorted((a for a in self.state.algos.values() if a.inst_id == symbol
                        and a.visible(now) and int(a.algo_id) >= from_id
                        and start <= a.c_time <= end and not self._forgotten(a)),
                       key=lambda a: int(a.algo_id))
        return [algo_view(self.state, a) for a in found[:limit]]
