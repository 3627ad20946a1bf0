"""Mutable records the core keeps: orders, fills, algo orders, positions."""

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)
LIVE_STATES = ("live", "partially_filled")
LIMIT_TYPES = ("limit", "post_only", "fok", "ioc")
MARKET_TYPES = ("market", "optimal_limit_ioc")
ORDER_TYPES = LIMIT_TYPES + MARKET_TYPES


@dataclass(slots=True)
class Order:
    ord_id: str
    cl_ord_id: str
    tag: str
    inst_id: str
    td_mode: str
    side: str
    pos_side: str
    ord_type: str
    px: Decimal | None
    sz: Decimal
    reduce_only: bool
    lever: Decimal
    c_time: int
    u_time: int
    settle_ccy: str
    state: str = "live"
    acc_fill_sz: Decimal = ZERO
    fill_notional: Decimal = ZERO
    fill_px: Decimal | None = None
    fill_sz: Decimal = ZERO
    fill_time: int | None = None
    trade_id: str = ""
    fee: Decimal = ZERO
    pnl: Decimal = ZERO
    frozen: Decimal = ZERO
    cancel_source: str = ""
    algo_id: str = ""
    algo_cl_ord_id: str = ""
    source: str = ""
    # per-update fill fields of the latest change, for the orders channel
    last_fill: "Fill | None" = None

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def remaining(self) -> Decimal:
        return self.sz - self.acc_fill_sz

    @property
    def avg_px(self) -> Decimal | None:
        if self.acc_fill_sz == 0:
            return None
        return self.fill_notional / self.acc_fill_sz


@dataclass(slots=True)
class Fill:
    trade_id: str
    bill_id: str
    ord_id: str
    cl_ord_id: str
    tag: str
    inst_id: str
    side: str
    pos_side: str
    fill_px: Decimal
    fill_sz: Decimal
    fee: Decimal
    fee_ccy: str
    exec_type: str
    ts: int
    fill_pnl: Decimal
    mark_px: Decimal
    index_px: Decimal


@dataclass(slots=True)
class AlgoOrder:
    algo_id: str
    algo_cl_ord_id: str
    tag: str
    inst_id: str
    td_mode: str
    side: str
    pos_side: str
    ord_type: str
    sz: Decimal | None
    close_fraction: str
    reduce_only: bool
    lever: Decimal
    c_time: int
    visible_at: int
    sl_trigger_px: Decimal | None = None
    sl_ord_px: Decimal | None = None
    sl_trigger_px_type: str = ""
    tp_trigger_px: Decimal | None = None
    tp_ord_px: Decimal | None = None
    tp_trigger_px_type: str = ""
    state: str = "live"
    u_time: int = 0
    trigger_time: int | None = None
    actual_side: str = ""
    actual_sz: Decimal | None = None
    actual_px: Decimal | None = None
    ord_id: str = ""
    fail_reason: str = ""  # the core's Refused reason of a failed trigger
    announced: bool = False
    expire_on_flat: bool = False
    expired: bool = False  # canceled by the system because its position closed
    tif: str = ""
    price_protect: bool = False

    def visible(self, now_ms: int) -> bool:
        return now_ms >= self.visible_at


@dataclass(slots=True)
class Position:
    inst_id: str
    mgn_mode: str
    pos_side: str
    pos_id: str
    ccy: str
    c_time: int
    u_time: int
    pos: Decimal = ZERO
    avg_px: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fee: Decimal = ZERO
    trade_id: str = ""
    lever: Decimal = Decimal(10)

    @property
    def direction(self) -> int:
        """+1 long, -1 short, 0 flat (net mode carries the sign in pos)."""
        if self.pos == 0:
            return 0
        if self.pos_side == "short":
            return -1
        if self.pos_side == "long":
            return 1
        return 1 if self.pos > 0 else -1


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """An order changed; `fill` is the fill that changed it, if one did."""

    order: Order
    fill: Fill | None
