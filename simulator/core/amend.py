"""Amending a live order's price and/or size (OKX `amend-order`, on the private WS here).

OKX's rules as modelled: the order must still be live (else 51503); newSz must be more than
what has filled (else 51000 newSz); a post-only order whose new price would take is refused
(51511) and keeps its old price; a limit order whose new price reaches the market fills at once.
Margin is frozen afresh for the new price and size.
"""

from simulator.core import params as p
from simulator.core.errors import ApiError, ItemError, Refused
from simulator.core.matching import marketable, match_resting
from simulator.core.models import MARKET_TYPES, Order, OrderEvent
from simulator.core.state import ExchangeState
from simulator.core.trading import (
    _margin_needed,
    check_price,
    check_size,
    find_order,
    tradable,
)


def amend_order(state: ExchangeState, params: p.Params) -> Order:
    inst_id = p.required(params, "instId")
    ord_id, cl_ord_id = p.text(params, "ordId"), p.text(params, "clOrdId")
    if not ord_id and not cl_ord_id:
        raise ApiError("50015", "ordId", "clOrdId")
    raw_sz, raw_px = p.text(params, "newSz"), p.text(params, "newPx")
    if not raw_sz and not raw_px:
        raise ApiError("50015", "newSz", "newPx")
    if inst_id not in state.instruments:
        raise Refused("unknown_instrument")
    inst = tradable(state, inst_id)
    order = find_order(state, inst_id, ord_id, cl_ord_id)
    if order is None or not order.is_live:
        raise ItemError("51503")
    if order.ord_type in MARKET_TYPES:
        raise ItemError("51506")
    new_sz = p.positive(params, "newSz") if raw_sz else order.sz
    new_px = p.price(raw_px, "newPx") if raw_px else order.px
    if new_sz <= order.acc_fill_sz:
        raise ItemError.param("newSz")
    check_size(inst, new_sz)
    if new_px is not None:
        check_price(inst, new_px)
    old_sz, old_px = order.sz, order.px
    order.sz, order.px = new_sz, new_px
    last = state.quotes[inst_id].last
    if order.ord_type == "post_only" and marketable(order, last):
        order.sz, order.px = old_sz, old_px
        raise ItemError("51511")
    frozen = order.frozen
    state.account.release(order)
    try:
        needed = _margin_needed(state, order)
    except Refused:
        order.sz, order.px = old_sz, old_px
        state.account.freeze(order, frozen)
        raise
    state.account.freeze(order, needed)
    now = state.now()
    order.u_time = now
    state.emit("orders", inst_id, OrderEvent(order, None))
    state.emit("account", order.settle_ccy, order.settle_ccy)
    match_resting(state, inst_id, now)
    return order

