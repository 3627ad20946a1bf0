"""OKX's algo-order parameters (order-algo, cancel-algos, order-algo / pending / history
queries) read into core calls. Missing -> 50014/50015, malformed -> 51000, as OKX answers."""

from decimal import Decimal

from simulator.core import params as p
from simulator.core.algos import TRIGGER_TYPES, cancel_live_algo, find_algo
from simulator.core.errors import ApiError, ItemError
from simulator.core.models import AlgoOrder
from simulator.core.numbers import parse_bool
from simulator.core.requests import AlgoLeg, NewAlgo
from simulator.core.state import ExchangeState

ALGO_TYPES = ("conditional", "oco")
HISTORY_STATES = ("effective", "canceled", "order_failed")
KNOWN_TYPES = (*ALGO_TYPES, "trigger", "move_order_stop", "twap", "iceberg", "chase")


def parse_algo(state: ExchangeState, params: p.Params) -> NewAlgo:
    inst_id = p.required(params, "instId")
    td_mode = p.one_of(params, "tdMode", ("cross", "isolated"))
    side = p.one_of(params, "side", ("buy", "sell"))
    ord_type = p.one_of(params, "ordType", ALGO_TYPES)
    if inst_id not in state.instruments:
        raise ItemError("51001")
    p.unsupported(params, "attachAlgoOrds")
    pos_side = p.pos_side(state, params)
    size, close_fraction = _size(params)
    reduce_only = parse_bool(params.get("reduceOnly", False), "reduceOnly")
    # OKX copies a clOrdId sent to order-algo into algoClOrdId (ccxt sends clOrdId)
    client_id = p.client_id(params, "algoClOrdId") or p.client_id(params, "clOrdId")
    legs = _legs(params)
    if ord_type == "oco" and len(legs) < 2:
        raise ApiError.missing("tpTriggerPx" if legs[0].leg == "sl" else "slTriggerPx")
    return NewAlgo(inst_id, td_mode, side, pos_side, ord_type, legs, size, close_fraction,
                   reduce_only, client_id, p.tag(params))


def _size(params: p.Params) -> tuple[Decimal | None, str]:
    raw_sz, fraction = p.text(params, "sz"), p.text(params, "closeFraction")
    if raw_sz and fraction:
        raise ApiError("50024", "sz", "closeFraction")
    if not raw_sz and not fraction:
        raise ApiError("50015", "sz", "closeFraction")
    if fraction:
        if fraction != "1":
            raise ItemError.param("closeFraction")
        return None, "1"
    return p.positive(params, "sz"), ""


def _legs(params: p.Params) -> tuple[AlgoLeg, ...]:
    legs = []
    for leg in ("sl", "tp"):
        raw = p.text(params, f"{leg}TriggerPx")
        if not raw:
            continue
        trigger = p.price(raw, f"{leg}TriggerPx")
        ord_raw = p.required(params, f"{leg}OrdPx")
        ord_px = None if ord_raw == "-1" else p.price(ord_raw, f"{leg}OrdPx")
        kind = p.text(params, f"{leg}TriggerPxType") or "last"
        if kind not in TRIGGER_TYPES:
            raise ItemError.param(f"{leg}TriggerPxType")
        legs.append(AlgoLeg(leg, trigger, ord_px, kind))
    if not legs:
        raise ApiError("50015", "tpTriggerPx", "slTriggerPx")
    return tuple(legs)


def cancel_algo(state: ExchangeState, params: p.Params) -> AlgoOrder:
    inst_id = p.required(params, "instId")
    algo_id = p.text(params, "algoId") or state.latest_algo_cl.get(
        p.text(params, "algoClOrdId"), "")
    algo = state.algos.get(algo_id)
    return cancel_live_algo(state, algo if algo is not None and algo.inst_id == inst_id
                            else None)


def get_algo(state: ExchangeState, params: p.Params) -> AlgoOrder:
    algo_id, algo_cl = p.text(params, "algoId"), p.text(params, "algoClOrdId")
    if not algo_id and not algo_cl:
        raise ApiError("50015", "algoId", "algoClOrdId")
    algo = find_algo(state, algo_id, algo_cl)
    if algo is None:
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
    if any(t not in KNOWN_TYPES for t in types):
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
