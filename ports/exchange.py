"""ExchangeAdapter: every exchange call the engine makes (seed 001 §1, seed 000 §3).

Names and keyword parameters follow seed 001 §1; sizes are contracts, prices Decimal.
Reads raise ports.errors on failure (never an empty list for "could not ask");
writes return a result whose outcome is Accepted, Rejected or Unknown.
"""

from decimal import Decimal
from typing import Protocol, runtime_checkable

from domain.algo import AlgoOrder, AlgoStopIntent
from domain.orders import OrderIntent, OrderStatus, Side
from ports.exchange_events import EventSubscription
from ports.exchange_types import (
    AccountConfig,
    AlgoCancelResult,
    AlgoLookup,
    AlgoPlacement,
    Balances,
    CancelResult,
    Equity,
    Fills,
    FundingRate,
    Instruments,
    Klines,
    OpenInterest,
    OrderLookup,
    OrderPlacement,
    Positions,
    PositionSnapshot,
    PriceLimit,
    PriceReading,
    ServerTime,
    SettingApplied,
    Ticker,
)


@runtime_checkable
class ExchangeAdapter(Protocol):
    # --- seed 001 §1.1 connection and market data
    async def ws_start(self) -> None:
        """Connect the streams (orders, positions, account, algos, prices); reconnect on loss."""
        ...

    async def ws_stop(self) -> None:
        """Close the streams."""
        ...

    def subscribe(self) -> EventSubscription:
        """A new queue receiving every exchange event from now on."""
        ...

    async def get_kline(self, symbol: str, interval: str, limit: int) -> Klines:
        """Bars oldest first; each has open_time, open, high, low, close, volume, close_time."""
        ...

    async def get_mark_price(self, symbol: str) -> PriceReading:
        """The mark price, which protective stops trigger on (working_type MARK_PRICE)."""
        ...

    async def get_last_price(self, symbol: str) -> PriceReading:
        """The last traded price (from the ticker)."""
        ...

    async def get_funding_rate(self, symbol: str) -> FundingRate:
        """The current funding rate."""
        ...

    async def get_open_interest(self, symbol: str) -> OpenInterest:
        """Open interest in contracts and coin."""
        ...

    # --- seed 001 §1.2 account and positions
    async def get_balances(self) -> Balances:
        """total_equity, available_balance, margin_used in the settlement currency."""
        ...

    async def get_positions(self) -> Positions:
        """Every non-flat position by symbol."""
        ...

    async def set_leverage(self, symbol: str, leverage: int) -> SettingApplied:
        """Set the cross leverage of one contract."""
        ...

    async def set_position_mode_one_way(self) -> SettingApplied:
        """Switch the account to net (one-way) mode; rejected while positions/orders exist."""
        ...

    # --- seed 001 §1.3 regular orders
    async def place_limit_postonly(self, *, symbol: str, side: Side, qty: Decimal,
                                   price: Decimal, tif: str, reduce_only: bool,
                                   client_order_id: str) -> OrderPlacement:
        """A limit order; tif "post_only" (maker only), "gtc", "ioc" or "fok"."""
        ...

    async def place_market(self, *, symbol: str, side: Side, qty: Decimal,
                           reduce_only: bool, client_order_id: str) -> OrderPlacement:
        """A market order; the emergency flatten path."""
        ...

    async def cancel_order(self, *, symbol: str, order_id: str | None,
                           client_order_id: str | None) -> CancelResult:
        """Cancel; an order already gone is success only once a lookup proves it is not live."""
        ...

    async def get_open_orders(self, symbol: str) -> tuple[OrderStatus, ...]:
        """Live and partially filled orders of one symbol."""
        ...

    # --- seed 001 §1.4 algo conditional orders (protection goes only through these)
    async def place_algo_stop(self, *, symbol: str, side: Side, qty: Decimal | None,
                              stop_price: Decimal, reduce_only: bool, client_algo_id: str,
                              working_type: str, close_position: bool = False) -> AlgoPlacement:
        """A conditional stop with a market order on trigger."""
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
        """One algo order in any state; algo_order None when it does not exist."""
        ...

    # --- seed 000 §3 contracted calls
    async def get_instruments(self, inst_type: str) -> Instruments:
        """Every instrument of a type, whatever its state."""
        ...

    async def get_ticker(self, inst_id: str) -> Ticker:
        """Last, bid and ask."""
        ...

    async def get_price_limit(self, inst_id: str) -> PriceLimit:
        """The band a limit order's price must stay within."""
        ...

    async def get_server_time(self) -> ServerTime:
        """The exchange clock, for skew checks."""
        ...

    async def get_account_config(self) -> AccountConfig:
        """Position mode, account level and key permissions."""
        ...

    async def get_balance_equity(self, ccy: str) -> Equity:
        """The equity of one currency, with the field it was read from."""
        ...

    async def submit_order(self, intent: OrderIntent) -> OrderPlacement:
        """Place a validated intent."""
        ...

    async def submit_algo_stop(self, intent: AlgoStopIntent) -> AlgoPlacement:
        """Place a validated protective stop intent."""
        ...

    async def get_order_status(self, *, inst_id: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        """One order by ordId (preferred) or clOrdId; status None if the exchange has none."""
        ...

    async def get_fills(self, *, inst_id: str, order_id: str) -> Fills:
        """Executions of one order."""
        ...


__all__ = ["ExchangeAdapter", "PositionSnapshot"]
