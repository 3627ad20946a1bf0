"""Exchange-observed records the rolling blocks of seed 001 §2.1 are computed from.

Each record is something the exchange reported (an order that reached a terminal state, an
execution, a closed kline, a mark price push, the account's balances), plus the engine's own
context at the time (the price it intended, the book it read before placing, the trade's R).
Nothing here is inferred from what the engine sent.
"""

import enum
from decimal import Decimal

import attrs

from domain.errors import DomainError
from domain.numbers import ZERO, is_positive_finite
from domain.orders import OrderState, PositionSide, Side


class RecordError(DomainError):
    """A record that cannot be what the exchange reported (negative size, filled > placed...)."""


def _positive(_inst: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not is_positive_finite(value):
        raise RecordError(f"{attribute.name} must be a finite Decimal > 0, got {value!r}")


def _finite(_inst: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise RecordError(f"{attribute.name} must be a finite Decimal, got {value!r}")


def _optional_positive(_inst: object, attribute: "attrs.Attribute[Decimal | None]",
                       value: Decimal | None) -> None:
    if value is not None and (not isinstance(value, Decimal) or not is_positive_finite(value)):
        raise RecordError(f"{attribute.name} must be None or a finite Decimal > 0, "
                          f"got {value!r}")


@attrs.frozen
class LimitOrderRecord:
    """A limit order of ours as the exchange last showed it, once terminal (filled/canceled).

    size is what was placed, filled the exchange's accFillSz; bid/ask are the book the engine
    read just before placing (None if that read failed), done_ms the exchange's uTime.
    """

    order_id: str
    client_order_id: str
    state: OrderState
    size: Decimal = attrs.field(validator=_positive)
    filled: Decimal = attrs.field(validator=_finite)
    price: Decimal = attrs.field(validator=_positive)
    bid: Decimal | None = attrs.field(validator=_optional_positive)
    ask: Decimal | None = attrs.field(validator=_optional_positive)
    done_ms: int

    def __attrs_post_init__(self) -> None:
        if not self.state.is_terminal:
            raise RecordError(f"order {self.order_id} is {self.state.value}, not terminal")
        if not ZERO <= self.filled <= self.size:
            raise RecordError(f"order {self.order_id} filled {self.filled} of {self.size}")
        if self.state is OrderState.FILLED and self.filled != self.size:
            raise RecordError(f"order {self.order_id} is filled but shows {self.filled} of "
                              f"{self.size}")
        if self.bid is not None and self.ask is not None and self.ask < self.bid:
            raise RecordError(f"crossed book at order time: bid {self.bid} > ask {self.ask}")

    @property
    def canceled(self) -> bool:
        return self.state is not OrderState.FILLED

    @property
    def relative_spread(self) -> Decimal | None:
        """(ask - bid) / mid at order time, or None without a book."""
        if self.bid is None or self.ask is None:
            return None
        return (self.ask - self.bid) / ((self.ask + self.bid) / 2)


@attrs.frozen
class ExecFill:
    """One execution of ours (exchange trade record) with the price we meant to get.

    intended_px is the limit price, or for a market order (a fallback included) the reference
    price the engine decided on; trade_risk is the trade's initial R in price x contracts
    (|entry - initial stop| x entry size), so slippage divides out to a share of R.
    """

    trade_id: str
    order_id: str
    client_order_id: str
    intended_px: Decimal = attrs.field(validator=_positive)
    fill_px: Decimal = attrs.field(validator=_positive)
    fill_sz: Decimal = attrs.field(validator=_positive)
    trade_risk: Decimal = attrs.field(validator=_positive)
    market_fallback: bool
    ts_ms: int

    @property
    def slippage_r(self) -> Decimal:
        return abs(self.fill_px - self.intended_px) * self.fill_sz / self.trade_risk


@attrs.frozen
class TradeFill:
    """One execution of a trade as the exchange's fills report it; fee is signed the exchange's
    way (negative = charged, positive = rebate) in fee_ccy."""

    order_id: str
    client_order_id: str
    side: Side
    price: Decimal = attrs.field(validator=_positive)
    size: Decimal = attrs.field(validator=_positive)
    fee: Decimal = attrs.field(validator=_finite)
    fee_ccy: str
    ts_ms: int


class ExitKind(enum.Enum):
    """Limit-first exits (seed §5): the take-profits and the runner's limit-then-market close."""

    TP1 = "TP1"
    TP2 = "TP2"
    RUNNER = "RUNNER"


@attrs.frozen
class LimitExit:
    """A limit-first exit that completed; fallback_used when the market fallback closed it."""

    kind: ExitKind
    client_order_id: str
    fallback_used: bool


@attrs.frozen
class ClosedTrade:
    """A trade from entry to flat, from the exchange's fills and fees.

    risk_per_unit is |entry price - initial stop| per contract and contract_value the
    instrument's ct_val x ct_mult; fees must be in settle_ccy (one currency, no conversion).
    """

    symbol: str
    template: str
    side: PositionSide
    risk_per_unit: Decimal = attrs.field(validator=_positive)
    contract_value: Decimal = attrs.field(validator=_positive)
    settle_ccy: str
    fills: tuple[TradeFill, ...]
    limit_exits: tuple[LimitExit, ...]
    closed_ts: int

    def __attrs_post_init__(self) -> None:
        if self.side is PositionSide.NONE:
            raise RecordError("a trade is LONG or SHORT")


@attrs.frozen
class TradeResult:
    """A closed trade as health_roll needs it: when, which template, its realised R from the
    exchange's fills and fees, and its limit-first exits. trade_id is the intent id."""

    trade_id: str
    closed_ts: int
    template: str
    realised_r: Decimal = attrs.field(validator=_finite)
    limit_exits: tuple[LimitExit, ...] = ()


@attrs.frozen
class KlineClose:
    """A 1-minute mark-price kline: its open time (the exchange's ts) and close."""

    open_ms: int
    close: Decimal = attrs.field(validator=_positive)


@attrs.frozen
class PriceObservation:
    """A mark price the exchange pushed (or answered), at the exchange's timestamp."""

    ts_ms: int
    price: Decimal = attrs.field(validator=_positive)


@attrs.frozen
class MarginSnapshot:
    """The account's balances as get_balances reported them (settlement currency)."""

    equity: Decimal = attrs.field(validator=_finite)
    margin_used: Decimal = attrs.field(validator=_finite)

    def __attrs_post_init__(self) -> None:
        if self.margin_used < ZERO:
            raise RecordError(f"margin_used must be >= 0, got {self.margin_used}")
