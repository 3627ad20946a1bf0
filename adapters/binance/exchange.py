"""BinanceExchange: ports.exchange.ExchangeAdapter over Binance USDⓈ-M REST and streams."""

import random
from collections.abc import Callable
from decimal import Decimal
from types import TracebackType

import httpx

from adapters.binance.account import BinanceAccount
from adapters.binance.algos import BinanceAlgos
from adapters.binance.config import BinanceConfig
from adapters.binance.credentials import BinanceCredentials
from adapters.binance.market import BinanceMarket
from adapters.binance.rest import BinanceRest
from adapters.binance.trading import BinanceTrading
from adapters.binance.ws import BinanceStreams
from adapters.common.hub import EventHub
from domain.algo import AlgoOrder, AlgoStopIntent
from domain.orders import OrderIntent, OrderStatus, Side
from ports.clock import Clock
from ports.evidence import EvidenceSink
from ports.exchange_events import EventSubscription
from ports.exchange_types import (
    AccountConfig,
    AlgoCancelResult,
    AlgoLookup,
    AlgoPlacement,
    Balances,
    CancelResult,
    Equity,
    Executions,
    Fills,
    FundingRate,
    Instruments,
    Klines,
    OpenInterest,
    OrderLookup,
    OrderPlacement,
    Positions,
    PriceLimit,
    PriceReading,
    ServerTime,
    SettingApplied,
    Ticker,
)


class BinanceExchange:
    """Build it synchronously (no I/O in the constructor); connect streams with ws_start();
    release everything with aclose(). transport and rng exist for tests."""

    def __init__(self, config: BinanceConfig, credentials: BinanceCredentials, clock: Clock,
                 evidence: EvidenceSink, *, transport: httpx.AsyncBaseTransport | None = None,
                 rng: Callable[[], float] | None = None) -> None:
        jitter = rng or random.Random().random
        self.config = config
        self.rest = BinanceRest(config, credentials, clock, evidence, transport=transport,
                                rng=jitter)
        self._market = BinanceMarket(self.rest)
        self._account = BinanceAccount(self.rest, config)
        self._trading = BinanceTrading(self.rest, self._account)
        self._algos = BinanceAlgos(self.rest, self._account, self._market, config)
        self._hub = EventHub(clock, config.ws_queue_size)
        self.streams = BinanceStreams(config, self.rest, clock, evidence, self._hub, jitter)

    async def aclose(self) -> None:
        """Stop the streams and close the HTTP connection pool."""
        await self.streams.stop()
        await self.rest.aclose()

    async def __aenter__(self) -> "BinanceExchange":
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    # --- streams
    async def ws_start(self) -> None:
        await self.streams.start()

    async def ws_stop(self) -> None:
        await self.streams.stop()

    def subscribe(self) -> EventSubscription:
        return self._hub.subscribe()

    # --- market data
    async def get_kline(self, symbol: str, interval: str, limit: int) -> Klines:
        return await self._market.get_kline(symbol, interval, limit)

    async def get_mark_price(self, symbol: str) -> PriceReading:
        return await self._market.get_mark_price(symbol)

    async def get_last_price(self, symbol: str) -> PriceReading:
        return await self._market.get_last_price(symbol)

    async def get_funding_rate(self, symbol: str) -> FundingRate:
        return await self._market.get_funding_rate(symbol)

    async def get_open_interest(self, symbol: str) -> OpenInterest:
        return await self._market.get_open_interest(symbol)

    async def get_instruments(self, inst_type: str) -> Instruments:
        return await self._market.get_instruments(inst_type)

    async def get_ticker(self, inst_id: str) -> Ticker:
        return await self._market.get_ticker(inst_id)

    async def get_price_limit(self, inst_id: str) -> PriceLimit:
        return await self._market.get_price_limit(inst_id)

    async def get_server_time(self) -> ServerTime:
        return await self._market.get_server_time()

    # --- account
    async def get_balances(self) -> Balances:
        return await self._account.get_balances()

    async def get_balance_equity(self, ccy: str) -> Equity:
        return await self._account.get_balance_equity(ccy)

    async def get_positions(self) -> Positions:
        return await self._account.get_positions()

    async def get_account_config(self) -> AccountConfig:
        return await self._account.get_account_config()

    async def set_leverage(self, symbol: str, leverage: int) -> SettingApplied:
        return await self._account.set_leverage(symbol, leverage)

    async def set_position_mode_one_way(self) -> SettingApplied:
        return await self._account.set_position_mode_one_way()

    # --- regular orders
    async def place_limit_postonly(self, *, symbol: str, side: Side, qty: Decimal,
                                   price: Decimal, tif: str, reduce_only: bool,
                                   client_order_id: str) -> OrderPlacement:
        return await self._trading.place_limit(symbol=symbol, side=side, qty=qty, price=price,
                                               tif=tif, reduce_only=reduce_only,
                                               client_order_id=client_order_id)

    async def place_market(self, *, symbol: str, side: Side, qty: Decimal,
                           reduce_only: bool, client_order_id: str) -> OrderPlacement:
        return await self._trading.place_market(symbol=symbol, side=side, qty=qty,
                                                reduce_only=reduce_only,
                                                client_order_id=client_order_id)

    async def submit_order(self, intent: OrderIntent) -> OrderPlacement:
        return await self._trading.submit(intent)

    async def cancel_order(self, *, symbol: str, order_id: str | None,
                           client_order_id: str | None) -> CancelResult:
        return await self._trading.cancel(symbol=symbol, order_id=order_id,
                                          client_order_id=client_order_id)

    async def get_open_orders(self, symbol: str) -> tuple[OrderStatus, ...]:
        return await self._trading.get_open_orders(symbol)

    async def get_order_status(self, *, symbol: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        return await self._trading.get_order_status(inst_id=symbol, order_id=order_id,
                                                    client_order_id=client_order_id)

    async def get_fills(self, *, symbol: str, order_id: str) -> Fills:
        return await self._trading.get_fills(inst_id=symbol, order_id=order_id)

    async def get_executions(self, *, symbol: str, since_ms: int) -> Executions:
        return await self._trading.get_executions(inst_id=symbol, since_ms=since_ms)

    # --- algo stops
    async def place_algo_stop(self, *, symbol: str, side: Side, qty: Decimal | None,
                              stop_price: Decimal, reduce_only: bool, client_algo_id: str,
                              working_type: str, close_position: bool = False
                              ) -> AlgoPlacement:
        return await self._algos.place_stop(
            symbol=symbol, side=side, qty=qty, stop_price=stop_price, reduce_only=reduce_only,
            client_algo_id=client_algo_id, working_type=working_type,
            close_position=close_position)

    async def submit_algo_stop(self, intent: AlgoStopIntent) -> AlgoPlacement:
        return await self._algos.submit_stop(intent)

    async def cancel_algo(self, *, symbol: str, algo_id: str | None,
                          client_algo_id: str | None) -> AlgoCancelResult:
        return await self._algos.cancel(symbol=symbol, algo_id=algo_id,
                                        client_algo_id=client_algo_id)

    async def get_open_algo_orders(self, symbol: str) -> tuple[AlgoOrder, ...]:
        return await self._algos.get_open_algo_orders(symbol)

    async def get_algo_order(self, *, symbol: str, algo_id: str | None,
                             client_algo_id: str | None) -> AlgoLookup:
        return await self._algos.get_algo_order(symbol=symbol, algo_id=algo_id,
                                                client_algo_id=client_algo_id)
