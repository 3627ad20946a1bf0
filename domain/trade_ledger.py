"""From the exchange's own reports (order statuses, fills) to the records of domain/records.py.

One net-mode position per symbol means a trade is the run of fills on that symbol from the
first fill of its entry order until the signed position is back at zero; every fill in between
(take-profits, stop, runner, de-risk, flatten, an operator's close) belongs to it. Limit-first
exits are recognised by client id: a filled TP1/TP2 order, and a runner close that placed its
limit (role RL), which used the market fallback when one of its RM orders filled.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal

from domain.errors import DomainError
from domain.ids import Role, parse_client_id
from domain.instrument import InstrumentSpec
from domain.orders import ExchangeTrade, OrderState, OrderStatus, PositionSide
from domain.records import ClosedTrade, ExecFill, ExitKind, LimitExit, LimitOrderRecord, TradeFill

LIMIT_TYPES = frozenset({"limit", "post_only"})


class LedgerError(DomainError):
    """The exchange's reports do not (yet) describe what was asked for."""


def limit_order_record(status: OrderStatus, *, bid: Decimal | None,
                       ask: Decimal | None) -> LimitOrderRecord | None:
    """The record of a terminal limit order (None for other types or a live order)."""
    if status.ord_type not in LIMIT_TYPES or not status.state.is_terminal or \
            status.price is None:
        return None
    return LimitOrderRecord(status.order_id, status.client_order_id, status.state, status.size,
                            status.acc_fill_sz, status.price, bid, ask, status.updated_ms)


def trade_fills(fills: Sequence[ExchangeTrade], *, entry_order_ids: frozenset[str],
                side: PositionSide) -> tuple[ExchangeTrade, ...]:
    """The fills from the entry's first until the position is flat again (in time order).
    Raises LedgerError while the position is still open or the entry never filled."""
    ordered = sorted(fills, key=lambda f: (f.ts_ms, f.trade_id))
    start = next((i for i, f in enumerate(ordered) if f.order_id in entry_order_ids), None)
    if start is None:
        raise LedgerError("no fill of the entry order")
    position = Decimal(0)
    for index in range(start, len(ordered)):
        fill = ordered[index]
        position += fill.fill_sz if fill.side is side.entry_side else -fill.fill_sz
        if position == 0:
            return tuple(ordered[start:index + 1])
    raise LedgerError(f"position still open: {position} after the last fill")


def limit_exits(orders: Sequence[OrderStatus], intent_id: str) -> tuple[LimitExit, ...]:
    """TP1/TP2 that filled, and the runner close if it was tried with a limit first."""
    ours = [(parsed.role, o) for o in orders
            if (parsed := parse_client_id(o.client_order_id)) is not None
            and parsed.intent_id == intent_id]
    exits = [LimitExit(ExitKind.TP1 if role is Role.TP1 else ExitKind.TP2, o.client_order_id,
                       False)
             for role, o in ours if role in (Role.TP1, Role.TP2)
             and o.state is OrderState.FILLED]
    limits = [o for role, o in ours if role is Role.RUNNER_LIMIT]
    if limits:
        fallback = any(role is Role.RUNNER_MARKET and o.acc_fill_sz > 0 for role, o in ours)
        exits.append(LimitExit(ExitKind.RUNNER, limits[-1].client_order_id, fallback))
    return tuple(exits)


def exec_fills(fills: Sequence[ExchangeTrade], orders: Sequence[OrderStatus], *,
               intended: Mapping[str, Decimal], trade_risk: Decimal) -> tuple[ExecFill, ...]:
    """Fills with the price meant for them: a limit order's own price, else intended[client
    order id or order id] (the reference the engine read before a market order, a stop's
    trigger). A runner market fill after its limit is a market fallback. Fills without an
    intended price are left out: their slippage cannot be judged."""
    by_id = {o.order_id: o for o in orders}
    rl_prices = [o.price for o in orders if o.price is not None
                 and (p := parse_client_id(o.client_order_id)) is not None
                 and p.role is Role.RUNNER_LIMIT]
    out = []
    for fill in fills:
        order = by_id.get(fill.order_id)
        parsed = parse_client_id(fill.client_order_id)
        fallback = parsed is not None and parsed.role is Role.RUNNER_MARKET and bool(rl_prices)
        price = _intended(fill, order, intended, rl_prices[-1] if fallback else None)
        if price is not None:
            out.append(ExecFill(fill.trade_id, fill.order_id, fill.client_order_id, price,
                                fill.fill_px, fill.fill_sz, trade_risk, fallback,
                                fill.ts_ms))
    return tuple(out)


def _intended(fill: ExchangeTrade, order: OrderStatus | None, intended: Mapping[str, Decimal],
              fallback_from: Decimal | None) -> Decimal | None:
    if order is not None and order.ord_type in LIMIT_TYPES and order.price is not None:
        return order.price
    if fallback_from is not None:
        return fallback_from
    return intended.get(fill.client_order_id) or intended.get(fill.order_id)


def closed_trade(fills: Sequence[ExchangeTrade], orders: Sequence[OrderStatus], *,
                 intent_id: str, template: str, side: PositionSide, risk_per_unit: Decimal,
                 spec: InstrumentSpec, entry_order_ids: frozenset[str]) -> ClosedTrade:
    """The trade of intent_id from the exchange's fills and orders on its symbol."""
    run = trade_fills(fills, entry_order_ids=entry_order_ids, side=side)
    records = tuple(TradeFill(f.order_id, f.client_order_id, f.side, f.fill_px, f.fill_sz,
                              f.fee, f.fee_ccy, f.ts_ms) for f in run)
    return ClosedTrade(spec.inst_id, template, side, risk_per_unit, spec.ct_val * spec.ct_mult,
                       spec.settle_ccy, records, limit_exits(orders, intent_id),
                       run[-1].ts_ms // 1000)


__all__ = ["LedgerError", "closed_trade", "exec_fills", "limit_exits",
           "limit_order_record", "trade_fills"]
