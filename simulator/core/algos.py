"""Algo orders (conditional / oco TP-SL): placement, triggers, cancel, queries.

A triggered algo places a market (ordPx -1) or limit child order, reduce-only when the algo is
(closeFraction 1 closes whatever position is then open), and moves live -> effective; if the
child is refused the algo becomes order_failed with the child's code as failCode.
"""

import functools
from decimal import Decimal

from simulator.core import params as p
from simulator.core.errors import ApiError, ItemError
from simulator.core.instruments import Instrument
from simulator.core.models import AlgoOrder
from simulator.core.numbers import parse_bool
from simulator.core.state import ExchangeState
from simulator.core.trading import place_order
from simulator.core.views import algo_view

ALGO_TYPES = ("conditional", "oco")
TRIGGER_TYPES = ("last", "index", "mark")
# (leg, side, ref type) -> the code OKX gives a trigger on the wrong side of that price
WRONG_SIDE = {
    ("tp", "buy", "last"): "51277", ("sl", "buy", "last"): "51278",
    ("tp", "sell", "last"): "51279", ("sl", "sell", "last"): "51280",
    ("tp", "buy", "mark"): "51300", ("sl", "buy", "mark"): "51302",
    ("tp", "sell", "mark"): "51303", ("sl", "sell", "mark"): "51304",
    ("tp", "buy", "index"): "51305", ("sl", "buy", "index"): "51306",
    ("tp", "sell", "index"): "51307", ("sl", "sell", "index"): "51308",
}
HISTORY_STATES = ("effective", "canceled", "order_failed")


def place_algo(state: ExchangeState, params: p.Params, visibility_delay_ms: int = 0) -> AlgoOrder:
    now = state.now()
    inst_id = p.required(params, "instId")
    td_mode = p.one_of(params, "tdMode", ("cross", "isolated"))
    side = p.one_of(params, "side", ("buy", "sell"))
    ord_type = p.one_of(params, "ordType", ALGO_TYPES)
    inst = p.instrument(state, inst_id)
    p.account_mode(state, td_mode)
    p.unsupported(params, "attachAlgoOrds")
    pos_side = p.pos_side(state, params)
    size, close_fraction = _size(params, inst)
    reduce_only = parse_bool(params.get("reduceOnly", False), "reduceOnly")
    if close_fraction and pos_side == "net" and not reduce_only:
        raise ItemError("51328")
    # OKX copies a clOrdId sent to order-algo into algoClOrdId (ccxt sends clOrdId)
    algo_cl = p.client_id(params, "algoClOrdId") or p.client_id(params, "clOrdId")
    if algo_cl and _live_algo(state, state.latest_algo_cl.get(algo_cl, "")):
        raise ItemError("51065")
    if close_fraction and _has_close_all(state, inst_id, td_mode, pos_side):
        raise ItemError("51088")
    algo = AlgoOrder(state.new_id("algo"), algo_cl, p.tag(params), inst_id, td_mode, side,
                     pos_side, ord_type, size, close_fraction, reduce_only or bool(close_fraction),
                     state.account.lever(inst_id, td_mode, pos_side), now,
                     now + max(visibility_delay_ms, 0))
    _legs(state, algo, params)
    state.algos[algo.algo_id] = algo
    state.live_algos[inst_id][algo.algo_id] = algo
    if algo_cl:
        state.latest_algo_cl[algo_cl] = algo.algo_id
    _announce_or_defer(state, algo, now)
    return algo


def _size(params: p.Params, inst: Instrument) -> tuple[Decimal | None, str]:
    raw_sz, fraction = p.text(params, "sz"), p.text(params, "closeFraction")
    if raw_sz and fraction:
        raise ApiError("50024", "sz", "closeFraction")
    if not raw_sz and not fraction:
        raise ApiError("50015", "sz", "closeFraction")
    if fraction:
        if fraction != "1":
            raise ItemError.param("closeFraction")
        return None, "1"
    return p.size(params, "sz", inst), ""


