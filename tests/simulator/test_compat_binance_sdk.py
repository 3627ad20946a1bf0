"""Compatibility: Binance's official `binance-sdk-derivatives-trading-usds-futures`, unmodified,
pointed at the simulator's Binance face: a REST session and its own WebSocket client
receiving order and algo events on a listen key."""

import asyncio
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from binance_common.configuration import ConfigurationRestAPI, ConfigurationWebSocketStreams
from binance_common.errors import BadRequestError
from binance_sdk_derivatives_trading_usds_futures.derivatives_trading_usds_futures import (
    DerivativesTradingUsdsFutures,
)
from binance_sdk_derivatives_trading_usds_futures.rest_api.models import enums

from simulator.embedded import EmbeddedSimulator

SYMBOL = "BTCUSDC"


@pytest.fixture(scope="module")
def sdk_sim() -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(api_key="sdk-key", secret="sdk-secret", exchange="binance",
                           price_walk=False) as sim:
        sim.set_price(SYMBOL, Decimal(30000))
        yield sim


def client(sim: EmbeddedSimulator) -> DerivativesTradingUsdsFutures:
    # the SDK retries GET/DELETE 3 times with a 1 s timeout by default: make both explicit
    rest = ConfigurationRestAPI(api_key="sdk-key", api_secret="sdk-secret",
                                base_path=sim.rest_url, timeout=5000, retries=0)
    streams = ConfigurationWebSocketStreams(stream_url=sim.ws_url, reconnect_attempts=1)
    return DerivativesTradingUsdsFutures(config_rest_api=rest, config_ws_streams=streams)


def data(response: Any) -> Any:
    return response.data()


def test_a_rest_session(sdk_sim: EmbeddedSimulator) -> None:
    api = client(sdk_sim).rest_api
    info = data(api.exchange_information())
    btc = next(s for s in info.symbols if s.symbol == SYMBOL)
    assert (btc.margin_asset, btc.contract_type, btc.status) == ("USDC", "PERPETUAL", "TRADING")
    assert {f.filter_type for f in btc.filters} >= {"PRICE_FILTER", "LOT_SIZE", "MIN_NOTIONAL",
                                                   "MAX_NUM_ALGO_ORDERS", "PERCENT_PRICE"}
    assert data(api.symbol_price_ticker_v2(symbol=SYMBOL)).actual_instance.price == "30000"
    usdc = next(b for b in data(api.futures_account_balance_v3()) if b.asset == "USDC")
    assert usdc.balance == "100000"
    assert data(api.change_initial_leverage(symbol=SYMBOL, leverage=5)).leverage == 5
    assert data(api.get_current_position_mode()).dual_side_position is False

    placed = data(api.new_order(symbol=SYMBOL, side=enums.NewOrderSideEnum.BUY,
                                type=enums.NewOrderTypeEnum.LIMIT, quantity=0.01, price=29000,
                                time_in_force=enums.NewOrderTimeInForceEnum.GTX,
                                new_client_order_id="sdk-1"))
    assert (placed.status, placed.client_order_id) == ("NEW", "sdk-1")
    assert data(api.query_order(symbol=SYMBOL, order_id=placed.order_id)).status == "NEW"
    assert [o.order_id for o in data(api.current_all_open_orders(symbol=SYMBOL))] == [
        placed.order_id]
    assert data(api.cancel_order(symbol=SYMBOL, order_id=placed.order_id)).status == "CANCELED"
    with pytest.raises(BadRequestError, match="-2011"):
        api.cancel_order(symbol=SYMBOL, order_id=placed.order_id)

    api.new_order(symbol=SYMBOL, side=enums.NewOrderSideEnum.BUY,
                  type=enums.NewOrderTypeEnum.MARKET, quantity=0.02)
    [position] = data(api.position_information_v3(symbol=SYMBOL))
    assert position.position_amt == "0.02"
    stop = data(api.new_algo_order(
        algo_type=enums.NewAlgoOrderAlgoTypeEnum.CONDITIONAL, symbol=SYMBOL,
        side=enums.NewAlgoOrderSideEnum.SELL, type=enums.NewAlgoOrderTypeEnum.STOP_MARKET,
        trigger_price=28000, working_type=enums.NewAlgoOrderWorkingTypeEnum.MARK_PRICE,
        close_position=enums.NewAlgoOrderClosePositionEnum.TRUE, client_algo_id="sdk-stop"))
    assert (stop.algo_status, stop.close_position) == ("NEW", True)
    [listed] = data(api.current_all_algo_open_orders(symbol=SYMBOL))
    assert (listed.algo_id, listed.actual_order_id) == (stop.algo_id, "")
    assert data(api.query_algo_order(algo_id=stop.algo_id)).client_algo_id == "sdk-stop"
    assert data(api.cancel_algo_order(algo_id=stop.algo_id)).code == "200"
    assert data(api.current_all_algo_open_orders(symbol=SYMBOL)) == []
    assert [t.qty for t in data(api.account_trade_list(symbol=SYMBOL))] == ["0.02"]
    assert sdk_sim.violations() == []


def test_its_websocket_client_receives_order_and_algo_events(
        sdk_sim: EmbeddedSimulator) -> None:
    sdk = client(sdk_sim)
    api = sdk.rest_api
    key = data(api.start_user_data_stream()).listen_key
    received: list[Any] = []

    async def session() -> None:
        connection = await sdk.websocket_streams.create_connection()  # type: ignore[no-untyped-call]
        try:
            handle = await connection.user_data(key)
            handle.on("message", received.append)
            await until(lambda: sdk_sim.ws_subscribers("user") > 0)
            await asyncio.to_thread(place_and_trigger, api, sdk_sim)
            await until(lambda: len(kinds(received)) >= 9)
        finally:
            await connection.close_connection(close_session=True)

    asyncio.run(session())
    seen = kinds(received)
    assert "OrderTradeUpdate" in seen and "AccountUpdate" in seen  # the SDK's own models
    statuses = [e.actual_instance.o.X for e in received
                if type(e.actual_instance).__name__ == "AlgoUpdate"]
    assert statuses == ["NEW", "TRIGGERING", "TRIGGERED", "FINISHED"]


def place_and_trigger(api: Any, sim: EmbeddedSimulator) -> None:
    api.new_order(symbol=SYMBOL, side=enums.NewOrderSideEnum.BUY,
                  type=enums.NewOrderTypeEnum.MARKET, quantity=0.01)
    api.new_algo_order(algo_type=enums.NewAlgoOrderAlgoTypeEnum.CONDITIONAL, symbol=SYMBOL,
                       side=enums.NewAlgoOrderSideEnum.SELL,
                       type=enums.NewAlgoOrderTypeEnum.STOP_MARKET, trigger_price=29900,
                       quantity=0.01, reduce_only=enums.NewAlgoOrderReduceOnlyEnum.TRUE,
                       working_type=enums.NewAlgoOrderWorkingTypeEnum.MARK_PRICE)
    sim.set_price(SYMBOL, Decimal(29890))


def kinds(events: list[Any]) -> list[str]:
    return [type(e.actual_instance).__name__ for e in events]


async def until(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition never held")
        await asyncio.sleep(0.01)
