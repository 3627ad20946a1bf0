"""Binance wire payloads -> domain and ports types. The only place wire classes are read.

Binance's words become the domain's (which began as OKX's): order NEW -> live, EXPIRED /
REJECTED -> canceled; algo NEW -> live, TRIGGERING / TRIGGERED / FINISHED -> effective (the stop
fired), EXPIRED -> canceled, REJECTED -> order_failed; workingType CONTRACT_PRICE -> LAST_PRICE.
Quantities cross through units.py.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from adapters.binance import wire, wire_events
from adapters.binance.units import BASE_PER_UNIT, to_size
from domain.algo import AlgoOrder, AlgoState, WorkingType
from domain.errors import DomainError
from domain.evidence import EvidenceRef
from domain.instrument import InstrumentSpec, LotRule, PriceBand
from domain.numbers import ZERO
from domain.orders import ExchangeTrade, OrderState, OrderStatus, PositionSide, Side
from ports.errors import ExchangeProtocolError
from ports.exchange_types import Kline, PositionSnapshot

SIDES = {"BUY": Side.BUY, "SELL": Side.SELL}
SIDE_TEXT = {Side.BUY: "BUY", Side.SELL: "SELL"}
INSTRUMENT_STATES = {"TRADING": "live", "PENDING_TRADING": "preopen"}  # anything else: suspend
PERPETUALS = frozenset({"PERPETUAL", "TRADIFI_PERPETUAL", "PERPETUAL_DELIVERING"})
ORDER_STATES = {"NEW": OrderState.LIVE, "PARTIALLY_FILLED": OrderState.PARTIALLY_FILLED,
                "FILLED": OrderState.FILLED, "CANCELED": OrderState.CANCELED,
                "EXPIRED": OrderState.CANCELED, "EXPIRED_IN_MATCH": OrderState.CANCELED,
                "REJECTED": OrderState.CANCELED}
ALGO_STATES = {"NEW": AlgoState.LIVE, "TRIGGERING": AlgoState.EFFECTIVE,
               "TRIGGERED": AlgoState.EFFECTIVE, "FINISHED": AlgoState.EFFECTIVE,
               "CANCELED": AlgoState.CANCELED, "EXPIRED": AlgoState.CANCELED,
               "REJECTED": AlgoState.ORDER_FAILED}
WORKING_TYPES = {"MARK_PRICE": WorkingType.MARK_PRICE,
                 "CONTRACT_PRICE": WorkingType.LAST_PRICE}
WORKING_TYPE_TEXT = {v: k for k, v in WORKING_TYPES.items()}
# the domain's order types (OKX's names) for Binance's type + timeInForce
LIMIT_KINDS = {"GTX": "post_only", "IOC": "ioc", "FOK": "fok"}


@contextmanager
def protocol_guard(what: str, evidence: EvidenceRef) -> Iterator[None]:
    """Turn a value the domain refuses (unknown state, bad size) into a protocol error."""
    try:
        yield
    except (ValueError, KeyError, DomainError) as exc:
        raise ExchangeProtocolError(f"{what}: {exc}", evidence) from exc


def side(text: str) -> Side:
    if text not in SIDES:
        raise ValueError(f"unknown side {text!r}")
    return SIDES[text]


def _filters(info: wire.SymbolInfo) -> dict[str, wire.Filter]:
    return {f.filter_type: f for f in info.filters}


def _req(value: Decimal | None, name: str) -> Decimal:
    if value is None or value <= 0:
        raise ValueError(f"{name} is missing or not positive")
    return value


def to_instrument(info: wire.SymbolInfo) -> InstrumentSpec:
    """exchangeInfo filters -> the spec: PRICE_FILTER tick, LOT_SIZE step/min/max,
    MARKET_LOT_SIZE, MIN_NOTIONAL, PERCENT_PRICE; one size unit = BASE_PER_UNIT base asset."""
    filters = _filters(info)
    price, lot = filters.get("PRICE_FILTER"), filters.get("LOT_SIZE")
    if price is None or lot is None:
        raise ValueError(f"{info.symbol} lacks PRICE_FILTER or LOT_SIZE")
    market = filters.get("MARKET_LOT_SIZE")
    notional = filters.get("MIN_NOTIONAL")
    band = filters.get("PERCENT_PRICE")
    return InstrumentSpec(
        info.symbol, "SWAP" if info.contract_type in PERPETUALS else "FUTURES",
        INSTRUMENT_STATES.get(info.status, "suspend"), _req(price.tick_size, "tickSize"),
        _req(lot.step_size, "stepSize"), _req(lot.min_qty, "minQty"), BASE_PER_UNIT,
        BASE_PER_UNIT, info.margin_asset or info.quote_asset,
        max_sz=lot.max_qty if lot.max_qty else None,
        market_lot=LotRule(_req(market.step_size, "MARKET_LOT_SIZE stepSize"),
                           _req(market.min_qty, "MARKET_LOT_SIZE minQty"),
                           market.max_qty or None) if market is not None else None,
        min_notional=notional.notional if notional is not None and notional.notional else None,
        price_band=PriceBand(_req(band.multiplier_up, "multiplierUp"),
                             _req(band.multiplier_down, "multiplierDown"))
        if band is not None else None)


def ord_type(kind: str, time_in_force: str) -> str:
    if kind == "MARKET":
        return "market"
    return LIMIT_KINDS.get(time_in_force, "limit")


def _positive_or_none(value: Decimal | None) -> Decimal | None:
    return value if value is not None and value > 0 else None


def to_order_status(item: wire.Order, evidence: EvidenceRef | None) -> OrderStatus:
    filled = to_size(item.executed_qty or ZERO)
    return OrderStatus(item.symbol, str(item.order_id), item.client_order_id,
                       ORDER_STATES[item.status], side(item.side),
                       ord_type(item.type, item.time_in_force), to_size(item.orig_qty),
                       _positive_or_none(item.price),
                       filled, _positive_or_none(item.avg_price) if filled > 0 else None,
                       bool(item.reduce_only), item.update_time or item.time or 0, evidence)


def pushed_order_status(item: wire_events.OrderFields, event_ms: int,
                        evidence: EvidenceRef) -> OrderStatus:
    filled = to_size(item.filled_qty or ZERO)
    return OrderStatus(item.symbol, str(item.order_id), item.client_order_id,
                       ORDER_STATES[item.status], side(item.side),
                       ord_type(item.type, item.time_in_force), to_size(item.quantity),
                       _positive_or_none(item.price), filled,
                       _positive_or_none(item.avg_price) if filled > 0 else None,
                       bool(item.reduce_only), item.trade_time or event_ms, evidence)


def pushed_trade(item: wire_events.OrderFields) -> ExchangeTrade | None:
    """The execution an ORDER_TRADE_UPDATE carries (x = TRADE), if it carries one."""
    if item.execution_type != "TRADE" or not item.last_qty or item.last_price is None \
            or item.trade_id is None:
        return None
    return ExchangeTrade(item.symbol, str(item.trade_id), str(item.order_id),
                         item.client_order_id, side(item.side), item.last_price,
                         to_size(item.last_qty), -(item.fee or ZERO), item.fee_asset,
                         item.trade_time or 0)


def to_trade(item: wire.UserTrade) -> ExchangeTrade:
    # Binance's commission is positive when charged; the domain's fee is negative then
    return ExchangeTrade(item.symbol, str(item.id), str(item.order_id), "", side(item.side),
                         item.price, to_size(item.qty), -(item.commission or ZERO),
                         item.commission_asset, item.time)


def _algo_size(quantity: Decimal | None, close_position: bool) -> Decimal | None:
    return None if close_position or not quantity else to_size(quantity)


def to_algo_order(item: wire.AlgoOrder, evidence: EvidenceRef | None) -> AlgoOrder:
    whole = bool(item.close_position)
    return AlgoOrder(item.symbol, str(item.algo_id), item.client_algo_id,
                     ALGO_STATES[item.algo_status], side(item.side),
                     _algo_size(item.quantity, whole), whole, item.trigger_price,
                     WORKING_TYPES[item.working_type], bool(item.reduce_only) or whole,
                     item.update_time or item.create_time or 0, evidence,
                     item.actual_order_id or "")


def pushed_algo_order(item: wire_events.AlgoFields, event_ms: int,
                      evidence: EvidenceRef) -> AlgoOrder:
    whole = bool(item.close_position)
    return AlgoOrder(item.symbol, str(item.algo_id), item.client_algo_id,
                     ALGO_STATES[item.status], side(item.side),
                     _algo_size(item.quantity, whole), whole, item.trigger_price,
                     WORKING_TYPES[item.working_type], bool(item.reduce_only) or whole,
                     event_ms, evidence, item.actual_order_id or "")


def position_side(amount: Decimal, wire_side: str) -> PositionSide:
    if amount == 0:
        return PositionSide.NONE
    if wire_side in ("LONG", "SHORT"):
        return PositionSide(wire_side)
    return PositionSide.LONG if amount > 0 else PositionSide.SHORT


def to_position(item: wire.PositionRisk, leverage: Decimal, margin_mode: str
                ) -> PositionSnapshot:
    amount = to_size(item.position_amt)
    return PositionSnapshot(item.symbol, position_side(amount, item.position_side), abs(amount),
                            item.entry_price or ZERO, item.un_realized_profit or ZERO,
                            leverage, item.mark_price, margin_mode)


def pushed_position(item: wire_events.PositionFields) -> PositionSnapshot:
    # ACCOUNT_UPDATE names neither leverage nor the mark price
    amount = to_size(item.position_amt)
    return PositionSnapshot(item.symbol, position_side(amount, item.position_side), abs(amount),
                            item.entry_price or ZERO, item.unrealized_pnl or ZERO, ZERO, None,
                            margin_mode(item.margin_type))


def margin_mode(margin_type: str) -> str:
    return {"CROSSED": "cross", "cross": "cross", "ISOLATED": "isolated",
            "isolated": "isolated"}.get(margin_type, margin_type.lower())


def to_kline(row: wire.Kline, exchange_now_ms: int) -> Kline:
    return Kline(row.open_time, row.open, row.high, row.low, row.close, to_size(row.volume),
                 row.close_time, row.close_time < exchange_now_ms)


def pushed_kline(item: wire_events.KlineFields) -> Kline:
    return Kline(item.open_time, item.open, item.high, item.low, item.close,
                 to_size(item.volume), item.close_time, item.closed)