def _legs(state: ExchangeState, algo: AlgoOrder, params: p.Params) -> None:
    inst = state.instruments[algo.inst_id]
    for leg in ("sl", "tp"):
        raw = p.text(params, f"{leg}TriggerPx")
        if not raw:
            continue
        trigger = p.price(raw, f"{leg}TriggerPx", inst)
        ord_raw = p.required(params, f"{leg}OrdPx")
        ord_px = None if ord_raw == "-1" else p.price(ord_raw, f"{leg}OrdPx", inst)
        kind = p.text(params, f"{leg}TriggerPxType") or "last"
        if kind not in TRIGGER_TYPES:
            raise ItemError.param(f"{leg}TriggerPxType")
        if _crossed(state, algo, leg, trigger, kind):
            raise ItemError(WRONG_SIDE[(leg, algo.side, kind)])
        setattr(algo, f"{leg}_trigger_px", trigger)
        setattr(algo, f"{leg}_ord_px", ord_px)
        setattr(algo, f"{leg}_trigger_px_type", kind)
    has_sl, has_tp = algo.sl_trigger_px is not None, algo.tp_trigger_px is not None
    if algo.ord_type == "oco" and not (has_sl and has_tp):
        raise ApiError.missing("tpTriggerPx" if has_sl else "slTriggerPx")
    if not (has_sl or has_tp):
        raise ApiError("50015", "tpTriggerPx", "slTriggerPx")


def _crossed(state: ExchangeState, algo: AlgoOrder, leg: str, trigger: Decimal,
             kind: str) -> bool:
    """Has the reference price reached the trigger? (A stop at the price is already hit.)"""
    price: Decimal = getattr(state.quotes[algo.inst_id], kind)
    falls = (leg == "sl") == (algo.side == "sell")  # sell SL / buy TP fire on a fall
    return price <= trigger if falls else price >= trigger


def _live_algo(state: ExchangeState, algo_id: str) -> bool:
    algo = state.algos.get(algo_id)
    return algo is not None and algo.state == "live"


def _has_close_all(state: ExchangeState, inst_id: str, td_mode: str, pos_side: str) -> bool:
    return any(a.close_fraction and a.td_mode == td_mode and a.pos_side == pos_side
               for a in state.live_algos[inst_id].values())


def _announce_or_defer(state: ExchangeState, algo: AlgoOrder, now: int) -> None:
    if algo.visible(now):
        algo.announced = True
        state.emit("orders-algo", algo.inst_id, lambda: algo_view(algo, state))
    else:
        state.unannounced.append(algo)


def announce_due(state: ExchangeState, now: int) -> None:
    """Push algos whose visibility delay has passed (the first push they get)."""
    due = [a for a in state.unannounced if a.visible(now)]
    if due:
        state.unannounced = [a for a in state.unannounced if not a.visible(now)]
        for algo in due:
            algo.announced = True
            state.emit("orders-algo", algo.inst_id, functools.partial(algo_view, algo, state))


def check_triggers(state: ExchangeState, inst_id: str, now: int) -> None:
    for algo in list(state.live_algos[inst_id].values()):
        for leg in ("sl", "tp"):
            trigger = getattr(algo, f"{leg}_trigger_px")
            kind = getattr(algo, f"{leg}_trigger_px_type")
            if trigger is not None and _crossed(state, algo, leg, trigger, kind):
                _trigger(state, algo, leg, now)
                break


def _trigger(state: ExchangeState, algo: AlgoOrder, leg: str, now: int) -> None:
    del state.live_algos[algo.inst_id][algo.algo_id]
    algo.trigger_time = now
    algo.u_time = now
    algo.actual_side = leg
    ord_px = getattr(algo, f"{leg}_ord_px")
    size = algo.sz if algo.sz is not None else _position_size(state, algo)
    child: dict[str, object] = {"instId": algo.inst_id, "tdMode": algo.td_mode, "side": algo.side,
                       "ordType": "market" if ord_px is None else "limit",
                       "sz": str(size), "reduceOnly": algo.reduce_only and algo.pos_side == "net"}
    if ord_px is not None:
        child["px"] = str(ord_px)
    if algo.pos_side != "net":
        child["posSide"] = algo.pos_side
    try:
        order = place_order(state, child, algo_link=(algo.algo_id, algo.algo_cl_ord_id, "7"))
    except (ItemError, ApiError) as refused:
        algo.state, algo.fail_code = "order_failed", refused.code
    else:
        algo.state, algo.ord_id = "effective", order.ord_id
        algo.actual_sz, algo.actual_px = size, ord_px
    if algo.visible(now):  # a still-hidden algo is announced, in its final state, when due
        state.emit("orders-algo", algo.inst_id, lambda: algo_view(algo, state))


