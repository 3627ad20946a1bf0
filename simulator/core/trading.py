"""Placing, cancelling and looking up regular orders; closing positions."""

from decimal import Decimal

from simulator.core import params as p
from simulator.core.errors import ApiError, ItemError
from simulator.core.market_views import price_band
from simulator.core.matching import closable, fill, finish, is_closing, match_new, taker_price
from simulator.core.models import LIMIT_TYPES, ORDER_TYPES, ZERO, Fill, Order
from simulator.core.numbers import parse_bool
from simulator.core.state import ExchangeState
from simulator.core.views import order_push_view

RETAIN_UNFILLED_CANCELED_MS = 2 * 3600 * 1000


def place_order(state: ExchangeState, params: p.Params, exp_time: int | None = None,
                algo_link: tuple[str, str, str] | None = None) -> Order:
    """Validate, accept and match one order; raises ApiError/ItemError when refused."""
    now = state.now()
    order = _build(state, params, now)
    if exp_time is not None and now > exp_time:
        raise ItemError("50037")
    if algo_link is not None:
        order.algo_id, order.algo_cl_ord_id, order.source = algo_link
    _check_reduce_only(state, order)
    _check_band(state, order)
    state.account.freeze(order, _margin_needed(state, order))
    state.orders[order.ord_id] = order
    state.live[order.inst_id][order.ord_id] = order
    if order.cl_ord_id:
        state.latest_cl_ord[order.cl_ord_id] = order.ord_id
        state.live_cl_ord[order.cl_ord_id] = order.ord_id
    state.emit("orders", order.inst_id, lambda: order_push_view(order, None))
    if order.frozen:
        state.emit("account", order.settle_ccy, lambda: order.settle_ccy)
    match_new(state, order, now)
    return order


def _build(state: ExchangeState, params: p.Params, now: int) -> Order:
    inst_id = p.required(params, "instId")
    td_mode = p.required(params, "tdMode")
    side = p.required(params, "side")
    ord_type = p.required(params, "ordType")
    p.required(params, "sz")
    inst = p.instrument(state, inst_id)
    p.unsupported(params, "attachAlgoOrds")
    if td_mode not in ("cross", "isolated"):
        raise ItemError.param("tdMode")
    p.account_mode(state, td_mode)
    if side not in ("buy", "sell"):
        raise ItemError.param("side")
    if ord_type not in ORDER_TYPES:
        raise ItemError.param("ordType")
    pos_side = p.pos_side(state, params)
    size = p.size(params, "sz", inst)
    px = None
    if ord_type in LIMIT_TYPES:
        px = p.price(p.required(params, "px"), "px", inst)
    cl_ord_id = p.client_id(params, "clOrdId")
    tag = p.tag(params)
    reduce_only = parse_bool(params.get("reduceOnly", False), "reduceOnly")
    if cl_ord_id and cl_ord_id in state.live_cl_ord:
        raise ItemError("51016")
    lever = state.account.lever(inst_id, td_mode, pos_side)
    return Order(state.new_id("ord"), cl_ord_id, tag, inst_id, td_mode, side, pos_side,
                 ord_type, px, size, reduce_only, lever, now, now, inst.settle_ccy)


def _check_reduce_only(state: ExchangeState, order: Order) -> None:
    if not is_closing(state, order):
        return
    position = state.account.position(state.account.position_key(order))
    if position is None or position.pos == 0:
        raise ItemError("51169")
    if closable(state, order) == 0:  # same direction as the position: nothing to reduce
        raise ItemError("51170")


def _check_band(state: ExchangeState, order: Order) -> None:
    if order.px is None:
        return
    buy_limit, sell_limit = price_band(state, order.inst_id)
    if (order.side == "buy" and order.px > buy_limit) or (
            order.side == "sell" and order.px < sell_limit):
        raise ItemError("51006", buy_limit, sell_limit)


def _margin_needed(state: ExchangeState, order: Order) -> Decimal:
    """Initial margin (plus taker fee) of the part of the order that opens a position."""
    if is_closing(state, order):
        return ZERO
    opening = order.sz
    position = state.account.position(state.account.position_key(order))
    if position is not None and position.direction == (1 if order.side == "sell" else -1):
        opening = max(ZERO, order.sz - abs(position.pos))
    ref = order.px if order.px is not None else taker_price(state, order.inst_id, order.side)
    notional = opening * state.instruments[order.inst_id].ct_val * ref
    needed = notional / order.lever + notional * state.config.taker_fee
    state.account.require_margin(order.settle_ccy, needed)
    return needed


