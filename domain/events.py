"""What the position stage machine reacts to: facts observed at the exchange, plus bars and regimes.

A fill event is built by the application only from exchange evidence (a Fill, an order status,
a position snapshot); nothing here is an assumption that an order we sent did fill.
"""

from decimal import Decimal

import attrs

from domain.errors import InvalidIntent
from domain.numbers import ZERO, is_positive_finite
from domain.orders import PositionSide


def _positive(_inst: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not is_positive_finite(value):
        raise InvalidIntent(f"{attribute.name} must be a finite Decimal > 0, got {value!r}")


def _not_negative(_inst: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < ZERO:
        raise InvalidIntent(f"{attribute.name} must be a finite Decimal >= 0, got {value!r}")


@attrs.frozen
class TradePlan:
    """The exits the Quant service planned, scaled to the filled entry size."""

    stop_price: Decimal = attrs.field(validator=_positive)
    tp1_price: Decimal = attrs.field(validator=_positive)
    tp1_qty: Decimal = attrs.field(validator=_positive)
    tp2_price: Decimal = attrs.field(validator=_positive)
    tp2_qty: Decimal = attrs.field(validator=_positive)
    runner_qty: Decimal = attrs.field(validator=_not_negative)
    tier: str = "A"

    def __attrs_post_init__(self) -> None:
        if self.tier not in ("A", "B"):
            raise InvalidIntent(f"tier must be 'A' or 'B', got {self.tier!r}")


@attrs.frozen
class EntryFilled:
    """The entry order filled (the whole fill, as the exchange reports it); opens PRE_TP1."""

    side: PositionSide
    qty: Decimal = attrs.field(validator=_positive)
    avg_price: Decimal = attrs.field(validator=_positive)
    plan: TradePlan
    intent_id: str
    order_id: str = ""
    client_order_id: str = ""

    def __attrs_post_init__(self) -> None:
        plan = self.plan
        if self.side is PositionSide.NONE:
            raise InvalidIntent("an entry fill has a LONG or SHORT side")
        if plan.tp1_qty + plan.tp2_qty + plan.runner_qty != self.qty:
            raise InvalidIntent(f"plan sizes {plan.tp1_qty}+{plan.tp2_qty}+{plan.runner_qty} "
                                f"do not add up to the filled {self.qty}")
        check_levels(self.side, plan, low=self.avg_price, high=self.avg_price,
                     what=f"entry {self.avg_price}")


def check_levels(side: PositionSide, plan: TradePlan, *, low: Decimal, high: Decimal,
                 what: str) -> None:
    """Stop on the losing side of every price in [low, high], TP1 on the winning side, TP2 at
    or beyond TP1 (InvalidIntent otherwise). For a fill low = high = its price; before the
    entry is sent the range spans the mark, the book and a limit entry's price."""
    if side is PositionSide.LONG:
        ordered = plan.stop_price < low and high < plan.tp1_price <= plan.tp2_price
        relation = f"stop {plan.stop_price} < {what} < tp1 {plan.tp1_price} <= tp2"
    else:
        ordered = plan.stop_price > high and low > plan.tp1_price >= plan.tp2_price
        relation = f"stop {plan.stop_price} > {what} > tp1 {plan.tp1_price} >= tp2"
    if not ordered:
        raise InvalidIntent(f"{side.value} plan must order {relation} {plan.tp2_price}")


@attrs.frozen
class StopConfirmed:
    """The protective algo stop was seen among the exchange's open algo orders."""

    stop_price: Decimal = attrs.field(validator=_positive)
    algo_id: str
    client_algo_id: str
    working_type: str = "MARK_PRICE"


@attrs.frozen
class StopMoved:
    """A replacement stop was seen open (and the old one cancelled) at a new trigger price."""

    stop_price: Decimal = attrs.field(validator=_positive)
    algo_id: str
    client_algo_id: str
    working_type: str = "MARK_PRICE"


@attrs.frozen
class StopNotVisible:
    """A stop we placed did not show in open algo orders within the deadline (seed §7)."""

    client_algo_id: str
    reason: str


@attrs.frozen
class Tp1Filled:
    qty: Decimal = attrs.field(validator=_positive)
    price: Decimal = attrs.field(validator=_positive)
    order_id: str = ""
    client_order_id: str = ""


@attrs.frozen
class Tp2Filled:
    qty: Decimal = attrs.field(validator=_positive)
    price: Decimal = attrs.field(validator=_positive)
    order_id: str = ""
    client_order_id: str = ""


@attrs.frozen
class PositionReduced:
    """A ShockGuard de-risk order filled (it only ever sheds planned-runner contracts)."""

    qty: Decimal = attrs.field(validator=_positive)
    price: Decimal = attrs.field(validator=_positive)
    order_ids: tuple[str, ...] = ()
    client_ids: tuple[str, ...] = ()


@attrs.frozen
class MarginReduced:
    """A margin de-risk order filled: qty of the open position closed (runner allocation first,
    then TP2's, then TP1's)."""

    qty: Decimal = attrs.field(validator=_positive)
    price: Decimal = attrs.field(validator=_positive)
    order_ids: tuple[str, ...] = ()
    client_ids: tuple[str, ...] = ()


@attrs.frozen
class StopTriggered:
    qty: Decimal = attrs.field(validator=_positive)
    price: Decimal = attrs.field(validator=_positive)
    order_ids: tuple[str, ...] = ()
    client_ids: tuple[str, ...] = ()


@attrs.frozen
class RunnerClosed:
    qty: Decimal = attrs.field(validator=_positive)
    price: Decimal = attrs.field(validator=_positive)
    order_ids: tuple[str, ...] = ()
    client_ids: tuple[str, ...] = ()


@attrs.frozen
class EmergencyFlat:
    """The exchange shows the position flat after an emergency flatten; qty is what it closed."""

    qty: Decimal = attrs.field(validator=_not_negative)
    price: Decimal | None
    reason: str
    order_ids: tuple[str, ...] = ()
    client_ids: tuple[str, ...] = ()


@attrs.frozen
class OperatorClose:
    """The operator closed (part of) the position; qty and price are the exchange's fill."""

    qty: Decimal = attrs.field(validator=_positive)
    price: Decimal = attrs.field(validator=_positive)
    order_ids: tuple[str, ...] = ()
    client_ids: tuple[str, ...] = ()


@attrs.frozen
class BarClosed:
    """A bar closed; close_price is the mark (or last) close the runner rules look at."""

    close_price: Decimal = attrs.field(validator=_positive)
    regime: str | None = None


@attrs.frozen
class RegimeChanged:
    new_regime: str
    price: Decimal | None = None


PositionEvent = (EntryFilled | StopConfirmed | StopMoved | StopNotVisible | Tp1Filled
                 | Tp2Filled | PositionReduced | MarginReduced | StopTriggered | RunnerClosed
                 | EmergencyFlat | OperatorClose | BarClosed | RegimeChanged)
