"""ExchangeAdapter: seed 001 §1's whole surface, with the seed's names, as one class composed
of one venue's role implementations (ports/market.py, account.py, orders.py, algo_orders.py,
streams.py).

Use-cases never take it (tests/test_architecture.py): each takes only the roles it uses. It is
what the container selects per venue and the lifecycle opens and closes, and what a caller who
wants the seed's surface in one object uses. Its keyword `place_*` methods are the seed's
conveniences: each builds the domain intent (checked against the instrument's tick, lot and
minimum size, and a reduce-only order's side) and sends it down the one order path.
"""

from collections.abc import Awaitable, Callable
from decimal import Decimal

import attrs

from domain.algo import AlgoOrder, AlgoStopIntent, WorkingType
from domain.errors import InvalidIntent
from domain.instrument import InstrumentSpec
from domain.orders import OrderIntent, OrderStatus, OrdType, PositionSide, Side
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.exchange_events import EventSubscription
from ports.exchange_types import (
    AccountConfig,
    AlgoCancelResult,
    AlgoLookup,
    AlgoPlacement,
    Balances,
    CancelResult,
    DeadManSwitch,
    Equities,
    Equity,
    Executions,
    Fills,
    FundingRate,
    Instruments,
    Klines,
    Leverage,
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
from ports.market import MarketData
from ports.orders import Orders
from ports.streams import Streams

# the seed's time-in-force names
TIF_ORD_TYPE = {"post_only": OrdType.POST_ONLY, "gtc": OrdType.LIMIT, "ioc": OrdType.IOC,
                "fok": OrdType.FOK}

Closer = Callable[[], Awaitable[None]]


@attrs.define
class ExchangeAdapter:
    market: MarketData
    account: Account
    orders: Orders
    algos: AlgoOrders
    streams: Streams
    # run in order by aclose(): what the venue's parts hold open (streams, HTTP pools)
    closers: tuple[Closer, ...] = ()
    _specs: dict[str, InstrumentSpec] = attrs.field(factory=dict, init=False)

    @property
    def account_wide_cost(self) -> int:
        return max(self.orders.account_wide_cost, self.algos.account_wide_cost)

    async def aclose(self) -> None:
        for close in self.closers:
            await close()

    async def __aenter__(self) -> "ExchangeAdapter":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def instrument(self, symbol: str) -> InstrumentSpec:
        """The venue's rules for symbol (read once); InvalidIntent when it is not listed."""
        if symbol not in self._specs:
            found = await self.market.get_instruments()
            self._specs.update({i.inst_id: i for i in found.instruments})
            if symbol not in self._specs:
                raise InvalidIntent(found.missing(symbol))
        return self._specs[symbol]

    # --- seed 001 §1.1 connection and market data
    async def ws_start(self) -> None:
        await self.streams.ws_start()

    async def ws_stop(self) -> None:
        await self.streams.ws_stop()

    def subscribe(self) -> EventSubscription:
        return self.streams.subscribe()

    async def get_kline(self, symbol: str, interval: str, limit: int) -> Klines:
        return await self.market.get_kline(symbol, interval, limit)

    async def get_mark_klines(self, symbol: str, *, start_ms: int, end_ms: int) -> Klines:
        return await self.market.get_mark_klines(symbol, start_ms=start_ms, end_ms=end_ms)

    async def get_mark_price(self, symbol: str) -> PriceReading:
        return await self.market.get_mark_price(symbol)

    async def get_mark_prices(self) -> tuple[PriceReading, ...]:
        return await self.market.get_mark_prices()

    async def get_last_price(self, symbol: str) -> PriceReading:
        return await self.market.get_last_price(symbol)

    async def get_funding_rate(self, symbol: str) -> FundingRate:
        return await self.market.get_funding_rate(symbol)

    async def get_open_interest(self, symbol: str) -> OpenInterest:
        return await self.market.get_open_interest(symbol)

    # --- seed 001 §1.2 account and positions
    async def get_balances(self) -> Balances:
        return await self.account.get_balances()

    async def get_positions(self) -> Positions:
        return await self.account.get_positions()

    async def get_leverage(self, symbol: str) -> Leverage:
        return await self.account.get_leverage(symbol)

    async def set_leverage(self, symbol: str, leverage: int) -> SettingApplied:
        return await self.account.set_leverage(symbol, leverage)

    async def set_position_mode_one_way(self) -> SettingApplied:
        return await self.account.set_position_mode_one_way()

    # --- seed 001 §1.3 regular orders (conveniences that build the intent)
    async def place_limit_postonly(self, *, symbol: str, side: Side, qty: Decimal,
                                   price: Decimal, tif: str, reduce_only: bool,
                                   client_order_id: str) -> OrderPlacement:
        """A limit order; tif "post_only" (maker only), "gtc", "ioc" or "fok"."""
        if tif not in TIF_ORD_TYPE:
            raise InvalidIntent(f"tif must be one of {sorted(TIF_ORD_TYPE)}, got {tif!r}")
        intent = _intent(await self.instrument(symbol), side, TIF_ORD_TYPE[tif], qty, price,
                         reduce_only, client_order_id)
        return await self.orders.submit_order(intent)

    async def place_market(self, *, symbol: str, side: Side, qty: Decimal,
                           reduce_only: bool, client_order_id: str) -> OrderPlacement:
        """A market order."""
        intent = _intent(await self.instrument(symbol), side, OrdType.MARKET, qty, None,
                         reduce_only, client_order_id)
        return await self.orders.submit_order(intent)

    async def cancel_order(self, *, symbol: str, order_id: str | None,
                           client_order_id: str | None) -> CancelResult:
        return await self.orders.cancel_order(symbol=symbol, order_id=order_id,
                                              client_order_id=client_order_id)

    async def get_open_orders(self, symbol: str) -> tuple[OrderStatus, ...]:
        return await self.orders.get_open_orders(symbol)

    async def get_all_open_orders(self) -> tuple[OrderStatus, ...]:
        return await self.orders.get_all_open_orders()

    # --- seed 001 §1.4 algo conditional orders
    async def place_algo_stop(self, *, symbol: str, side: Side, qty: Decimal | None,
                              stop_price: Decimal, reduce_only: bool, client_algo_id: str,
                              working_type: str, close_position: bool = False
                              ) -> AlgoPlacement:
        """A conditional stop, market on trigger, sized qty or closing the whole position."""
        if working_type not in WorkingType.__members__:
            raise InvalidIntent(f"working_type must be one of {list(WorkingType.__members__)}")
        intent = AlgoStopIntent(await self.instrument(symbol), side, qty, stop_price,
                                client_algo_id, WorkingType[working_type], reduce_only,
                                close_position)
        return await self.algos.submit_algo_stop(intent)

    async def cancel_algo(self, *, symbol: str, algo_id: str | None,
                          client_algo_id: str | None) -> AlgoCancelResult:
        return await self.algos.cancel_algo(symbol=symbol, algo_id=algo_id,
                                            client_algo_id=client_algo_id)

    async def get_open_algo_orders(self, symbol: str) -> tuple[AlgoOrder, ...]:
        return await self.algos.get_open_algo_orders(symbol)

    async def get_all_open_algo_orders(self) -> tuple[AlgoOrder, ...]:
        return await self.algos.get_all_open_algo_orders()

    async def get_algo_order(self, *, symbol: str, algo_id: str | None,
                             client_algo_id: str | None) -> AlgoLookup:
        return await self.algos.get_algo_order(symbol=symbol, algo_id=algo_id,
                                               client_algo_id=client_algo_id)

    # --- seed 000 §3 contracted calls
    async def get_instruments(self) -> Instruments:
        return await self.market.get_instruments()

    async def get_instrument(self, symbol: str) -> Instruments:
        return await self.market.get_instrument(symbol)

    async def get_ticker(self, symbol: str) -> Ticker:
        return await self.market.get_ticker(symbol)

    async def get_price_limit(self, symbol: str) -> PriceLimit:
        return await self.market.get_price_limit(symbol)

    async def get_server_time(self) -> ServerTime:
        return await self.market.get_server_time()

    async def get_account_config(self) -> AccountConfig:
        return await self.account.get_account_config()

    async def get_balance_equity(self, ccy: str) -> Equity:
        return await self.account.get_balance_equity(ccy)

    async def get_equities(self) -> Equities:
        return await self.account.get_equities()

    async def submit_order(self, intent: OrderIntent) -> OrderPlacement:
        return await self.orders.submit_order(intent)

    async def submit_algo_stop(self, intent: AlgoStopIntent) -> AlgoPlacement:
        return await self.algos.submit_algo_stop(intent)

    async def get_order_status(self, *, symbol: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        return await self.orders.get_order_status(symbol=symbol, order_id=order_id,
                                                  client_order_id=client_order_id)

    async def get_fills(self, *, symbol: str, order_id: str) -> Fills:
        return await self.orders.get_fills(symbol=symbol, order_id=order_id)

    async def get_executions(self, *, symbol: str, since_ms: int) -> Executions:
        return await self.orders.get_executions(symbol=symbol, since_ms=since_ms)

    async def arm_dead_man(self, *, symbols: tuple[str, ...], timeout_s: int) -> DeadManSwitch:
        return await self.orders.arm_dead_man(symbols=symbols, timeout_s=timeout_s)


def _intent(spec: InstrumentSpec, side: Side, kind: OrdType, qty: Decimal,
            price: Decimal | None, reduce_only: bool, cid: str) -> OrderIntent:
    if reduce_only:  # the seed's reduce-only flag: the order closes the position its side exits
        return OrderIntent.closing(spec, PositionSide.closed_by(side), kind, qty, price, cid)
    return OrderIntent(spec, side, kind, qty, price, False, cid)


__all__ = ["ExchangeAdapter", "PositionSnapshot"]
