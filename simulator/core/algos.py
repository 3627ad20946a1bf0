"""Algo orders (conditional stops and take-profits, OKX oco): placement, triggers, cancel.

A triggered algo places a market (no ord_px) or limit child order, reduce-only when the algo
is (closeFraction 1 closes whatever position is then open), and moves live -> effective; if
the child is refused the algo becomes order_failed with the child's refusal as its reason.
Every change is emitted on "orders-algo"; "algo-triggering" (before the child exists) and
"algo-child-done" (the child reached a final state) are emitted for faces that report those
steps (Binance's TRIGGERING and FINISHED).
"""

import functools
from decimal import Decimal

from simulator.core.errors import Refused
from simulator.core.models import AlgoOrder, Order
from simulator.core.requests import AlgoLeg, NewAlgo, NewOrder
from simulator.core.state import ExchangeState
from simulator.core.trading import account_mode, check_price, check_size, place_order, tradable

TRIGGER_TYPES = ("last", "index", "mark")


def place_algo(state: ExchangeState, req: NewAlgo, visibility_delay_ms: int = 0) -> AlgoOrder:
    now = state.now()
    inst = tradable(state, req.inst_id)
    account_mode(state, req.td_mode)
    if req.sz is not None:
        check_size(inst, req.sz, market=True)
    if req.close_fraction and req.pos_side == "net" and not req.reduce_only:
        raise Refused("close_fraction_needs_reduce_only")
    if req.algo_cl_ord_id and _live_algo(state, state.latest_algo_cl.get(req.algo_cl_ord_id,
                                                                         "")):
        raise Refused("duplicate_algo_client_id")
    if req.close_fraction and _has_close_all(state, req.inst_id, req.td_mode, req.pos_side):
        raise Refused("close_all_exists")
    for leg in req.legs:
        check_price(inst, leg.trigger)
        if leg.ord_px is not None:
            check_price(inst, leg.ord_px)
        if _crossed(state, req.inst_id, req.side, leg.leg, leg.trigger, leg.kind):
            raise Refused("would_trigger", leg.leg, req.side, leg.kind)
    if inst.max_algos and len(state.live_algos[req.inst_id]) >= inst.max_algos:
        raise Refused("too_many_algos")
    algo = AlgoOrder(state.new_id("algo"), req.algo_cl_ord_id, req.tag, req.inst_id,
                     req.td_mode, req.side, req.pos_side, req.ord_type, req.sz,
                     req.close_fraction, req.reduce_only or bool(req.close_fraction),
                     state.account.lever(req.inst_id, req.td_mode, req.pos_side), now,
                     now + max(visibility_delay_ms, 0), expire_on_flat=req.expire_on_flat,
                     tif=req.tif, price_protect=req.price_protect)
    for leg in req.legs:
        _set_leg(algo, leg)
    state.algos[algo.algo_id] = algo
    state.live_algos[req.inst_id][algo.algo_id] = algo
    if algo.algo_cl_ord_id:
        state.latest_algo_cl[algo.algo_cl_ord_id] = algo.algo_id
    _announce_or_defer(state, algo, now)
    return algo


def _set_leg(algo: AlgoOrder, leg: AlgoLeg) -> None:
    setattr(algo, f"{leg.leg}_trigger_px", leg.trigger)
    setattr(algo, f"{leg.leg}_ord_px", leg.ord_px)
    setattr(algo, f"{leg.leg}_trigger_px_type", leg.kind)


def _crossed(state: ExchangeState, inst_id: str, side: str, leg: str, trigger: Decimal,
             kind: str) -> bool:
    """Has the reference price reached the trigger? (A stop at the price is already hit.)"""
    price: Decimal = getattr(state.quotes[inst_id], kind)
    falls = (leg == "sl") == (side == "sell")  # sell SL / buy TP fire on a fall
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
        state.emit("orders-algo", algo.inst_id, algo)
    else:
        state.unannounced.append(algo)


def announce_due(state: ExchangeState, now: int) -> None:
    """Push algos whose visibility delay has passed (the first push they get)."""
    due = [a for a in state.unannounced if a.visible(now)]
    if due:
        state.unannounced = [a for a in state.unannounced if not a.visible(now)]
        for algo in due:
            algo.announced = True
            state.emit("orders-algo", algo.inst_id, algo)


def check_triggers(state: ExchangeState, inst_id: str, now: int) -> None:
    for algo in list(state.live_algos[inst_id].values()):
        for leg in ("sl", "tp"):
            trigger = getattr(algo, f"{leg}_trigger_px")
            kind = getattr(algo, f"{leg}_trigger_px_type")
            if trigger is not None and _crossed(state, inst_id, algo.side, leg, trigger, kind):
                _trigger(state, algo, leg, now)
                break


def _trigger(state: ExchangeState, algo: AlgoOrder, leg: str, now: int) -> None:
    del state.live_algos[algo.inst_id][algo.algo_id]
    algo.trigger_time = now
    algo.u_time = now
    algo.actual_side = leg
    visible = algo.visible(now)  # a still-hidden algo is announced, in its final state, when due
    if visible:
        state.emit("algo-triggering", algo.inst_id, algo)
    ord_px: Decimal | None = getattr(algo, f"{leg}_ord_px")
    size = algo.sz if algo.sz is not None else _position_size(state, algo)
    child = NewOrder(algo.inst_id, algo.td_mode, algo.side, algo.pos_side,
                     "market" if ord_px is None else "limit", size, ord_px,
                     reduce_only=algo.reduce_only and algo.pos_side == "net")
    on_accepted = functools.partial(_child_accepted, state, algo, size, ord_px, visible)
    try:
        place_order(state, child, algo_link=(algo.algo_id, algo.algo_cl_ord_id, "7"),
                    on_accepted=on_accepted)
    except Refused as refused:
        algo.state, algo.fail_reason = "order_failed", refused.reason
        if visible:
            state.emit("orders-algo", algo.inst_id, algo)


def _child_accepted(state: ExchangeState, algo: AlgoOrder, size: Decimal,
                    ord_px: Decimal | None, visible: bool, order: Order) -> None:
    """The child is in the book and not yet matched: the algo is effective (TRIGGERED)."""
    algo.state, algo.ord_id = "effective", order.ord_id
    algo.actual_sz, algo.actual_px = size, ord_px
    if visible:
        state.emit("orders-algo", algo.inst_id, algo)


def _position_size(state: ExchangeState, algo: AlgoOrder) -> Decimal:
    position = state.account.position((algo.inst_id, algo.td_mode, algo.pos_side))
    if position is None or position.direction != (1 if algo.side == "sell" else -1):
        return Decimal(0)
    return abs(position.pos)


def cancel_live_algo(state: ExchangeState, algo: AlgoOrder | None) -> AlgoOrder:
    if algo is None or algo.state in ("canceled", "order_failed"):
        raise Refused("algo_not_cancelable")
    if algo.state != "live":
        raise Refused("algo_triggered")
    now = state.now()
    del state.live_algos[algo.inst_id][algo.algo_id]
    algo.state, algo.u_time = "canceled", now
    if algo.visible(now):
        state.emit("orders-algo", algo.inst_id, algo)
    return algo


def find_algo(state: ExchangeState, algo_id: str, algo_cl_ord_id: str) -> AlgoOrder | None:
    """By id, or the latest algo with that client id; None while it is still invisible."""
    algo = state.algos.get(algo_id or state.latest_algo_cl.get(algo_cl_ord_id, ""))
    if algo is None or not algo.visible(state.now()):
        return None
    return algo