def _position_size(state: ExchangeState, algo: AlgoOrder) -> Decimal:
    position = state.account.position((algo.inst_id, algo.td_mode, algo.pos_side))
    if position is None or position.direction != (1 if algo.side == "sell" else -1):
        return Decimal(0)
    return abs(position.pos)


def cancel_algo(state: ExchangeState, params: p.Params) -> AlgoOrder:
    p.required(params, "instId")
    algo_id = p.text(params, "algoId")
    if not algo_id:
        algo_id = state.latest_algo_cl.get(p.text(params, "algoClOrdId"), "")
    algo = state.algos.get(algo_id)
    if algo is None or algo.inst_id != params.get("instId") or algo.state in (
            "canceled", "order_failed"):
        raise ItemError("51400")
    if algo.state != "live":
        raise ItemError("51412")
    now = state.now()
    del state.live_algos[algo.inst_id][algo.algo_id]
    algo.state, algo.u_time = "canceled", now
    if algo.visible(now):
        state.emit("orders-algo", algo.inst_id, lambda: algo_view(algo, state))
    return algo


def get_algo(state: ExchangeState, params: p.Params) -> AlgoOrder:
    algo_id, algo_cl = p.text(params, "algoId"), p.text(params, "algoClOrdId")
    if not algo_id and not algo_cl:
        raise ApiError("50015", "algoId", "algoClOrdId")
    algo = state.algos.get(algo_id or state.latest_algo_cl.get(algo_cl, ""))
    if algo is None or not algo.visible(state.now()):
        raise ApiError("51603")
    return algo


def pending_algos(state: ExchangeState, params: p.Params) -> list[AlgoOrder]:
    types = _types(params)
    inst_id, algo_id = p.text(params, "instId"), p.text(params, "algoId")
    now = state.now()
    books = [state.live_algos.get(inst_id, {})] if inst_id else list(state.live_algos.values())
    found = [a for book in books for a in book.values() if a.ord_type in types
             and a.visible(now) and (not algo_id or a.algo_id == algo_id)]
    return _page(found, params)


def algo_history(state: ExchangeState, params: p.Params) -> list[AlgoOrder]:
    types = _types(params)
    wanted, algo_id = p.text(params, "state"), p.text(params, "algoId")
    if not wanted and not algo_id:
        raise ApiError("50015", "state", "algoId")
    if wanted and wanted not in HISTORY_STATES:
        raise ApiError("51000", "state")
    inst_id, now = p.text(params, "instId"), state.now()
    found = [a for a in state.algos.values() if a.state != "live" and a.ord_type in types
             and a.visible(now) and (not wanted or a.state == wanted)
             and (not algo_id or a.algo_id == algo_id) and (not inst_id or a.inst_id == inst_id)]
    return _page(found, params)


def _types(params: p.Params) -> list[str]:
    types = p.required(params, "ordType").split(",")
    known = (*ALGO_TYPES, "trigger", "move_order_stop", "twap", "iceberg", "chase")
    if any(t not in known for t in types):
        raise ApiError("51000", "ordType")
    return types


def _page(algos: list[AlgoOrder], params: p.Params) -> list[AlgoOrder]:
    after, before = p.text(params, "after"), p.text(params, "before")
    ordered = sorted(algos, key=lambda a: int(a.algo_id), reverse=True)
    if after:
        ordered = [a for a in ordered if int(a.algo_id) < int(after)]
    if before:
        ordered = [a for a in ordered if int(a.algo_id) > int(before)]
    return ordered[: p.limit(params)]
