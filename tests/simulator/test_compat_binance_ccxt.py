"""Compatibility: a normal ccxt `binanceusdm` session, unmodified, with only its fapi URLs
pointed at the simulator's Binance face."""

from collections.abc import Iterator

import ccxt
import pytest

from simulator.embedded import EmbeddedSimulator

SYMBOL = "BTC/USDC:USDC"


@pytest.fixture(scope="module")
def ccxt_bsim() -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(api_key="cx-key", secret="cx-secret", exchange="binance",
                           price_walk=False) as sim:
        yield sim


def point_at(sim: EmbeddedSimulator) -> ccxt.binanceusdm:
    exchange = ccxt.binanceusdm({"apiKey": "cx-key", "secret": "cx-secret",
                                 "enableRateLimit": False,
                                 "options": {"fetchMarkets": {"types": ["linear"]},
                                             "fetchCurrencies": False}})
    for name in list(exchange.urls["api"]):
        if name.startswith("fapi"):
            version = exchange.urls["api"][name].rsplit("/", 1)[1]
            exchange.urls["api"][name] = f"{sim.rest_url}/fapi/{version}"
    return exchange


def test_a_rest_session(ccxt_bsim: EmbeddedSimulator) -> None:
    usdm = point_at(ccxt_bsim)
    markets = usdm.load_markets()
    assert markets[SYMBOL]["contractSize"] == 1.0 and markets[SYMBOL]["settle"] == "USDC"
    assert usdm.fetch_ticker(SYMBOL)["last"] == 30000.0
    assert usdm.fetch_balance()["USDC"]["total"] == 100000.0
    assert int(usdm.set_leverage(5, SYMBOL)["leverage"]) == 5
    with pytest.raises(ccxt.OperationRejected, match="-4059"):
        usdm.set_position_mode(False)  # already one-way
    assert str(usdm.set_position_mode(True)["code"]) == "200"
    assert str(usdm.set_position_mode(False)["code"]) == "200"
    order = usdm.create_order(SYMBOL, "limit", "buy", 0.01, 29000, {"postOnly": True,
                                                                    "clientOrderId": "cx-1"})
    assert (order["clientOrderId"], order["status"]) == ("cx-1", "open")
    assert usdm.fetch_order(order["id"], SYMBOL)["status"] == "open"
    assert [o["id"] for o in usdm.fetch_open_orders(SYMBOL)] == [order["id"]]
    usdm.cancel_order(order["id"], SYMBOL)
    assert usdm.fetch_order(order["id"], SYMBOL)["status"] == "canceled"
    with pytest.raises(ccxt.OrderNotFound):
        usdm.cancel_order(order["id"], SYMBOL)

    usdm.create_order(SYMBOL, "market", "buy", 0.02)
    [position] = usdm.fetch_positions([SYMBOL])
    assert (position["contracts"], position["side"]) == (0.02, "long")
    stop = usdm.create_order(SYMBOL, "market", "sell", 0.02, None,
                             {"stopLossPrice": 28000, "reduceOnly": True,
                              "workingType": "MARK_PRICE", "clientOrderId": "cx-stop"})
    stops = usdm.fetch_open_orders(SYMBOL, params={"trigger": True})
    assert [s["id"] for s in stops] == [stop["id"]]
    usdm.cancel_order(stop["id"], SYMBOL, {"trigger": True})
    assert usdm.fetch_open_orders(SYMBOL, params={"trigger": True}) == []
    trades = usdm.fetch_my_trades(SYMBOL)
    assert [t["amount"] for t in trades] == [0.02]
    assert ccxt_bsim.violations() == []
