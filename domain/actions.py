"""What the pure rules ask the application to do. The application performs each action against
the exchange and feeds back what it then observes as an event (domain/events.py).

Every order action carries the intent id its client ids derive from (domain/ids.py), the order
side to send (the exit side of the position), a size in contracts on the lot grid and, where it
has one, a price on the tick grid, so it can be performed even after the position state reset.
"""

import enum
from decimal import Decimal

import attrs

from domain.errors import InvalidIntent
from domain.logs import RegimeShiftLog, RiskEvent
from domain.numbers import is_positive_finite
from domain.orders import PositionSide, Side


def _positive(_inst: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not is_positive_finite(value):
        raise InvalidIntent(f"{attribute.name} must be a finite Decimal > 0, got {value!r}")


class CooldownKind(enum.Enum):
    """The five locks of the open gate (seed §4)."""

    LOSS = "loss"
    TEMPLATE = "template"
    FREEZE = "freeze"
    SHOCK = "shock"
    B_BLACKLIST = "b_blacklist"


class TakeProfit(enum.Enum):
    TP1 = "TP1"
    TP2 = "TP2"


class ExitMethod(enum.Enum):
    """LIMIT_THEN_MARKET: reduce-only limit first, market if it does not fill (seed §5).
    MARKET: reduce-only market at once, for exits that must not wait (SHOCK/CHOP, seed §3)."""

    LIMIT_THEN_MARKET = "LIMIT_THEN_MARKET"
    MARKET = "MARKET"


@attrs.frozen
class PlaceProtection:
    """Place the reduce-only algo stop, then confirm it visible (StopConfirmed/StopNotVisible)."""

    symbol: str
    intent_id: str
    side: Side
    qty: Decimal = attrs.field(validator=_positive)
    stop_price: Decimal = attrs.field(validator=_positive)
    reason: str = ""


@attrs.frozen
class ReplaceProtection:
    """Place a stop at stop_price for qty, confirm it, then cancel the old one (StopMoved).
    Empty old ids mean there is no confirmed stop to cancel."""

    symbol: str
    intent_id: str
    side: Side
    qty: Decimal = attrs.field(validator=_positive)
    stop_price: Decimal = attrs.field(validator=_positive)
    old_algo_id: str
    old_client_algo_id: str
    reason: str = ""


@attrs.frozen
class CancelProtection:
    """Cancel the stop of a position that is flat (cancelling a missing algo is success)."""

    symbol: str
    intent_id: str
    algo_id: str
    client_algo_id: str
    reason: str = ""


@attrs.frozen
class PlaceTakeProfit:
    """A reduce-only limit order at a planned target."""

    symbol: str
    intent_id: str
    which: TakeProfit
    side: Side
    qty: Decimal = attrs.field(validator=_positive)
    price: Decimal = attrs.field(validator=_positive)


@attrs.frozen
class CancelTakeProfits:
    """Cancel whatever take-profit orders of the position still rest (missing is success)."""

    symbol: str
    intent_id: str
    reason: str = ""


@attrs.frozen
class CloseRunner:
    """Close the runner reduce-only; the fill comes back as RunnerClosed."""

    symbol: str
    intent_id: str
    side: Side
    qty: Decimal = attrs.field(validator=_positive)
    method: ExitMethod
    reason: str


@attrs.frozen
class EmergencyFlatten:
    """P0: close the whole position reduce-only at market (seed §0.2, §7)."""

    symbol: str
    intent_id: str
    position_side: PositionSide
    qty: Decimal = attrs.field(validator=_positive)
    reason: str

    @property
    def side(self) -> Side:
        return self.position_side.exit_side


@attrs.frozen
class DeRisk:
    """Shed qty reduce-only at market (ShockGuard); the fill comes back as PositionReduced."""

    symbol: str
    intent_id: str
    side: Side
    qty: Decimal = attrs.field(validator=_positive)
    reason: str


@attrs.frozen
class MarginDeRisk:
    """Shed qty reduce-only at market because margin used / equity is too high (playbook
    step 1); the fill comes back as MarginReduced. Unlike DeRisk it may cut into the TPs."""

    symbol: str
    intent_id: str
    side: Side
    qty: Decimal = attrs.field(validator=_positive)
    reason: str


@attrs.frozen
class SetCooldown:
    """Lock new entries until `until` (epoch s). Applying it never shortens an existing lock."""

    kind: CooldownKind
    until: int
    reason: str = ""
    # the template a TEMPLATE lock binds ("" for the other kinds)
    template: str = ""


@attrs.frozen
class EmitRiskEvent:
    """Write event. collect_orders: the event's order_ids/client_ids are the orders the actions
    before it in the same decision placed; the performer fills them in before writing (and
    says why in no_orders_reason when those actions placed none)."""

    event: RiskEvent
    collect_orders: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.collect_orders and not self.event.accounted:
            raise InvalidIntent(f"{self.event.event_type.value} event lists no order, is not "
                                "to collect any, and gives no no_orders_reason")


@attrs.frozen
class EmitRegimeShiftLog:
    log: RegimeShiftLog


Action = (PlaceProtection | ReplaceProtection | CancelProtection | PlaceTakeProfit
          | CancelTakeProfits | CloseRunner | EmergencyFlatten | DeRisk | MarginDeRisk
          | SetCooldown | EmitRiskEvent | EmitRegimeShiftLog)
