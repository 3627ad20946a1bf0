"""Events the exchange pushes (over WS in the OKX adapter) and how a consumer receives them."""

from decimal import Decimal
from typing import Protocol

import attrs

from domain.algo import AlgoOrder
from domain.evidence import EvidenceRef
from domain.orders import ExchangeTrade, OrderStatus
from ports.exchange_types import Kline, PositionSnapshot


@attrs.frozen
class OrderUpdate:
    status: OrderStatus
    trade: ExchangeTrade | None
    evidence: EvidenceRef


@attrs.frozen
class AlgoUpdate:
    algo_order: AlgoOrder
    evidence: EvidenceRef


@attrs.frozen
class PositionUpdate:
    snapshot: PositionSnapshot
    evidence: EvidenceRef


@attrs.frozen
class PriceUpdate:
    """kind is "last" (tickers channel) or "mark" (mark-price channel)."""

    inst_id: str
    kind: str
    price: Decimal
    ts_ms: int
    evidence: EvidenceRef


@attrs.frozen
class CandleUpdate:
    inst_id: str
    interval: str
    bar: Kline
    evidence: EvidenceRef


@attrs.frozen
class ResyncNeeded:
    """The stream had a gap (disconnect, refused login, dropped frames): reconcile through REST."""

    reason: str
    evidence: EvidenceRef | None


ExchangeEvent = (
    OrderUpdate | AlgoUpdate | PositionUpdate | PriceUpdate | CandleUpdate | ResyncNeeded
)


class EventSubscription(Protocol):
    """One consumer's queue of exchange events, in arrival order."""

    async def get(self, timeout: float) -> ExchangeEvent | None:
        """Next event, or None when timeout seconds pass without one."""
        ...

    async def next_event(self) -> ExchangeEvent:
        """Next event, however long it takes: for a wait another awaitable bounds (a read
        raced against a push). Cancelling the wait loses no event."""
        ...

    def close(self) -> None:
        """Stop receiving; events already queued are dropped."""
        ...
