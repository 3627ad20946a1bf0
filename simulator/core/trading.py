"""Placing, cancelling and looking up regular orders; closing positions.

place_order / cancel_live / find_order are the core's own calls (typed requests, `Refused`
reasons); get_order / cancel_order / close_position / pending / history / fills read OKX
parameters for the OKX face.
"""

from collections.abc import Callable
from decimal import Decimal

from simulator.core import params as p
from simulator.core.errors import ApiError, Refused
from simulator.core.instruments import Instrument
from simulator.core.market_views import price_band
from simulator.core.matching import (
    closable,
    fill,
    finish,
    is_closing,
    marketable,
    match_new,
    taker_price,
)
from simulator.core.models import MARKET_TYPES, ZERO, Fill, Order, OrderEvent
from simulator.core.numbers import is_multiple, parse_bool
from simulator.core.requests import NewOrder
from simulator.core.state import ExchangeState

RETAIN_UNFILLED_CANCELED_MS = 2 * 3600 * 1000


def place_order(state: ExchangeState, req: NewOrder, exp_time: int | None = None,
                algo_link: tuple[str, str, str] | None = None,
                on_accepted: Callable[[Order], None] | None = None) -> Order:
    """Check, accept and match one order; raises Refused when the exchange would refuse.
    on_accepted runs once the order is in the book, before it meets the market."""
    now = state.now()
    inst = tradable(state, req.inst_id)
    account_mode(state, req.td_mode)
    _check_size_and_price(state, inst, req)
    if req.cl_ord_id and req.cl_ord_id in state.live_cl_ord:
        raise Refused("duplicate_client_id")
    if exp_time is not None and now > exp_time:
        raise Refused("expired")
    lever = state.account.lever(req.inst_id, req.td_mode, req.pos_side)
    order = Order(state.new_id("ord"), req.cl_ord_id, req.tag, req.inst_id, req.td_mode,
                  req.side, req.pos_side, req.ord_type, req.px, req.sz, req.reduce_only, lever,
                  now, now, inst.settle_ccy)
    if algo_link is not None:
        order.algo_id, order.algo_cl_ord_id, order.source = algo_link
    _check_reduce_only(state, order)
    _check_band(state, order)
    _check_min_notional(state, inst, order)
    _check_taking(state, order, req)
    if inst.max_orders and len(state.live[inst.inst_id]) >= inst.max_orders:
        raise Refused("too_many_orders")
    state.account.freeze(order, _margin_needed(state, order))
    state.orders[order.ord_id] = order
    state.live[order.inst_id][order.ord_id] = order
    if order.cl_ord_id:
        state.latest_cl_ord[order.cl_ord_id] = order.ord_id
        state.live_cl_ord[order.cl_ord_id] = order.ord_id
    state.emit("orders", order.inst_id, OrderEvent(order, None))
    if order.frozen:
        state.emit("account", order.settle_ccy, order.settle_ccy)
    if on_accepted is not None:
        on_accepted(order)
    match_new(state, order, now)
    return order


def tradable(state: ExchangeState, inst_id: str) -> Instrument:
    inst = state.instruments.get(inst_id)
    if inst is None:
        raise Refused("unknown_instrument")
    if inst.state == "suspend":
        raise Refused("instrument_suspended")
    if inst.state in ("preopen", "test"):
        raise Refused("instrument_not_listed")
    return inst


def account_mode(state: ExchangeState, td_mode: str) -> None:
    """OKX: spot mode cannot trade swaps; the pooled modes have no isolated margin."""
    if state.config.acct_lv == "1":
        raise Refused("spot_account")
    if td_mode == "isolated" and state.config.acct_lv in ("3", "4"):
        raise Refused("isolated_in_pooled_mode")


def check_size(inst: Instrument, size: Decimal, market: bool = False) -> None:
    if not is_multiple(size, inst.lot_sz):
        raise Refused("size_off_lot")
    if size < inst.min_sz:
        raise Refused("size_below_min")
    if size > (inst.max_mkt_sz if market else inst.max_lmt_sz):
        raise Refused("size_above_max")


def check_price(inst: Instrument, price: Decimal) -> None:
    if not is_multiple(price, inst.tick_sz):
        raise Refused("price_off_tick")


def _check_size_and_price(state: ExchangeState, inst: Instrument, req: NewOrder) -> None:
    check_size(inst, req.sz, req.ord_type in MARKET_TYPES)
    if req.px is not None:
        check_price(inst, req.px)


