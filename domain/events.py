"""What the position stage machine reacts to: facts observed at the exchange, plus bars and regimes.

A fill event is built by the application only from exchange evidence (a Fill, an order status,
a position snapshot); nothing here is an assumption that an order we sent did fill.
"""

from decimal import Decimal

import attrs

from domain.errors import InvalidIntent
from domain.numbers import ZERO, is_positive_finite
from domain.orders import PositionSide
from domain.plan import TradePlan, check_levels
from domain.regime import Regime


def _positive(_inst: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not is_positive_finite(value):
        raise InvalidIntent(f"{attribute.name} must be a finite Decimal > 0, got {value!r}")


def _not_negative(_inst: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < ZERO:
        raise InvalidIntent(f"{attribute.name} must be a finite Decimal >= 0, got {value!r}")


@attrs.frozen
class EntryFilled:
    """The entry order filled (the whole fill, as the exchange reports it); opens PRE_TP1.
    The plan is the one the operator sent, scaled to the fill (TradePlan.scaled_to)."""

    plan: TradePlan
    avg_price: Decimal = attrs.field(validator=_positive)
    order_id: str = ""
    client_order_id: str = ""

    def __attrs_post_init__(self) -> None:
        check_levels(self.plan, low=self.avg_price, high=self.avg_price,
                     what=f"entry {self.avg_price}")

    @property
    def side(self) -> PositionSide:
        return self.plan.side

    @property
    def qty(self) -> Decimal:
        return self.plan.qty

    @property
    def intent_id(self) -> str:
        return self.plan.intent_id


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
    regime: Regime | None = None


PositionEvent = (EntryFilled | StopConfirmed | StopMoved | StopNotVisible | Tp1Filled
                 | Tp2Filled | PositionReduced | MarginReduced | StopTriggered | RunnerClosed
                 | EmergencyFlat | OperatorClose | BarClosed)
