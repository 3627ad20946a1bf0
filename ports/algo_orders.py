"""AlgoOrders: conditional protective stops, the only stops there are (seed 001 §0.1, §1.4)."""

from typing import Protocol

from domain.algo import AlgoOrder, AlgoStopIntent
from ports.exchange_types import AlgoCancelResult, AlgoLookup, AlgoPlacement


class AlgoOrders(Protocol):
    @property
    def account_wide_cost(self) -> int:
        """What one account-wide open-list read costs at the venue's rate limits, counted in
        one-symbol reads (OKX 1: the same bucket; Binance 40: its weight): the engine reads
        account-wide for that many symbols waiting at once, or more."""
        ...

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

    async def get_all_open_algo_orders(self) -> tuple[AlgoOrder, ...]:
        """Armed conditional algo orders of every symbol, in one read (or the venue's few
        pages); each names its symbol."""
        ...

    async def get_algo_order(self, *, symbol: str, algo_id: str | None,
                             client_algo_id: str | None) -> AlgoLookup:
        """One algo order in any state; algo_order None when the venue shows none."""
        ...
