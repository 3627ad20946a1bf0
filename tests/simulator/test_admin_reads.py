"""The admin read endpoints: the exchange's whole memory, for invariant checks at the exchange."""

from decimal import Decimal
from typing import Any

import httpx

from simulator.embedded import EmbeddedSimulator
from tests.simulator.conftest import BTC, ETH, limit, market
from tests.simulator.okx_http import OkxHttp


def admin(sim: EmbeddedSimulator, path: str) -> Any:
    response = httpx.get(sim.rest_url + path, timeout=5)
    assert response.status_code == 200
    return response.json()


def test_orders_list_every_order_including_terminal_ones(okx: OkxHttp,
                                                         sim: EmbeddedSimulator) -> None:
    resting = okx.data(okx.post("trade/order", limit("buy", "20000", clOrdId="rest1")))[0]
    okx.post("trade/cancel-order", {"instId": BTC, "ordId": resting["ordId"]})
    taken = okx.data(okx.post("trade/order", market("buy", "2", clOrdId="mkt1")))[0]
    okx.post("trade/order", limit("sell", "2000", inst=ETH, clOrdId="eth1"))
    sim.advance(3 * 3600)  # long past the 2 h after which OKX forgets unfilled cancels

    orders = admin(sim, "/sim/orders")["orders"]
    assert [o["clOrdId"] for o in orders] == ["rest1", "mkt1", "eth1"]
    first, second, _ = orders
    assert first == {
        "instId": BTC, "ordId": resting["ordId"], "clOrdId": "rest1", "side": "buy",
        "ordType": "limit", "sz": "1", "px": "20000", "state": "canceled", "accFillSz": "0",
        "avgPx": "", "reduceOnly": False, "source": "", "algoId": "",
        "cTime": first["cTime"], "uTime": first["uTime"]}
    assert first["uTime"] >= first["cTime"] > 0
    assert (second["ordId"], second["state"], second["accFillSz"], second["px"]) == (
        taken["ordId"], "filled", "2", "")
    assert Decimal(second["avgPx"]) > Decimal(30000)  # a taker buy pays the slippage
    assert [o["clOrdId"] for o in admin(sim, f"/sim/orders?instId={ETH}")["orders"]] == ["eth1"]


def test_algos_show_state_and_whether_the_account_can_see_them(okx: OkxHttp,
                                                               sim: EmbeddedSimulator) -> None:
    okx.post("trade/order", market("buy", "1"))
    sim.faults.inject("algo_visibility_delay", "trade/order-algo", ms=1500, times=1)
    stop = {"instId": BTC, "tdMode": "cross", "side": "sell", "ordType": "conditional",
            "sz": "1", "slTriggerPx": "29000", "slOrdPx": "-1", "slTriggerPxType": "mark",
            "reduceOnly": "true", "algoClOrdId": "hidden1"}
    okx.post("trade/order-algo", stop)
    (hidden,) = admin(sim, "/sim/algos")["algos"]
    assert okx.data(okx.get("trade/orders-algo-pending", "ordType=conditional")) == []
    assert hidden == {
        "instId": BTC, "algoId": hidden["algoId"], "algoClOrdId": "hidden1", "side": "sell",
        "sz": "1", "closeFraction": "", "slTriggerPx": "29000", "slTriggerPxType": "mark",
        "slOrdPx": "-1", "tpTriggerPx": "", "tpTriggerPxType": "", "tpOrdPx": "",
        "reduceOnly": True, "state": "live", "visible": False,
        "cTime": hidden["cTime"], "uTime": hidden["cTime"]}
    sim.advance(1.5)
    (seen,) = admin(sim, "/sim/algos")["algos"]
    assert seen["visible"] is True and seen["state"] == "live"
    close_all = {**stop, "sz": "", "closeFraction": "1", "algoClOrdId": "all1"}
    del close_all["sz"]
    okx.post("trade/order-algo", close_all)
    okx.post("trade/cancel-algos", [{"instId": BTC, "algoId": hidden["algoId"]}])
    algos = admin(sim, f"/sim/algos?instId={BTC}")["algos"]
    assert [(a["algoClOrdId"], a["state"], a["sz"], a["closeFraction"]) for a in algos] == [
        ("hidden1", "canceled", "1", ""), ("all1", "live", "", "1")]
    assert admin(sim, f"/sim/algos?instId={ETH}") == {"algos": []}


def test_positions_are_the_non_zero_ones_and_fills_every_execution(
        okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    assert admin(sim, "/sim/positions") == {"positions": []}
    bought = okx.data(okx.post("trade/order", market("buy", "3", clOrdId="b1")))[0]
    okx.post("trade/order", market("sell", "1", inst=ETH, clOrdId="s1"))
    positions = {p["instId"]: p for p in admin(sim, "/sim/positions")["positions"]}
    assert positions[BTC]["pos"] == "3" and positions[BTC]["posSide"] == "net"
    assert positions[ETH]["pos"] == "-1"
    fills = admin(sim, "/sim/fills")["fills"]
    assert [(f["clOrdId"], f["side"], f["fillSz"]) for f in fills] == [
        ("b1", "buy", "3"), ("s1", "sell", "1")]
    assert fills[0]["ordId"] == bought["ordId"] and fills[0]["tradeId"]
    assert Decimal(fills[0]["fillPx"]) == Decimal(positions[BTC]["avgPx"])
    okx.post("trade/order", market("sell", "3", clOrdId="b2", reduceOnly=True))
    assert [p["instId"] for p in admin(sim, "/sim/positions")["positions"]] == [ETH]
    assert [f["clOrdId"] for f in admin(sim, f"/sim/fills?instId={BTC}")["fills"]] == [
        "b1", "b2"]
