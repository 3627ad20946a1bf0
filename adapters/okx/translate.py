"""Wire payloads -> domain and ports types. The only place wire classes are read."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from adapters.okx import wire
from domain.algo import AlgoOrder, AlgoState, WorkingType
from domain.errors import DomainError
from domain.evidence import EvidenceRef
from domain.instrument import InstrumentSpec
from domain.numbers import ZERO
from domain.orders import ExchangeTrade, OrderState, OrderStatus, PositionSide, Side
from ports.errors import ExchangeProtocolError
from ports.exchange_types import Kline, PositionSnapshot

TRIGGER_PX_TYPE = {WorkingType.MARK_PRICE: "mark", WorkingType.LAST_PRICE: "last",
                   WorkingType.INDEX_PRICE: "index"}
WORKING_TYPE = {v: k for k, v in TRIGGER_PX_TYPE.items()}
# OKX's documented default trigger price type when none is given
DEFAULT_TRIGGER_PX_TYPE = "last"
OKX_BARS = frozenset({
    "1s", "1m", "3m", "5m", "15m", "30m", "1H", "2H", "4H", "6H", "12H", "1D", "2D", "3D",
    "1W", "1M", "3M", "6Hutc", "12Hutc", "1Dutc", "2Dutc", "3Dutc", "1Wutc", "1Mutc", "3Mutc"})
# lower-case names (as other venues spell them) mean UTC-aligned bars
_LOWER_BARS = {"1h": "1H", "2h": "2H", "4h": "4H", "6h": "6Hutc", "12h": "12Hutc",
               "1d": "1Dutc", "2d": "2Dutc", "3d": "3Dutc", "1w": "1Wutc"}
_UNIT_MS = {"s": 1000, "m": 60_000, "H": 3_600_000, "D": 86_400_000, "W": 604_800_000}
_UTC8 = timezone(timedelta(hours=8))


@contextmanager
def protocol_guard(what: str, evidence: EvidenceRef) -> Iterator[None]:
    """Turn a value the domain refuses (unknown state, bad size) into a protocol error."""
    try:
        yield
    except (ValueError, DomainError) as exc:
        raise ExchangeProtocolError(f"{what}: {exc}", evidence) from exc


def okx_bar(interval: str) -> str:
    """The OKX bar name for an interval ("1m", "1H", "4h" -> "4H", "1d" -> "1Dutc")."""
    bar = interval if interval in OKX_BARS else _LOWER_BARS.get(interval, "")
    if not bar:
        raise ValueError(f"unsupported candle interval {interval!r}")
    return bar


def bar_close_time(open_ms: int, bar: str) -> int:
    """The last millisecond of a bar that opened at open_ms."""
    span = bar.removesuffix("utc")
    count, unit = int(span[:-1]), span[-1]
    if unit != "M":
        return open_ms + count * _UNIT_MS[unit] - 1
    zone = UTC if bar.endswith("utc") else _UTC8
    start = datetime.fromtimestamp(open_ms / 1000, tz=zone)
    months = start.year * 12 + start.month - 1 + count
    end = start.replace(year=months // 12, month=months % 12 + 1)
    return round(end.timestamp() * 1000) - 1


def to_kline(candle: wire.Candle, bar: str) -> Kline:
    return Kline(candle.ts, candle.open, candle.high, candle.low, candle.close, candle.vol,
                 bar_close_time(candle.ts, bar), candle.confirm)


def to_instrument(item: wire.Instrument) -> InstrumentSpec:
    # spot and margin pairs have no contract value: one unit is one coin
    one = Decimal(1)
    return InstrumentSpec(item.inst_id, item.inst_type, item.state, _req(item.tick_sz, "tickSz"),
                          _req(item.lot_sz, "lotSz"), _req(item.min_sz, "minSz"),
                          item.ct_val or one, item.ct_mult or one, item.settle_ccy)


def _req(value: Decimal | None, name: str) -> Decimal:
    if value is None:
        raise ValueError(f"{name} is empty")
    return value


def to_order_status(item: wire.Order, evidence: EvidenceRef | None) -> OrderStatus:
    filled = item.acc_fill_sz or ZERO
    avg = item.avg_px if filled > 0 and item.avg_px else None
    price = item.px if item.px is not None and item.px > 0 else None
    return OrderStatus(item.inst_id, item.ord_id, item.cl_ord_id, OrderState(item.state),
                       Side(item.side), item.ord_type, item.sz, price, filled, avg,
                       bool(item.reduce_only), item.u_time or item.c_time or 0, evidence)


def to_pushed_trade(item: wire.Order) -> ExchangeTrade | None:
    """The execution an orders-channel update carries, if it carries one."""
    if not item.trade_id or item.fill_px is None or not item.fill_sz or item.fill_sz <= 0:
        return None
    return ExchangeTrade(item.inst_id, item.trade_id, item.ord_id, item.cl_ord_id,
                         Side(item.side), item.fill_px, item.fill_sz, item.fill_fee or ZERO,
                         item.fill_fee_ccy or "", item.fill_time or item.u_time or 0)


def to_trade(item: wire.Fill) -> ExchangeTrade:
    return ExchangeTrade(item.inst_id, item.trade_id, item.ord_id, item.cl_ord_id,
                         Side(item.side), item.fill_px, item.fill_sz, item.fee or ZERO,
                         item.fee_ccy, item.ts)


def to_algo_order(item: wire.AlgoOrder, evidence: EvidenceRef | None) -> AlgoOrder:
    whole = item.close_fraction == 1
    size = None if whole or not item.sz else item.sz
    px_type = item.sl_trigger_px_type or DEFAULT_TRIGGER_PX_TYPE
    if px_type not in WORKING_TYPE:
        raise ValueError(f"unknown slTriggerPxType {px_type!r}")
    return AlgoOrder(item.inst_id, item.algo_id, item.algo_cl_ord_id, AlgoState(item.state),
                     Side(item.side), size, whole, item.sl_trigger_px, WORKING_TYPE[px_type],
                     bool(item.reduce_only), item.u_time or item.c_time or 0, evidence)


def to_position(item: wire.Position) -> PositionSnapshot:
    qty = item.pos
    if qty == 0:
        side = PositionSide.NONE
    elif item.pos_side == "long":
        side = PositionSide.LONG
    elif item.pos_side == "short":
        side = PositionSide.SHORT
    else:
        side = PositionSide.LONG if qty > 0 else PositionSide.SHORT
    return PositionSnapshot(item.inst_id, side, abs(qty), item.avg_px or ZERO,
                            item.upl or ZERO, item.lever or ZERO, item.mark_px, item.mgn_mode)
