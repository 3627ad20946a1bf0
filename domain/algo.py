"""Algo conditional orders: the only kind of protective stop the engine places (seed 001 §0.1)."""

import enum
from decimal import Decimal

import attrs

from domain.errors import InvalidIntent
from domain.evidence import EvidenceRef
from domain.instrument import InstrumentSpec
from domain.numbers import is_multiple, is_positive_finite
from domain.orders import Side, validate_client_id


class WorkingType(enum.Enum):
    """Which price triggers the stop; seed names, mapped to OKX's last|index|mark."""

    MARK_PRICE = "MARK_PRICE"
    LAST_PRICE = "LAST_PRICE"
    INDEX_PRICE = "INDEX_PRICE"


class AlgoState(enum.Enum):
    LIVE = "live"
    PAUSE = "pause"
    PARTIALLY_EFFECTIVE = "partially_effective"
    EFFECTIVE = "effective"
    CANCELED = "canceled"
    ORDER_FAILED = "order_failed"
    PARTIALLY_FAILED = "partially_failed"

    @property
    def is_open(self) -> bool:
        """Still armed at the exchange (what orders-algo-pending lists)."""
        return self in (AlgoState.LIVE, AlgoState.PAUSE, AlgoState.PARTIALLY_EFFECTIVE)


@attrs.frozen
class AlgoStopIntent:
    """A reduce-only conditional stop with a market order on trigger (slOrdPx -1)."""

    instrument: InstrumentSpec
    side: Side
    size: Decimal | None
    stop_price: Decimal
    client_algo_id: str
    working_type: WorkingType = WorkingType.MARK_PRICE
    reduce_only: bool = True
    close_position: bool = False

    def __attrs_post_init__(self) -> None:
        spec = self.instrument
        if not isinstance(self.stop_price, Decimal) or not is_positive_finite(self.stop_price):
            raise InvalidIntent(f"stop price must be a finite Decimal > 0: {self.stop_price!r}")
        if not is_multiple(self.stop_price, spec.tick_sz):
            raise InvalidIntent(f"stop price {self.stop_price} is not a multiple of {spec.tick_sz}")
        if self.close_position:
            if self.size is not None:
                raise InvalidIntent("a close-position stop carries no size (closeFraction 1)")
        elif self.size is None or not is_positive_finite(self.size):
            raise InvalidIntent(f"stop size must be a finite Decimal > 0, got {self.size!r}")
        elif not is_multiple(self.size, spec.lot_sz) or self.size < spec.min_sz:
            raise InvalidIntent(f"stop size {self.size} violates lotSz/minSz of {spec.inst_id}")
        if not self.reduce_only:
            raise InvalidIntent("a protective stop must be reduce-only")
        validate_client_id(self.client_algo_id)

    @property
    def inst_id(self) -> str:
        return self.instrument.inst_id


@attrs.frozen
class AlgoOrder:
    """One observation of an algo order at the exchange."""

    inst_id: str
    algo_id: str
    client_algo_id: str
    state: AlgoState
    side: Side
    size: Decimal | None
    close_position: bool
    stop_price: Decimal | None
    working_type: WorkingType
    reduce_only: bool
    updated_ms: int
    evidence: EvidenceRef | None = None
    # the order the exchange placed when the stop triggered (Binance actualOrderId); "" until
    # then, or where the venue's answer does not name it
    child_order_id: str = ""
