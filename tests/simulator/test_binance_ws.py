"""Binance face: the user-data stream (order, account and algo events, listen-key expiry) and
market streams, on the legacy and the 2026 routed paths."""

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal as D
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from simulator.embedded import EmbeddedSimulator
from tests.simulator.binance_http import BinanceHttp


@contextmanager
def stream(bsim: EmbeddedSimulator, path: str, wait_for: str = "") -> Iterator[ClientConnection]:
    with connect(bsim.ws_url + path, open_timeout=5) as ws:
        if wait_for:
            until(lambda: bsim.ws_subscribers(wait_for) > 0)
        yield ws


def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("condition never held")


def events(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    return [json.loads(ws.recv(timeout=5)) for _ in range(count)]


def listen_key(bnc: BinanceHttp) -> str:
    answer = bnc.http.post("/fapi/v1/listenKey", headers={"X-MBX-APIKEY": "bk"})
    return str(answer.json()["listenKey"])


def test_a_triggered_stop_reports_its_child_fill_before_finished(
        bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    key = listen_key(bnc)
    with stream(bsim, f"/ws/{key}", "user") as ws:
        bnc.ok("POST", "/fapi/v1/order", symbol="BTCUSDC", side="BUY", type="MARKET",
               quantity="0.01")
        entry = events(ws, 3)
        assert [(e["e"], e.get("o", {}).get("x")) for e in entry] == [
            ("ORDER_TRADE_UPDATE", "NEW"), ("ORDER_TRADE_UPDATE", "TRADE"),
            ("ACCOUNT_UPDATE", None)]
        assert entry[2]["a"]["P"][0]["pa"] == "0.01"
        bnc.ok("POST", "/fapi/v1/algoOrder", algoType="CONDITIONAL", symbol="BTCUSDC",
               side="SELL", type="STOP_MARKET", triggerPrice="29000", quantity="0.01",
               reduceOnly="true", workingType="MARK_PRICE", clientAlgoId="ws1")
        [new] = events(ws, 1)
        assert (new["e"], new["o"]["X"], new["o"]["caid"]) == ("ALGO_UPDATE", "NEW", "ws1")
        bsim.set_price("BTCUSDC", D("28990"))
        flow = events(ws, 6)
    kinds = [(e["e"], e["o"].get("X") if isinstance(e.get("o"), dict) else None)
             for e in flow]
    assert kinds == [("ALGO_UPDATE", "TRIGGERING"), ("ORDER_TRADE_UPDATE", "NEW"),
                     ("ALGO_UPDATE", "TRIGGERED"), ("ORDER_TRADE_UPDATE", "FILLED"),
                     ("ACCOUNT_UPDATE", None), ("ALGO_UPDATE", "FINISHED")]
    child_id = flow[1]["o"]["i"]
    assert flow[2]["o"]["ai"] == str(child_id) == flow[5]["o"]["ai"]
    assert (flow[3]["o"]["ot"], flow[3]["o"]["R"], flow[5]["o"]["aq"]) == (
        "STOP_MARKET", True, "0.01")


def test_listen_key_expiry_pushes_listen_key_expired_then_1125(
        bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    key = listen_key(bnc)
    headers = {"X-MBX-APIKEY": "bk"}
    assert listen_key(bnc) == key  # a second POST hands out the active key
    with stream(bsim, f"/ws/{key}", "user") as ws:
        bsim.advance(59 * 60)
        assert bnc.http.put("/fapi/v1/listenKey", headers=headers).json() == {"listenKey": key}
        bsim.advance(59 * 60)  # kept alive: not expired yet
        bsim.advance(2 * 60)
        [expired] = events(ws, 1)
    assert (expired["e"], expired["listenKey"]) == ("listenKeyExpired", key)
    refused = bnc.http.put("/fapi/v1/listenKey", headers=headers)
    assert (refused.status_code, refused.json()) == (
        400, {"code": -1125, "msg": "This listenKey does not exist."})
    assert listen_key(bnc) != key


def test_the_listen_key_expiry_fault_expires_it_now(bnc: BinanceHttp,
                                                    bsim: EmbeddedSimulator) -> None:
    key = listen_key(bnc)
    with stream(bsim, f"/private/ws?listenKey={key}", "user") as ws:
        bsim.faults.inject("listen_key_expiry")
        assert events(ws, 1)[0]["e"] == "listenKeyExpired"
    assert bnc.http.put("/fapi/v1/listenKey", headers={"X-MBX-APIKEY": "bk"}).json()[
        "code"] == -1125


@pytest.mark.parametrize("path", ["/stream", "/private/stream"])
def test_a_listen_key_subscribed_as_a_stream_on_a_combined_path(
        bnc: BinanceHttp, bsim: EmbeddedSimulator, path: str) -> None:
    key = listen_key(bnc)
    with stream(bsim, path) as ws:
        ws.send(json.dumps({"method": "SUBSCRIBE", "params": [key], "id": "sub1"}))
        assert json.loads(ws.recv(timeout=5)) == {"result": None, "id": "sub1"}
        bnc.ok("POST", "/fapi/v1/order", symbol="BTCUSDC", side="BUY", type="LIMIT",
               timeInForce="GTC", quantity="0.01", price="29000")
        [pushed] = events(ws, 1)
    assert pushed["stream"] == key and pushed["data"]["e"] == "ORDER_TRADE_UPDATE"


def test_an_events_filter_on_the_private_route(bnc: BinanceHttp,
                                               bsim: EmbeddedSimulator) -> None:
    key = listen_key(bnc)
    with stream(bsim, f"/private/ws?listenKey={key}&events=ACCOUNT_UPDATE", "user") as ws:
        bnc.ok("POST", "/fapi/v1/order", symbol="BTCUSDC", side="BUY", type="MARKET",
               quantity="0.01")
        [only] = events(ws, 1)
    assert only["e"] == "ACCOUNT_UPDATE"


@pytest.mark.parametrize("path", ["/ws/btcusdc@markPrice@1s", "/public/ws/btcusdc@markPrice",
                                  "/market/stream?streams=btcusdc@markPrice@1s"])
def test_mark_price_streams(bsim: EmbeddedSimulator, path: str) -> None:
    with stream(bsim, path, "mark-price") as ws:
        bsim.set_price("BTCUSDC", D("30100"), mark=D("30090"))
        [message] = events(ws, 1)
    data = message.get("data", message)
    assert (data["e"], data["s"], data["p"]) == ("markPriceUpdate", "BTCUSDC", "30090")


def test_subscribe_list_and_unsubscribe_kline_and_book_ticker(bsim: EmbeddedSimulator) -> None:
    with stream(bsim, "/ws") as ws:
        ws.send(json.dumps({"method": "SUBSCRIBE", "id": 1,
                            "params": ["btcusdc@kline_1m", "btcusdc@bookTicker"]}))
        assert json.loads(ws.recv(timeout=5)) == {"result": None, "id": 1}
        ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
        assert json.loads(ws.recv(timeout=5))["result"] == ["btcusdc@kline_1m",
                                                            "btcusdc@bookTicker"]
        bsim.set_price("BTCUSDC", D("30100"))
        pushed = {m["e"]: m for m in events(ws, 2)}
        assert pushed["bookTicker"]["b"] == "30099.9"
        assert (pushed["kline"]["k"]["i"], pushed["kline"]["k"]["c"]) == ("1m", "30100")
        ws.send(json.dumps({"method": "UNSUBSCRIBE", "id": 3, "params": ["btcusdc@bookTicker"]}))
        assert json.loads(ws.recv(timeout=5)) == {"result": None, "id": 3}
        ws.send(json.dumps({"method": "SUBSCRIBE", "id": 4, "params": ["nope@nothing"]}))
        assert json.loads(ws.recv(timeout=5))["error"]["code"] == 2
        ws.send("not json")
        assert json.loads(ws.recv(timeout=5))["error"]["code"] == 3


def test_pings_are_answered_with_pongs(bsim: EmbeddedSimulator) -> None:
    with stream(bsim, "/ws/btcusdc@bookTicker") as ws:
        assert ws.ping(b"hello").wait(5)


def test_ws_faults_drop_and_refuse(bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    bsim.faults.inject("ws_refuse", "ws/market", times=1)
    with pytest.raises(Exception, match="403"):
        connect(bsim.ws_url + "/ws/btcusdc@bookTicker", open_timeout=5)
    with stream(bsim, "/ws/btcusdc@bookTicker", "tickers") as ws:
        bsim.faults.inject("ws_disconnect", "ws/market", times=1)
        bsim.set_price("BTCUSDC", D("30100"))
        with pytest.raises(Exception):  # noqa: B017 - the connection is lost (1006)
            ws.recv(timeout=5)
