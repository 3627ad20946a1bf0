"""WebSocket: login, subscriptions, pushes on every change, heartbeats and WS faults,
driven with the websockets client against a running simulator."""

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from simulator.embedded import EmbeddedSimulator
from tests.simulator.conftest import BTC, limit, market
from tests.simulator.okx_http import OkxHttp, okx_sign

Json = dict[str, Any]


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(asyncio.wait_for(coro, 10))


async def next_json(ws: ClientConnection, timeout: float = 2.0) -> Json:
    raw = await asyncio.wait_for(ws.recv(), timeout)
    doc: Json = json.loads(raw)
    return doc


async def until(ws: ClientConnection, wanted: Callable[[Json], bool]) -> Json:
    while True:
        message = await next_json(ws)
        if wanted(message):
            return message


def login_args(sim: EmbeddedSimulator, secret: str = "s", passphrase: str = "p",
               key: str = "k", seconds: int | None = None) -> Json:
    stamp = str(seconds if seconds is not None else sim.core.now_ms() // 1000)
    return {"apiKey": key, "passphrase": passphrase, "timestamp": stamp,
            "sign": okx_sign(secret, stamp + "GET/users/self/verify")}


async def logged_in(sim: EmbeddedSimulator, service: str) -> ClientConnection:
    ws = await websockets.connect(f"{sim.ws_url}/ws/v5/{service}")
    await ws.send(json.dumps({"op": "login", "args": [login_args(sim)]}))
    reply = await next_json(ws)
    assert (reply["event"], reply["code"]) == ("login", "0"), reply
    return ws


async def subscribe(ws: ClientConnection, **arg: str) -> Json:
    await ws.send(json.dumps({"id": "s1", "op": "subscribe", "args": [arg]}))
    return await next_json(ws)


def test_public_tickers_ack_snapshot_pushes_and_unsubscribe(sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{sim.ws_url}/ws/v5/public") as ws:
            ack = await subscribe(ws, channel="tickers", instId=BTC)
            assert (ack["event"], ack["arg"], ack["id"]) == (
                "subscribe", {"channel": "tickers", "instId": BTC}, "s1")
            assert ack["connId"]
            first = await next_json(ws)
            assert first["data"][0]["last"] == "30000"
            sim.set_price(BTC, Decimal("30123.4"))
            pushed = await next_json(ws)
            assert (pushed["arg"]["channel"], pushed["data"][0]["last"]) == ("tickers", "30123.4")
            await ws.send(json.dumps({"op": "unsubscribe", "args": [
                {"channel": "tickers", "instId": BTC}]}))
            assert (await next_json(ws))["event"] == "unsubscribe"
            sim.set_price(BTC, Decimal("30200"))
            await ws.send("ping")
            assert await asyncio.wait_for(ws.recv(), 2) == "pong"  # no ticker in between
    run(scenario())


def test_mark_price_funding_and_candles(sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{sim.ws_url}/ws/v5/public") as public, \
                websockets.connect(f"{sim.ws_url}/ws/v5/business") as business:
            await subscribe(public, channel="mark-price", instId=BTC)
            assert (await next_json(public))["data"][0]["markPx"] == "30000"
            await subscribe(public, channel="funding-rate", instId=BTC)
            assert (await next_json(public))["data"][0]["fundingRate"] == "0.0001"
            await subscribe(business, channel="candle1m", instId=BTC)
            snapshot = await next_json(business)
            assert len(snapshot["data"][0]) == 9
            sim.set_price(BTC, Decimal("30555"), mark=Decimal("30550"))
            mark = await until(public, lambda m: m.get("arg", {}).get("channel") == "mark-price")
            assert mark["data"][0]["markPx"] == "30550"
            candle = await next_json(business)
            assert candle["data"][0][4] == "30555"
            wrong = await subscribe(public, channel="candle1m", instId=BTC)
            assert (wrong["event"], wrong["code"]) == ("error", "60018")
    run(scenario())


def test_login_failures_and_private_channels_need_login(sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{sim.ws_url}/ws/v5/private") as ws:
            refused = await subscribe(ws, channel="orders", instType="SWAP")
            assert (refused["event"], refused["code"]) == ("error", "60011")
            now_s = sim.core.now_ms() // 1000
            for args, code in ((login_args(sim, secret="x"), "60007"),
                               (login_args(sim, passphrase="x"), "60024"),
                               (login_args(sim, key="x"), "60005"),
                               (login_args(sim, seconds=now_s - 31), "60006")):
                await ws.send(json.dumps({"op": "login", "args": [args]}))
                reply = await next_json(ws)
                assert (reply["event"], reply["code"]) == ("error", code)
            await ws.send(json.dumps({"op": "login", "args": [login_args(sim)]}))
            assert (await next_json(ws))["code"] == "0"
            await ws.send(json.dumps({"op": "login", "args": [login_args(sim)]}))
            assert (await next_json(ws))["code"] == "60031"
            await ws.send("{not json")
            assert (await next_json(ws))["code"] == "60012"
    run(scenario())


def test_python_okx_style_integer_timestamp_logs_in(sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{sim.ws_url}/ws/v5/private") as ws:
            args = login_args(sim)
            args["timestamp"] = int(args["timestamp"])
            await ws.send(json.dumps({"op": "login", "args": [args]}))
            assert (await next_json(ws))["event"] == "login"
    run(scenario())


def test_orders_positions_and_account_push_on_every_change(sim: EmbeddedSimulator,
                                                           okx: OkxHttp) -> None:
    async def scenario() -> None:
        ws = await logged_in(sim, "private")
        try:
            await subscribe(ws, channel="orders", instType="SWAP")
            await subscribe(ws, channel="positions", instType="SWAP")
            assert (await next_json(ws))["eventType"] == "snapshot"
            await subscribe(ws, channel="account", ccy="USDT")
            account = await next_json(ws)
            assert account["data"][0]["details"][0]["eq"] == "100000"
            await asyncio.to_thread(okx.post, "trade/order", limit("buy", "29000", clOrdId="w1"))
            live = await next_json(ws)
            assert (live["arg"]["uid"], live["data"][0]["state"], live["data"][0]["clOrdId"]) \
                == (sim.core.config.uid, "live", "w1")
            assert (await next_json(ws))["arg"]["channel"] == "account"  # margin frozen
            sim.set_price(BTC, Decimal("28900"))
            fill = await until(ws, lambda m: m["arg"]["channel"] == "orders")
            assert (fill["data"][0]["state"], fill["data"][0]["fillSz"],
                    fill["data"][0]["execType"]) == ("filled", "1", "M")
            position = await until(ws, lambda m: m["arg"]["channel"] == "positions")
            assert (position["eventType"], position["data"][0]["pos"]) == ("event", "1")
            balance = await until(ws, lambda m: m["arg"]["channel"] == "account")
            assert balance["eventType"] == "event"
        finally:
            await ws.close()
    run(scenario())


def test_orders_algo_pushes_and_the_visibility_delay(sim: EmbeddedSimulator,
                                                     okx: OkxHttp) -> None:
    stop = {"instId": BTC, "tdMode": "cross", "side": "sell", "ordType": "conditional",
            "sz": "1", "slTriggerPx": "29000", "slOrdPx": "-1", "reduceOnly": True}

    async def scenario() -> None:
        ws = await logged_in(sim, "business")
        try:
            ack = await subscribe(ws, channel="orders-algo", instType="SWAP")
            assert ack["event"] == "subscribe"
            await asyncio.to_thread(okx.post, "trade/order", market("buy"))
            await asyncio.to_thread(okx.post, "trade/order-algo", stop)
            assert (await next_json(ws))["data"][0]["state"] == "live"
            sim.set_price(BTC, Decimal("28000"))
            assert (await next_json(ws))["data"][0]["state"] == "effective"
            sim.faults.inject("algo_visibility_delay", "trade/order-algo", times=1, ms=2000)
            await asyncio.to_thread(okx.post, "trade/order", market("buy"))
            await asyncio.to_thread(okx.post, "trade/order-algo", {**stop, "slTriggerPx": "27000"})
            with pytest.raises(TimeoutError):
                await next_json(ws, timeout=0.2)
            sim.advance(2)
            assert (await next_json(ws))["data"][0]["slTriggerPx"] == "27000"
        finally:
            await ws.close()
    run(scenario())


def test_order_ops_over_the_private_socket(sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        ws = await logged_in(sim, "private")
        try:
            await ws.send(json.dumps({"id": "o1", "op": "order", "args": [
                {**limit("buy", "20000", clOrdId="wsop1"), "instId": "", "instIdCode": 10101}]}))
            reply = await next_json(ws)
            assert (reply["id"], reply["op"], reply["code"]) == ("o1", "order", "0")
            ord_id = reply["data"][0]["ordId"]
            await ws.send(json.dumps({"id": "c1", "op": "cancel-order", "args": [
                {"instId": BTC, "ordId": ord_id}]}))
            assert (await next_json(ws))["data"][0]["sCode"] == "0"
            await ws.send(json.dumps({"id": "c2", "op": "cancel-order", "args": [
                {"instId": BTC, "ordId": ord_id}]}))
            failed = await next_json(ws)
            assert (failed["code"], failed["data"][0]["sCode"]) == ("1", "51400")
        finally:
            await ws.close()
    run(scenario())


def test_ws_disconnect_fault_aborts_with_1006(sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{sim.ws_url}/ws/v5/public") as ws:
            sim.faults.inject("ws_disconnect", "ws/public", times=1, skip=1)
            await subscribe(ws, channel="tickers", instId=BTC)  # the ack passes (skip=1)
            with pytest.raises(websockets.ConnectionClosedError) as closed:
                await next_json(ws)
            assert closed.value.rcvd is None  # no close frame: 1006
    run(scenario())


def test_disconnect_now_and_refused_reconnects(sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        ws = await logged_in(sim, "private")
        assert await asyncio.to_thread(sim.disconnect_ws, "private") == 1
        with pytest.raises(websockets.ConnectionClosedError):
            await next_json(ws)
        sim.faults.inject("ws_refuse", "ws/private", times=2)
        for _ in range(2):
            with pytest.raises(websockets.InvalidStatus) as refused:
                await websockets.connect(f"{sim.ws_url}/ws/v5/private")
            assert refused.value.response.status_code == 403
        again = await logged_in(sim, "private")
        await again.close()
    run(scenario())


def test_idle_connections_are_closed_with_4004() -> None:
    async def scenario() -> None:
        sim = EmbeddedSimulator(virtual_clock=True, ws_idle_timeout_s=0.3)
        async with sim:
            started = time.monotonic()  # before connecting: the server's timer starts later
            ws = await websockets.connect(f"{sim.ws_url}/ws/v5/public")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await next_json(ws)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4004
            assert time.monotonic() - started >= 0.3
    run(scenario())
