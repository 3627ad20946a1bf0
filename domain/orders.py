"""Order value types: sides, intents validated on construction, acks, statuses and fills."""

import enum
import re
from decimal import Decimal

import attrs

from domain.errors import InvalidIntent, NotAnExchangeRecord
from domain.evidence import EvidenceRef
from domain.instrument import InstrumentSpec
from domain.numbers import ZERO, is_multiple, is_positive_finite

_CLIENT_ID = re.compile(r"[A-Za-z0-9]{1,32}")


def validate_client_id(value: str) -> str:
    """Return value if it is an OKX-valid client id (1-32 ASCII letters/digits), else raise."""
    if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
        raise InvalidIntent(f"client id must be 1-32 ASCII letters/digits, got {value!r}")
    return value


class Side(enum.Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> "Side":
        return Side.SELL if self is Side.BUY else Side.BUY


class PositionSide(enum.Enum):
    LONG = "LONG"
    SHORT = "SHORT"
    NONE = "NONE"

    @property
    def entry_side(self) -> Side:
        if self is PositionSide.NONE:
            raise InvalidIntent("a flat position has no entry side")
        return Side.BUY if self is PositionSide.LONG else Side.SELL

    @property
    def exit_side(self) -> Side:
        return self.entry_side.opposite

    @staticmethod
    def closed_by(side: Side) -> "PositionSide":
        """The position an order of this side reduces: a sell closes a long, a buy a short."""
        return PositionSide.LONG if side is Side.SELL else PositionSide.SHORT


class OrdType(enum.Enum):
    LIMIT = "limit"
    POST_ONLY = "post_only"
    MARKET = "market"
    IOC = "ioc"
    FOK = "fok"

    @property
    def needs_price(self) -> bool:
        return self is not OrdType.MARKET


def _check_intent(intent: "OrderIntent") -> None:
    spec = intent.instrument
    size = intent.size
    if not isinstance(size, Decimal) or not is_positive_finite(size):
        raise InvalidIntent(f"size must be a finite Decimal > 0, got {size!r}")
    if not is_multiple(size, spec.lot_sz):
        raise InvalidIntent(f"size {size} is not a multiple of lotSz {spec.lot_sz}")
    if size < spec.min_sz:
        raise InvalidIntent(f"size {size} is below minSz {spec.min_sz}")
    price = intent.price
    if intent.ord_type.needs_price:
        if not isinstance(price, Decimal) or not is_positive_finite(price):
            raise InvalidIntent(f"price must be a finite Decimal > 0, got {price!r}")
        if not is_multiple(price, spec.tick_sz):
            raise InvalidIntent(f"price {price} is not a multiple of tickSz {spec.tick_sz}")
    elif price is not None:
        raise InvalidIntent("a market order carries no price")
    if intent.reduce_only != (intent.closes is not None):
        raise InvalidIntent("a reduce-only order names the position side it closes (and only "
                            "a reduce-only order does)")
    if intent.closes is not None and intent.side is not intent.closes.exit_side:
        raise InvalidIntent(f"a {intent.side.value} cannot reduce a {intent.closes.value} "
                            "position")
    validate_client_id(intent.client_order_id)


@attrs.frozen
class OrderIntent:
    """An order we intend to send. Construction fails unless the exchange could accept it as is."""

    instrument: InstrumentSpec
    side: Side
    ord_type: OrdType
    size: Decimal
    price: Decimal | None
    reduce_only: bool
    client_order_id: str
    # the position side a reduce-only order closes: its side must be that position's exit side
    closes: PositionSide | None = None

    def __attrs_post_init__(self) -> None:
        _check_intent(self)

    @classmethod
    def closing(cls, instrument: InstrumentSpec, position: PositionSide, ord_type: OrdType,
                size: Decimal, price: Decimal | None, client_order_id: str) -> "OrderIntent":
        """A reduce-only order that closes (part of) a position of the given side."""
        if position is PositionSide.NONE:
            raise InvalidIntent("a flat position has nothing to close")
        return cls(instrument, position.exit_side, ord_type, size, price, True,
                   client_order_id, position)

    @property
    def inst_id(self) -> str:
        return self.instrument.inst_id


class OrderState(enum.Enum):
    LIVE = "live"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    MMP_CANCELED = "mmp_canceled"

    @property
    def is_terminal(self) -> bool:
        return self in (OrderState.FILLED, OrderState.CANCELED, OrderState.MMP_CANCELED)


@attrs.frozen
class OrderAck:
    """The exchange's per-item answer to a placement (data[0]), whatever its sCode."""

    inst_id: str
    order_id: str
    client_order_id: str
    s_code: str
    s_msg: str
    ts_ms: int


@attrs.frozen
class OrderStatus:
    """One observation of an order at the exchange (GET order, pending list or orders push)."""

    inst_id: str
    order_id: str
    client_order_id: str
    state: OrderState
    side: Side
    ord_type: str
    size: Decimal
    price: Decimal | None
    acc_fill_sz: Decimal
    avg_px: Decimal | None
    reduce_only: bool
    updated_ms: int
    evidence: EvidenceRef | None = None


@attrs.frozen
class ExchangeTrade:
    """One execution as the exchange reports it (trade/fills row or an orders push with tradeId)."""

    inst_id: str
    trade_id: str
    order_id: str
    client_order_id: str
    side: Side
    fill_px: Decimal
    fill_sz: Decimal
    fee: Decimal
    fee_ccy: str
    ts_ms: int


class _ExchangeOnly:
    """Private token: Fill's constructor is reachable only through its from_* builders."""


_TOKEN = _ExchangeOnly()


def _require_token(_inst: object, _attr: object, value: "_ExchangeOnly | None") -> None:
    if value is not _TOKEN:
        raise NotAnExchangeRecord("a Fill is built only by Fill.from_order_status/from_trade")


@attrs.frozen
class Fill:
    """A fill observed at the exchange. There is deliberately no way to make one from an intent."""

    inst_id: str
    order_id: str
    client_order_id: str
    side: Side
    size: Decimal
    avg_price: Decimal
    source: str
    evidence: EvidenceRef
    trade_id: str = ""
    _token: _ExchangeOnly | None = attrs.field(default=None, validator=_require_token,
                                               repr=False)

    @classmethod
    def from_order_status(cls, status: OrderStatus) -> "Fill":
        """The cumulative fill an order status proves; needs accFillSz > 0 and its evidence."""
        if status.evidence is None:
            raise NotAnExchangeRecord("an order status without evidence cannot prove a fill")
        if status.acc_fill_sz <= ZERO or status.avg_px is None:
            raise NotAnExchangeRecord(f"order {status.order_id} shows no fill (accFillSz 0)")
        return cls(status.inst_id, status.order_id, status.client_order_id, status.side,
                   status.acc_fill_sz, status.avg_px, "order_status", status.evidence,
                   token=_TOKEN)

    @classmethod
    def from_trade(cls, trade: ExchangeTrade, evidence: EvidenceRef) -> "Fill":
        """One execution from the exchange's fills record."""
        if trade.fill_sz <= ZERO:
            raise NotAnExchangeRecord(f"trade {trade.trade_id} has no size")
        return cls(trade.inst_id, trade.order_id, trade.client_order_id, trade.side,
                   trade.fill_sz, trade.fill_px, "trade", evidence, trade.trade_id,
                   token=_TOKEN)
