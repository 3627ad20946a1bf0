"""Orders: regular orders, placed only as validated intents (seed 001 §1.3, seed 000 §3.3)."""

from typing import Protocol

from domain.orders import OrderIntent, OrderStatus
from ports.exchange_types import (
    CancelResult,
    DeadManSwitch,
    Executions,
    Fills,
    OrderLookup,
    OrderPlacement,
)


class Orders(Protocol):
    @property
    def account_wide_cost(self) -> int:
        """What one account-wide open-list read costs at the venue's rate limits, counted in
        one-symbol reads (OKX 1: the same bucket; Binance 40: its weight): the engine reads
        account-wide for that many symbols waiting at once, or more."""
        ...

    async def submit_order(self, intent: OrderIntent) -> OrderPlacement:
        """Place an intent (already checked against the instrument); never raises for a refusal
        or a lost answer: the outcome says Accepted, Rejected or Unknown."""
        ...

    async def cancel_order(self, *, symbol: str, order_id: str | None,
                           client_order_id: str | None) -> CancelResult:
        """Cancel; an order already gone is success only once a lookup proves it is not live."""
        ...

    async def get_order_status(self, *, symbol: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        """One order by venue id (preferred) or client id; status None if the venue has none."""
        ...

    async def get_open_orders(self, symbol: str) -> tuple[OrderStatus, ...]:
        """Live and partially filled orders of one symbol."""
        ...

    async def get_all_open_orders(self) -> tuple[OrderStatus, ...]:
        """Live and partially filled orders of every symbol, in one read (or the venue's few
        pages); each names its symbol."""
        ...

    async def get_fills(self, *, symbol: str, order_id: str) -> Fills:
        """Executions of one order."""
        ...

    async def get_executions(self, *, symbol: str, since_ms: int) -> Executions:
        """Every execution of ours on symbol from since_ms on, with fees (the trade ledger
        of health_roll and exec_quality_roll reads a whole trade from it)."""
        ...

    async def arm_dead_man(self, *, symbols: tuple[str, ...], timeout_s: int) -> DeadManSwitch:
        """(Re)start the exchange's countdown that cancels our resting orders (not algo stops)
        unless armed again within timeout_s; timeout_s 0 disarms it."""
        ...
