"""Order operations over the private WebSocket (`order`, `cancel-order`, `amend-order` and
their batch forms), with OKX's acknowledgements and its 2026 rule that the instrument is named
by instIdCode; each result checked at the exchange's own view (admin API)."""

import json
from decimal import Decimal
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from simulator.embedded import EmbeddedSimulator
from tests.simulator.conftest import BTC
from tests.simulator.test_ws import logged_in, next_json, run, until

CODE = 10101  # BTC-USDT-SWAP's instIdCode in the simulator's instruments
Json = dict[str, Any]


def order(px: str, cid: str, ord_type: str = "post_only", sz: str = "1") -> Json:
    return {"instIdCode": CODE, "tdMode": "cross", "side": "buy", "ordType": ord_type,
            "px": px, "sz": sz, "clOrdId": cid}


async def op(ws: ClientConnection, req_id: str, name: str, *args: Json) -> Json:
    await ws.send(websocketsafe({"id": req_id, "op": name, "args": list(args)}))
    return await until(ws, lambda m: m.get("id") == req_id and "op" in m)


def websocketsafe(frame: Json) -> str:
    return json.dumps(frame, separators=(",", ":"))


def test_place_amend_cancel_by_inst_id_code_with_acks_and_pushes(
        sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        ws = await logged_in(sim, "private")
        try:
            await ws.send('{"id":"s1","op":"subscribe","args":[{"channel":"orders",'
                          '"instType":"SWAP"}]}')
            assert (await next_json(ws))["event"] == "subscribe"
            placed = await op(ws, "p1", "order", order("20000", "wsA1"))
            assert (placed["op"], placed["code"], placed["msg"]) == ("order", "0", "")
            assert int(placed["inTime"]) <= int(placed["outTime"])
            item = placed["data"][0]
            assert (item["sCode"], item["clOrdId"]) == ("0", "wsA1")
            ord_id = item["ordId"]
            push = await until(ws, lambda m: m.get("arg", {}).get("channel") == "orders")
            assert (push["data"][0]["ordId"], push["data"][0]["state"]) == (ord_id, "live")

            amended = await op(ws, "a1", "amend-order",
                               {"instIdCode": CODE, "ordId": ord_id, "newPx": "20500",
                                "newSz": "2", "reqId": "r1"})
            assert amended["code"] == "0", amended
            assert (amended["data"][0]["sCode"], amended["data"][0]["reqId"]) == ("0", "r1")
            at_exchange = sim.core.get_order({"instId": BTC, "ordId": ord_id})[0]
            assert (at_exchange["px"], at_exchange["sz"], at_exchange["state"]) == (
                "20500", "2", "live")

            canceled = await op(ws, "c1", "cancel-order", {"instIdCode": CODE, "ordId": ord_id})
            assert (canceled["code"], canceled["data"][0]["sCode"]) == ("0", "0")
            push = await until(ws, lambda m: m.get("arg", {}).get("channel") == "orders"
                               and m["data"][0]["state"] == "canceled")
            assert push["data"][0]["ordId"] == ord_id
            assert sim.core.get_order({"instId": BTC, "ordId": ord_id})[0]["state"] == "canceled"

            again = await op(ws, "c2", "cancel-order", {"instIdCode": CODE, "ordId": ord_id})
            assert (again["code"], again["data"][0]["sCode"]) == ("1", "51400")
            late = await op(ws, "a2", "amend-order",
                            {"instIdCode": CODE, "ordId": ord_id, "newPx": "20100"})
            assert (late["code"], late["data"][0]["sCode"]) == ("1", "51503")
        finally:
            await ws.close()
    run(scenario())


def test_inst_id_alone_is_refused_and_nothing_reaches_the_book(
        sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        ws = await logged_in(sim, "private")
        try:
            by_name = {**order("20000", "wsB1"), "instId": BTC}
            del by_name["instIdCode"]
            refused = await op(ws, "p1", "order", by_name)
            assert (refused["code"], refused["data"]) == ("50014", [])
            assert "instIdCode" in refused["msg"]
            unknown = await op(ws, "p2", "order", {**order("20000", "wsB2"), "instIdCode": 999})
            assert (unknown["code"], unknown["data"][0]["sCode"]) == ("1", "51001")
            assert sim.core.pending_orders({"instId": BTC}) == []
            batch = await op(ws, "p3", "batch-orders", order("20000", "wsB3"),
                             order("20001", "wsB4"))
            assert [i["sCode"] for i in batch["data"]] == ["0", "0"]
            assert len(sim.core.pending_orders({"instId": BTC})) == 2
        finally:
            await ws.close()
    run(scenario())


def test_amend_rules(sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        ws = await logged_in(sim, "private")
        try:
            placed = await op(ws, "p1", "order", order("20000", "wsC1"))
            ord_id = placed["data"][0]["ordId"]
            # a post-only order may not be moved to a price that takes: refused, unchanged
            taking = await op(ws, "a1", "amend-order",
                              {"instIdCode": CODE, "ordId": ord_id, "newPx": "31000"})
            assert (taking["code"], taking["data"][0]["sCode"]) == ("1", "51511")
            assert sim.core.get_order({"instId": BTC, "ordId": ord_id})[0]["px"] == "20000"
            neither = await op(ws, "a2", "amend-order", {"instIdCode": CODE, "ordId": ord_id})
            assert neither["code"] == "50015" and neither["data"] == []
            off_tick = await op(ws, "a3", "amend-order",
                                {"instIdCode": CODE, "clOrdId": "wsC1", "newPx": "20000.05"})
            assert off_tick["data"][0]["sCode"] == "51150"
            # a plain limit moved through the market fills at once
            limit = await op(ws, "p2", "order", order("20000", "wsC2", ord_type="limit"))
            limit_id = limit["data"][0]["ordId"]
            moved = await op(ws, "a4", "amend-order",
                             {"instIdCode": CODE, "ordId": limit_id, "newPx": "30500"})
            assert moved["data"][0]["sCode"] == "0"
            filled = sim.core.get_order({"instId": BTC, "ordId": limit_id})[0]
            assert (filled["state"], Decimal(str(filled["accFillSz"]))) == ("filled", Decimal(1))
        finally:
            await ws.close()
    run(scenario())


def test_order_ops_need_a_login(sim: EmbeddedSimulator) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{sim.ws_url}/ws/v5/private") as ws:
            await ws.send(websocketsafe({"id": "p1", "op": "order",
                                         "args": [order("20000", "wsD1")]}))
            answer = await next_json(ws)
            assert (answer["event"], answer["code"]) == ("error", "60011")
        assert sim.core.pending_orders({"instId": BTC}) == []
    run(scenario())
