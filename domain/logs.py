"""The log contract of seed 001 §8, as types the state store appends to its event log."""

import enum
from decimal import Decimal

import attrs

from domain.errors import DomainError
from domain.orders import PositionSide
from domain.regime import Regime


class GateVerdict(enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"


@attrs.frozen
class GateResult:
    name: str
    verdict: GateVerdict
    reason: str = ""


class CandidateAction(enum.Enum):
    OPEN = "OPEN"
    REJECT = "REJECT"


@attrs.frozen
class CandidateEvaluation:
    """Written for every candidate the engine evaluates, opened or not."""

    ts: int
    symbol: str
    regime: Regime
    template: str
    gates: tuple[GateResult, ...]
    base_score: float
    penalties: tuple[tuple[str, float], ...]
    final_score: float
    action: CandidateAction
    reject_reason: str = ""


class RiskEventType(enum.Enum):
    LOSS_COOLDOWN = "LOSS_COOLDOWN"
    REGIME_SHIFT = "REGIME_SHIFT"
    RUNNER_EXIT = "RUNNER_EXIT"
    SL_RECOVER = "SL_RECOVER"
    EMERGENCY_FLAT = "EMERGENCY_FLAT"


@attrs.frozen
class RiskEvent:
    """Written for every key risk action."""

    ts: int
    event_type: RiskEventType
    symbol: str
    side: PositionSide
    qty: Decimal
    price: Decimal | None
    order_ids: tuple[str, ...]
    client_ids: tuple[str, ...]
    reason: str
    # extension: why order_ids and client_ids are empty (the action placed no order)
    no_orders_reason: str = ""

    @property
    def accounted(self) -> bool:
        """It lists the orders it caused, or says why there are none (seed §8)."""
        return bool(self.order_ids or self.client_ids or self.no_orders_reason)

    def with_orders(self, order_ids: tuple[str, ...], client_ids: tuple[str, ...],
                    none_reason: str) -> "RiskEvent":
        """The event listing the orders it caused; none_reason is used only when there are none
        and must then say why."""
        if order_ids or client_ids:
            return attrs.evolve(self, order_ids=order_ids, client_ids=client_ids,
                                no_orders_reason="")
        if not none_reason:
            raise DomainError(f"{self.event_type.value} placed no order and says not why")
        return attrs.evolve(self, order_ids=(), client_ids=(), no_orders_reason=none_reason)


@attrs.frozen
class RegimeShiftLog:
    """The regime_shift_log event closing the playbook (seed 001 §6 step 4)."""

    ts: int
    symbol: str
    old_regime: Regime
    new_regime: Regime
    steps: tuple[str, ...]
    cooldown_until_shock: int
    cooldown_until_freeze: int


@attrs.frozen
class IncidentRecord:
    """Extension: an operator's halt or resume (seed 000 §6 STOP), with every order it touched
    and whatever could not be confirmed at the exchange."""

    ts: int
    incident_id: str
    action: str                      # HALT | RESUME
    who: str
    reason: str
    until: int                       # the freeze's end (domain/incident.FOREVER: until resume)
    symbols: tuple[str, ...]
    touched: tuple[str, ...]         # "<what> <symbol> <id>: <outcome>", in the order done
    unconfirmed: tuple[str, ...] = ()


LogEvent = CandidateEvaluation | RiskEvent | RegimeShiftLog | IncidentRecord