def _check_reduce_only(state: ExchangeState, order: Order) -> None:
    if not is_closing(state, order):
        return
    position = state.account.position(state.account.position_key(order))
    if position is None or position.pos == 0:
        raise Refused("reduce_only_no_position")
    if closable(state, order) == 0:  # same direction as the position: nothing to reduce
        raise Refused("reduce_only_same_side")


def _check_band(state: ExchangeState, order: Order) -> None:
    if order.px is None:
        return
    buy_limit, sell_limit = price_band(state, order.inst_id)
    if (order.side == "buy" and order.px > buy_limit) or (
            order.side == "sell" and order.px < sell_limit):
        raise Refused("price_outside_band", buy_limit, sell_limit)


def _check_min_notional(state: ExchangeState, inst: Instrument, order: Order) -> None:
    """A minimum order value (Binance's MIN_NOTIONAL; market orders use the mark price);
    reduce-only orders are exempt."""
    if not inst.min_notional or order.reduce_only:
        return
    ref = order.px if order.px is not None else state.quotes[order.inst_id].mark
    if order.sz * inst.ct_val * ref < inst.min_notional:
        raise Refused("below_min_notional", inst.min_notional)


def _check_taking(state: ExchangeState, order: Order, req: NewOrder) -> None:
    last = state.quotes[order.inst_id].last
    if req.refuse_taking_post_only and order.ord_type == "post_only" and marketable(
            order, last):
        raise Refused("post_only_would_take")
    if req.refuse_unfillable_fok and order.ord_type == "fok":
        cap = closable(state, order)
        if not marketable(order, last) or (cap is not None and cap < order.sz):
            raise Refused("fok_unfillable")


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


def find_order(state: ExchangeState, inst_id: str, ord_id: str, cl_ord_id: str,
               retain_ms: int = RETAIN_UNFILLED_CANCELED_MS) -> Order | None:
    """ordId wins; a reused clOrdId finds its latest order. Canceled orders without fills
    are forgotten after retain_ms (OKX: 2 h)."""
    key = ord_id or state.latest_cl_ord.get(cl_ord_id, "")
    order = state.orders.get(key)
    if order is None or order.inst_id != inst_id:
        return None
    expired = state.now() - order.u_time > retain_ms
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


def cancel_live(state: ExchangeState, order: Order | None, race_fill: bool = False) -> Order:
    """Cancel a live order; with race_fill the order fills first and the cancel fails."""
    if order is None or not order.is_live:
        raise Refused("order_not_cancelable")
    now = state.now()
    if race_fill:
        px = order.px if order.px is not None else taker_price(state, order.inst_id, order.side)
        fill(state, order, px, order.remaining, "M", now)
        raise Refused("order_not_cancelable")
    finish(state, order, "1", now)
    return order


def cancel_order(state: ExchangeState, params: p.Params, race_fill: bool = False) -> Order:
    inst_id = p.required(params, "instId")
    ord_id, cl_ord_id = p.text(params, "ordId"), p.text(params, "clOrdId")
    if not ord_id and not cl_ord_id:
        raise ApiError("50015", "ordId", "clOrdId")
    if inst_id not in state.instruments:
        raise Refused("unknown_instrument")
    return cancel_live(state, find_order(state, inst_id, ord_id, cl_ord_id), race_fill)


def close_position(state: ExchangeState, params: p.Params) -> Order:
    inst_id = p.required(params, "instId")
    mgn_mode = p.one_of(params, "mgnMode", ("cross", "isolated"))
    tradable(state, inst_id)
    pos_side = p.pos_side(state, params)
    position = state.account.position((inst_id, mgn_mode, pos_side))
    if position is None or position.pos == 0:
        raise Refused("no_position")
    if parse_bool(params.get("autoCxl", False), "autoCxl"):
        for order in list(state.live[inst_id].values()):
            if order.td_mode == mgn_mode and is_closing(state, order):
                finish(state, order, "1", state.now())
    side = "sell" if position.direction > 0 else "buy"
    return place_order(state, NewOrder(
        inst_id, mgn_mode, side, pos_side, "market", abs(position.pos),
        reduce_only=pos_side == "net", cl_ord_id=p.client_id(params, "clOrdId"),
        tag=p.tag(params)))


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
