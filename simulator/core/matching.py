"""When and at what price orders fill against the price path.

The book is the last price: a buy is marketable when px >= last and then takes at last; a
resting buy fills (as maker, at its px) once last <= px; sells mirror this. Market orders take
at last x (1 +/- slippage), clamped to the price-limit band. A partial-fill hook may cap each
fill to a fraction of the remaining size; reduce-only orders never fill past the position.
"""

from decimal import Decimal

from simulator.core.market_views import price_band
from simulator.core.models import MARKET_TYPES, ZERO, Fill, Order, OrderEvent, Position
from simulator.core.numbers import ceil_to, floor_to
from simulator.core.state import ExchangeState

BPS = Decimal(10_000)


def taker_price(state: ExchangeState, inst_id: str, side: str) -> Decimal:
    tick = state.instruments[inst_id].tick_sz
    last = state.quotes[inst_id].last
    slip = last * state.config.slippage_bps / BPS
    buy_limit, sell_limit = price_band(state, inst_id)
    if side == "buy":
        return min(ceil_to(last + slip, tick), buy_limit)
    return max(floor_to(last - slip, tick), sell_limit)


def marketable(order: Order, last: Decimal) -> bool:
    assert order.px is not None
    return order.px >= last if order.side == "buy" else order.px <= last


def is_closing(state: ExchangeState, order: Order) -> bool:
    if state.account.pos_mode == "long_short_mode":
        return (order.side, order.pos_side) in (("sell", "long"), ("buy", "short"))
    return order.reduce_only


def closable(state: ExchangeState, order: Order) -> Decimal | None:
    """How much a closing order may still fill; None for an opening order (no cap)."""
    if not is_closing(state, order):
        return None
    position = state.account.position(state.account.position_key(order))
    if position is None or position.pos == 0:
        return ZERO
    reduces = position.direction == (1 if order.side == "sell" else -1)
    return abs(position.pos) if reduces else ZERO


def fill_size(state: ExchangeState, order: Order, whole: bool = False) -> Decimal:
    size = order.remaining
    ratio = None if whole else state.partial_fill_ratio(order.inst_id)
    if ratio is not None:
        lot = state.instruments[order.inst_id].lot_sz
        size = min(max(floor_to(size * ratio, lot), lot), size)
    cap = closable(state, order)
    return size if cap is None else min(size, cap)


def fill(state: ExchangeState, order: Order, px: Decimal, sz: Decimal, exec_type: str,
         now: int) -> Fill:
    inst = state.instruments[order.inst_id]
    quote = state.quotes[order.inst_id]
    rate = state.config.maker_fee if exec_type == "M" else state.config.taker_fee
    fee = -(sz * inst.ct_val * px * rate)
    trade_id = state.new_id("trade")
    state.account.release(order, sz / order.remaining)
    position, pnl = state.account.apply_fill(order, px, sz, fee, now, trade_id)
    order.acc_fill_sz += sz
    order.fill_notional += sz * px
    order.fill_px, order.fill_sz, order.fill_time, order.trade_id = px, sz, now, trade_id
    order.fee += fee
    order.pnl += pnl
    order.u_time = now
    order.state = "filled" if order.remaining == 0 else "partially_filled"
    if order.state == "filled":
        _unlist(state, order)
    record = Fill(trade_id, state.new_id("bill"), order.ord_id, order.cl_ord_id, order.tag,
                  order.inst_id, order.side, position.pos_side, px, sz, fee, order.settle_ccy,
                  exec_type, now, pnl, quote.mark, quote.index)
    state.fills.append(record)
    state.candles[order.inst_id].record(now, quote.last, sz)
    state.emit("orders", order.inst_id, OrderEvent(order, record))
    state.emit("positions", order.inst_id, position)
    state.emit("account", order.settle_ccy, order.settle_ccy)
    if order.state == "filled":
        _child_done(state, order)
    if position.pos == 0:
        _cancel_orphaned_closers(state, order, now)
        _expire_close_position_algos(state, position, now)
    return record


