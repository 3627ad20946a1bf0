"""Compatibility: an ordinary session through ccxt (REST) and ccxt.pro (WS), unmodified,
with only its URLs pointed at the simulator, demo (sandbox mode) and live."""

import asyncio
from collections.abc import Iterator
from typing import Any

import ccxt
import ccxt.pro
import pytest

from simulator.embedded import EmbeddedSimulator

SYMBOL = "BTC/USDT:USDT"


@pytest.fixture(scope="module", params=["demo", "live"])
def ccxt_sim(request: pytest.FixtureRequest) -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(api_key="cx-key", secret="cx-secret", passphrase="cx-pass",
                           mode=request.param, price_walk=False) as sim:
        yield sim


def point_at(exchange: ccxt.okx, sim: EmbeddedSimulator) -> ccxt.okx:
    if sim.settings.mode == "demo":
        exchange.set_sandbox_mode(True)  # adds x-simulated-trading: 1 (and swaps the URLs)
    exchange.urls["api"]["rest"] = sim.rest_url
    exchange.urls["api"]["ws"] = f"{sim.ws_url}/ws/v5"
    return exchange


def credentials() -> dict[str, object]:
    return {"apiKey": "cx-key", "secret": "cx-secret", "password": "cx-pass",
            "enableRateLimit": False}


def test_a_rest_session(ccxt_sim: EmbeddedSimulator) -> None:
    okx = point_at(ccxt.okx(credentials()), ccxt_sim)
    markets = okx.load_markets()  # SPOT/FUTURES/OPTION lists are empty; SWAP has ours
    assert markets[SYMBOL]["contractSize"] == 0.01
    assert okx.fetch_ticker(SYMBOL)["last"] == 30000.0
    assert okx.fetch_balance()["USDT"]["total"] == 100000.0
    assert okx.privateGetAccountConfig()["data"][0]["posMode"] == "net_mode"

    order = okx.create_order(SYMBOL, "limit", "buy", 1, 15000, {"clOrdId": "ccxt1"})
    assert order["clientOrderId"] == "ccxt1"
    assert okx.fetch_order(order["id"], SYMBOL)["status"] == "open"
    assert okx.fetch_order(None, SYMBOL, {"clOrdId": "ccxt1"})["id"] == order["id"]
    assert [o["id"] for o in okx.fetch_open_orders(SYMBOL)] == [order["id"]]
    okx.cancel_order(order["id"], SYMBOL)
    assert okx.fetch_order(order["id"], SYMBOL)["status"] == "canceled"

    stop = okx.create_order(SYMBOL, "market", "sell", 1, None,
                            {"stopLossPrice": 20000, "reduceOnly": True,
                             "clientOrderId": "ccxtstop1"})  # ccxt sends it as clOrdId
    assert stop["clientOrderId"] == "ccxtstop1"
    algos = okx.fetch_open_orders(SYMBOL, params={"trigger": True, "ordType": "conditional"})
    assert [(a["id"], a["clientOrderId"]) for a in algos] == [(stop["id"], "ccxtstop1")]
    okx.cancel_order(stop["id"], SYMBOL, {"trigger": True})
    assert okx.fetch_open_orders(SYMBOL, params={"trigger": True,
                                                 "ordType": "conditional"}) == []

    assert okx.set_leverage(5, SYMBOL, {"mgnMode": "cross"})["data"][0]["lever"] == "5"
    okx.create_order(SYMBOL, "market", "buy", 1)
    [position] = okx.fetch_positions([SYMBOL])
    assert (position["contracts"], position["side"], position["leverage"]) == (1.0, "long", 5.0)
    assert ccxt_sim.violations() == []


def test_a_public_ticker_and_a_private_orders_push(ccxt_sim: EmbeddedSimulator) -> None:
    async def session() -> tuple[float, list[dict[str, Any]]]:
        okx = point_at(ccxt.pro.okx(credentials()), ccxt_sim)
        try:
            await okx.load_markets()  # this ccxt version's watch_ticker needs loaded markets
            ticker = await asyncio.wait_for(okx.watch_ticker(SYMBOL), 5)
            watching = asyncio.ensure_future(okx.watch_orders(SYMBOL))
            while ccxt_sim.ws_subscribers("orders") == 0:  # logged in and subscribed
                await asyncio.sleep(0.01)
            await okx.create_order(SYMBOL, "limit", "buy", 1, 15000, {"clOrdId": "propush1"})
            orders = await asyncio.wait_for(watching, 5)
            return ticker["last"], orders
        finally:
            await okx.close()

    last, orders = asyncio.run(session())
    assert last == 30000.0
    assert [(o["clientOrderId"], o["status"]) for o in orders] == [("propush1", "open")]
