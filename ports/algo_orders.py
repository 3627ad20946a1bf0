"""AlgoOrders: conditional protective stops, the only stops there are (seed 001 §0.1, §1.4)."""

from typing import Protocol, runtime_checkable

from domain.algo import AlgoOrder, AlgoStopIntent
from ports.exchange_types import AlgoCancelResult, AlgoLookup, AlgoPlacement


@runtime_checkable
class AlgoOrders(Protocol):
    async def submit_algo_stop(self, intent: AlgoStopIntent) -> AlgoPlacement:
        """Place a reduce-only conditional stop, market on trigger."""
        ...

    async def cancel_algo(self, *, symbol: str, algo_id: str | None,
                          client_algo_id: str | None) -> AlgoCancelResult:
        """Cancel; an algo already triggered, canceled or missing is success once looked up."""
        ...

    async def get_open_algo_orders(self, symbol: str) -> tuple[AlgoOrder, ...]:
        """Armed conditional algo orders of one symbol (the visibility sentinel's source)."""
        ...

    async def get_algo_order(self, *, symbol: str, algo_id: str | None,
                             client_algo_id: str | None) -> AlgoLookup:
        """One algo order in any state; algo_order None when the venue shows none."""
        ...