def find_order(state: ExchangeState, inst_id: str, ord_id: str, cl_ord_id: str) -> Order | None:
    """ordId wins; a reused clOrdId finds its latest order. Old unfilled cancels are gone."""
    key = ord_id or state.latest_cl_ord.get(cl_ord_id, "")
    order = state.orders.get(key)
    if order is None or order.inst_id != inst_id:
        return None
    expired = state.now() - order.u_time > RETAIN_UNFILLED_CANCELED_MS
    if order.state == "canceled" and order.acc_fill_sz == 0 and expired:
        return None
    return order


def get_order(state: ExchangeState, params: p.Params) -> Order:
    inst_id = p.required(params, "instId")
    ord_id, cl_ord_id = p.text(params, "ordId"), p.text(params, "clOrdId")
    if not ord_id and not cl_ord_id:
        raise ApiError("50015", "ordId", "clOrdId")
    if inst_id not in state.instruments:
        raise ApiError("51001")
    order = find_order(state, inst_id, ord_id, cl_ord_id)
    if order is None:
        raise ApiError("51603")
    return order


def cancel_order(state: ExchangeState, params: p.Params, race_fill: bool = False) -> Order:
    """Cancel a live order; with race_fill the order fills first and the cancel fails."""
    inst_id = p.required(params, "instId")
    ord_id, cl_ord_id = p.text(params, "ordId"), p.text(params, "clOrdId")
    if not ord_id and not cl_ord_id:
        raise ApiError("50015", "ordId", "clOrdId")
    p.instrument(state, inst_id, tradable=False)
    order = find_order(state, inst_id, ord_id, cl_ord_id)
    if order is None or not order.is_live:
        raise ItemError("51400")
    now = state.now()
    if race_fill:
        px = order.px if order.px is not None else taker_price(state, inst_id, order.side)
        fill(state, order, px, order.remaining, "M", now)
        raise ItemError("51400")
    finish(state, order, "1", now)
    return order


def close_position(state: ExchangeState, params: p.Params) -> Order:
    inst_id = p.required(params, "instId")
    mgn_mode = p.one_of(params, "mgnMode", ("cross", "isolated"))
    p.instrument(state, inst_id)
    pos_side = p.pos_side(state, params)
    position = state.account.position((inst_id, mgn_mode, pos_side))
    if position is None or position.pos == 0:
        raise ItemError("51023")
    if parse_bool(params.get("autoCxl", False), "autoCxl"):
        for order in list(state.live[inst_id].values()):
            if order.td_mode == mgn_mode and is_closing(state, order):
                finish(state, order, "1", state.now())
    side = "sell" if position.direction > 0 else "buy"
    order_params: dict[str, object] = {
        "instId": inst_id, "tdMode": mgn_mode, "side": side, "ordType": "market",
        "sz": str(abs(position.pos)), "clOrdId": p.client_id(params, "clOrdId"),
        "tag": p.tag(params), "reduceOnly": pos_side == "net"}
    if pos_side != "net":
        order_params["posSide"] = pos_side
    return place_order(state, order_params)


def pending(state: ExchangeState, params: p.Params) -> list[Order]:
    inst_id = p.text(params, "instId")
    types = [t for t in p.text(params, "ordType").split(",") if t]
    wanted_state = p.text(params, "state")
    if p.text(params, "instType") not in ("", "SWAP"):
        return []
    books = [state.live.get(inst_id, {})] if inst_id else list(state.live.values())
    found = [o for book in books for o in book.values()
             if (not types or o.ord_type in types)
             and (not wanted_state or o.state == wanted_state)]
    return _page(found, params)


def history(state: ExchangeState, params: p.Params) -> list[Order]:
    p.required(params, "instType")
    inst_id = p.text(params, "instId")
    wanted_state = p.text(params, "state")
    found = [o for o in state.orders.values()
             if not o.is_live and (not inst_id or o.inst_id == inst_id)
             and (not wanted_state or o.state == wanted_state)
             and find_order(state, o.inst_id, o.ord_id, "") is not None]
    return _page(found, params)


def _page(orders: list[Order], params: p.Params) -> list[Order]:
    """Newest first; after = older than that ordId, before = newer than it."""
    after, before = p.text(params, "after"), p.text(params, "before")
    ordered = sorted(orders, key=lambda o: int(o.ord_id), reverse=True)
    if after:
        ordered = [o for o in ordered if int(o.ord_id) < int(after)]
    if before:
        ordered = [o for o in ordered if int(o.ord_id) > int(before)]
    return ordered[: p.limit(params)]


def fills(state: ExchangeState, params: p.Params) -> list[Fill]:
    inst_id, ord_id = p.text(params, "instId"), p.text(params, "ordId")
    after, before = p.text(params, "after"), p.text(params, "before")
    found = [f for f in reversed(state.fills)
             if (not inst_id or f.inst_id == inst_id) and (not ord_id or f.ord_id == ord_id)
             and (not after or int(f.bill_id) < int(after))
             and (not before or int(f.bill_id) > int(before))]
    return found[: p.limit(params)]