def _cancel_orphaned_closers(state: ExchangeState, filled: Order, now: int) -> None:
    """A flat position leaves its reduce-only orders nothing to do: OKX cancels them."""
    for other in list(state.live[filled.inst_id].values()):
        if other is not filled and other.is_live and closable(state, other) == 0:
            finish(state, other, "2", now)


def _expire_close_position_algos(state: ExchangeState, position: Position, now: int) -> None:
    """Binance: a close-position stop depends on its position; when the position closes the
    system cancels it (EXPIRED). Only algos placed with expire_on_flat are affected."""
    for algo in list(state.live_algos[position.inst_id].values()):
        if algo.expire_on_flat and (algo.td_mode, algo.pos_side) == (position.mgn_mode,
                                                                      position.pos_side):
            del state.live_algos[algo.inst_id][algo.algo_id]
            algo.state, algo.u_time, algo.expired = "canceled", now, True
            if algo.visible(now):
                state.emit("orders-algo", algo.inst_id, algo)


def finish(state: ExchangeState, order: Order, cancel_source: str, now: int) -> None:
    """Cancel what is left of an order (the user, IOC/FOK rules, post-only, reduce-only)."""
    released = order.frozen != 0
    state.account.release(order)
    order.state = "canceled"
    order.cancel_source = cancel_source
    order.u_time = now
    _unlist(state, order)
    state.emit("orders", order.inst_id, OrderEvent(order, None))
    _child_done(state, order)
    if released:  # the margin it froze is available again
        state.emit("account", order.settle_ccy, order.settle_ccy)


def _child_done(state: ExchangeState, order: Order) -> None:
    """A triggered algo's child reached its final state (Binance: the algo is FINISHED)."""
    algo = state.algos.get(order.algo_id) if order.algo_id else None
    if algo is not None and algo.visible(state.now()):
        state.emit("algo-child-done", algo.inst_id, algo)


def _unlist(state: ExchangeState, order: Order) -> None:
    state.live[order.inst_id].pop(order.ord_id, None)
    if state.live_cl_ord.get(order.cl_ord_id) == order.ord_id:
        del state.live_cl_ord[order.cl_ord_id]


def _take(state: ExchangeState, order: Order, px: Decimal, now: int, whole: bool = False,
          exec_type: str = "T") -> None:
    size = fill_size(state, order, whole)
    if size > 0:
        fill(state, order, px, size, exec_type, now)
    if order.is_live and closable(state, order) == 0:
        finish(state, order, "2", now)  # reduce-only with nothing left to reduce


def match_new(state: ExchangeState, order: Order, now: int) -> None:
    """What happens to a just-accepted order at the current price."""
    last = state.quotes[order.inst_id].last
    if order.ord_type in MARKET_TYPES:
        _take(state, order, taker_price(state, order.inst_id, order.side), now)
        if order.is_live and order.ord_type == "optimal_limit_ioc":
            finish(state, order, "14", now)
        return
    hits = marketable(order, last)
    if order.ord_type == "post_only":
        if hits:
            finish(state, order, "31", now)
    elif order.ord_type == "fok":
        cap = closable(state, order)
        if hits and (cap is None or cap >= order.remaining):
            _take(state, order, last, now, whole=True)
        else:
            finish(state, order, "13", now)
    elif hits:
        _take(state, order, last, now)
        if order.is_live and order.ord_type == "ioc":
            finish(state, order, "14", now)
    elif order.ord_type == "ioc":
        finish(state, order, "14", now)


def match_resting(state: ExchangeState, inst_id: str, now: int) -> None:
    """Fill the live orders of one instrument that the current price has reached."""
    last = state.quotes[inst_id].last
    for order in list(state.live[inst_id].values()):
        if not order.is_live:
            continue
        if order.ord_type in MARKET_TYPES:
            _take(state, order, taker_price(state, inst_id, order.side), now)
        elif marketable(order, last):
            assert order.px is not None
            _take(state, order, order.px, now, exec_type="M")
