"""Trade calls of the core (orders, algo orders), as OKX `data` lists with per-item sCode."""

from collections.abc import Sequence

from simulator.core import algos, amend, dead_man, okx_algos, trading
from simulator.core import params as p
from simulator.core.errors import ApiError, ItemError, Refused, okx_item_error
from simulator.core.locking import locked
from simulator.core.state import ExchangeState
from simulator.core.views import algo_view, fill_view, order_view

Data = list[dict[str, object]]
PLACE_REQUIRED = ("instId", "tdMode", "side", "ordType", "sz")
MAX_BATCH = 20
MAX_ALGO_CANCEL = 10


def _failed(item: dict[str, object], error: ItemError | ApiError | Refused
            ) -> dict[str, object]:
    if isinstance(error, Refused):
        error = okx_item_error(error)
    item.update({"sCode": error.code, "sMsg": error.msg})
    return item


class TradeApi:
    state: ExchangeState

    @locked
    def place_orders(self, items: Sequence[p.Params], exp_time: int | None = None) -> Data:
        """One result per item, in order; an item that is refused does not stop the others."""
        if len(items) > MAX_BATCH:
            raise ApiError("51111", MAX_BATCH)
        for item in items:  # a missing mandatory field fails the whole request, as OKX does
            for name in PLACE_REQUIRED:
                p.required(item, name)
        return [self._place_one(item, exp_time) for item in items]

    def _place_one(self, item: p.Params, exp_time: int | None) -> dict[str, object]:
        now = str(self.state.now())
        result: dict[str, object] = {"ordId": "", "clOrdId": _str(item.get("clOrdId")),
                                     "tag": _str(item.get("tag")), "ts": now}
        try:
            order = trading.place_order(self.state, p.parse_order(self.state, item), exp_time)
        except (ItemError, ApiError, Refused) as refused:
            return _failed(result, refused)
        result.update({"ordId": order.ord_id, "sCode": "0", "sMsg": "Order placed"})
        return result

    @locked
    def cancel_orders(self, items: Sequence[p.Params], race_fill: bool = False) -> Data:
        if len(items) > MAX_BATCH:
            raise ApiError("51111", MAX_BATCH)
        results: Data = []
        for item in items:
            result: dict[str, object] = {"ordId": _str(item.get("ordId")),
                                         "clOrdId": _str(item.get("clOrdId")),
                                         "ts": str(self.state.now())}
            try:
                order = trading.cancel_order(self.state, item, race_fill)
            except (ItemError, ApiError, Refused) as refused:
                results.append(_failed(result, refused))
                continue
            result.update({"ordId": order.ord_id, "clOrdId": order.cl_ord_id, "sCode": "0",
                           "sMsg": ""})
            results.append(result)
        return results

    @locked
    def amend_orders(self, items: Sequence[p.Params]) -> Data:
        """OKX amend-order / batch-amend-orders: one result per item, with reqId echoed."""
        if len(items) > MAX_BATCH:
            raise ApiError("51111", MAX_BATCH)
        results: Data = []
        for item in items:
            result: dict[str, object] = {"ordId": _str(item.get("ordId")),
                                         "clOrdId": _str(item.get("clOrdId")),
                                         "reqId": _str(item.get("reqId")),
                                         "ts": str(self.state.now())}
            try:
                order = amend.amend_order(self.state, item)
            except (ItemError, Refused) as refused:
                results.append(_failed(result, refused))
                continue
            result.update({"ordId": order.ord_id, "clOrdId": order.cl_ord_id, "sCode": "0",
                           "sMsg": ""})
            results.append(result)
        return results

    @locked
    def cancel_all_after(self, params: p.Params) -> Data:
        """OKX's dead-man switch (simulator/core/dead_man.py); times in seconds, as documented."""
        raw = p.required(params, "timeOut")
        if not raw.isdigit() or not (int(raw) == 0 or 10 <= int(raw) <= 120):
            raise ApiError("51000", "timeOut")
        tag = p.text(params, "tag")
        if tag and not p.TAG.fullmatch(tag):
            raise ApiError("51000", "tag")
        deadline = dead_man.arm(self.state, dead_man.scope_key(tag=tag), int(raw) * 1000)
        return [{"triggerTime": str(deadline // 1000), "tag": tag,
                 "ts": str(self.state.now() // 1000)}]

    @locked
    def get_order(self, params: p.Params) -> Data:
        return [order_view(trading.get_order(self.state, params))]

    @locked
    def pending_orders(self, params: p.Params) -> Data:
        return [order_view(o) for o in trading.pending(self.state, params)]

    @locked
    def order_history(self, params: p.Params) -> Data:
        return [order_view(o) for o in trading.history(self.state, params)]

    @locked
    def fills(self, params: p.Params) -> Data:
        return [fill_view(f) for f in trading.fills(self.state, params)]

    @locked
    def close_position(self, params: p.Params) -> Data:
        try:
            order = trading.close_position(self.state, params)
        except (ItemError, Refused) as refused:
            error = okx_item_error(refused) if isinstance(refused, Refused) else refused
            raise ApiError(error.code, msg=error.msg) from None
        return [{"instId": order.inst_id, "posSide": _str(params.get("posSide")) or "net",
                 "clOrdId": order.cl_ord_id, "tag": order.tag}]

    @locked
    def place_algo(self, params: p.Params, visibility_delay_ms: int = 0) -> Data:
        client_id = _str(params.get("algoClOrdId")) or _str(params.get("clOrdId"))
        result: dict[str, object] = {"algoId": "", "clOrdId": client_id,
                                     "algoClOrdId": client_id, "tag": _str(params.get("tag"))}
        for name in ("instId", "tdMode", "side", "ordType"):
            p.required(params, name)
        try:
            request = okx_algos.parse_algo(self.state, params)
            algo = algos.place_algo(self.state, request, visibility_delay_ms)
        except (ItemError, Refused) as refused:
            return [_failed(result, refused)]
        result.update({"algoId": algo.algo_id, "sCode": "0", "sMsg": ""})
        return [result]

    @locked
    def cancel_algos(self, items: Sequence[p.Params]) -> Data:
        if len(items) > MAX_ALGO_CANCEL:
            raise ApiError("50025", "algoId", MAX_ALGO_CANCEL)
        results: Data = []
        for item in items:
            client_id = _str(item.get("algoClOrdId"))
            result: dict[str, object] = {"algoClOrdId": client_id,
                                         "algoId": _str(item.get("algoId")),
                                         "clOrdId": client_id, "tag": ""}
            try:
                algo = okx_algos.cancel_algo(self.state, item)
            except (ItemError, ApiError, Refused) as refused:
                results.append(_failed(result, refused))
                continue
            result.update({"algoId": algo.algo_id, "algoClOrdId": algo.algo_cl_ord_id,
                           "clOrdId": algo.algo_cl_ord_id, "tag": algo.tag, "sCode": "0",
                           "sMsg": ""})
            results.append(result)
        return results

    @locked
    def get_algo(self, params: p.Params) -> Data:
        return [algo_view(okx_algos.get_algo(self.state, params), self.state)]

    @locked
    def pending_algos(self, params: p.Params) -> Data:
        return [algo_view(a, self.state) for a in okx_algos.pending_algos(self.state, params)]

    @locked
    def algo_history(self, params: p.Params) -> Data:
        return [algo_view(a, self.state) for a in okx_algos.algo_history(self.state, params)]


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
