"""Regular orders over OKX's private WebSocket against the simulator: the op path, the
orders-channel pushes, the REST fallback when the socket is down, and an unanswered op left
unknown (never re-sent over REST). Each result is checked at the exchange (the simulator's own
view), and each path in the evidence."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from adapters.clock import SystemClock
from adapters.okx import OkxConfig, OkxWsOrders
from domain.orders import Side
from domain.outcome import Accepted, Unknown
from entrypoints.container import okx_venue
from ports.exchange import ExchangeAdapter
from ports.exchange_events import EventSubscription, OrderUpdate
from simulator.embedded import EmbeddedSimulator
from tests.fakes import InMemoryEvidenceSink
from tests.integration.conftest import BTC, CREDENTIALS

D = Decimal
Test = Callable[[ExchangeAdapter, OkxWsOrders, InMemoryEvidenceSink], Awaitable[None]]


def run(sim: EmbeddedSimulator, test: Test, **config: Any) -> None:
    settings: dict[str, Any] = {"rest_url": sim.rest_url, "ws_url": sim.ws_url, "demo": True,
                                "ws_orders": True, "ws_reconnect_base_s": 0.05,
                                "ws_reconnect_max_s": 0.3}
    sink = InMemoryEvidenceSink()
    venue = okx_venue(OkxConfig(**(settings | config)), CREDENTIALS, SystemClock(), sink)

    async def scenario() -> None:
        exchange, ws = venue.exchange(), venue.ws_orders()
        try:
            await exchange.ws_start()
            await ws.start(wait=True)
            await test(exchange, ws, sink)
        finally:
            await exchange.aclose()
    asyncio.run(asyncio.wait_for(scenario(), 30))


async def post_only(ex: ExchangeAdapter, cid: str) -> Any:
    return await ex.place_limit_postonly(symbol=BTC, side=Side.BUY, qty=D("1"),
                                         price=D("20000"), tif="post_only", reduce_only=False,
                                         client_order_id=cid)


async def state_push(events: EventSubscription, ord_id: str, state: str) -> OrderUpdate:
    while True:
        event = await events.get(5.0)
        assert event is not None, f"no {state} push for {ord_id}"
        if isinstance(event, OrderUpdate) and event.status.order_id == ord_id \
                and event.status.state.value == state:
            return event


def ops_sent(sink: InMemoryEvidenceSink) -> list[dict[str, Any]]:
    return [r.request["frame"] for r in sink.records
            if r.kind == "ws_out" and isinstance(r.request.get("frame"), dict)
            and r.request["frame"].get("op") in ("order", "cancel-order")]


def rest_trades(sim: EmbeddedSimulator) -> list[str]:
    return [str(r["path"]) for r in sim.requests()
            if str(r["path"]).startswith("/api/v5/trade/")
            and str(r["path"]).endswith(("/order", "/cancel-order")) and r["method"] == "POST"]


def test_place_and_cancel_go_over_the_socket_by_inst_id_code_with_pushes(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter, ws: OkxWsOrders, sink: InMemoryEvidenceSink) -> None:
        events = ws.subscribe()
        placed = await post_only(ex, "pxWS0place1")
        assert isinstance(placed.outcome, Accepted), placed
        await state_push(events, placed.order_id, "live")
        live = sim.core.get_order({"instId": BTC, "ordId": placed.order_id})[0]
        assert (live["state"], live["clOrdId"]) == ("live", "pxWS0place1")
        cancel = await ex.cancel_order(symbol=BTC, order_id=placed.order_id,
                                       client_order_id=None)
        assert isinstance(cancel.outcome, Accepted), cancel
        await state_push(events, placed.order_id, "canceled")
        gone = sim.core.get_order({"instId": BTC, "ordId": placed.order_id})[0]
        assert gone["state"] == "canceled"
        frames = ops_sent(sink)
        assert [f["op"] for f in frames] == ["order", "cancel-order"]
        assert all(f["args"][0]["instIdCode"] == 10101 and "instId" not in f["args"][0]
                   for f in frames)
        assert "expTime" in frames[0] and "expTime" not in frames[1]
        assert rest_trades(sim) == []  # nothing of it went over REST
        # the acknowledgement is the placement's evidence, in the same chain
        ack = sink.records[placed.evidence.seq]
        assert ack.kind == "ws_in" and ack.response is not None
        assert ack.response["frame"]["data"][0]["ordId"] == placed.order_id
    run(sim, test)


def test_a_socket_that_is_down_sends_the_order_over_rest_and_says_so(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter, ws: OkxWsOrders, sink: InMemoryEvidenceSink) -> None:
        sim.faults.inject("ws_refuse", "ws/private", times=1000)
        assert await asyncio.to_thread(sim.disconnect_ws, "private") >= 1
        for _ in range(100):
            if not ws.up:
                break
            await asyncio.sleep(0.01)
        placed = await post_only(ex, "pxWS0fallbk1")
        assert isinstance(placed.outcome, Accepted), placed
        assert sim.core.get_order({"instId": BTC, "ordId": placed.order_id})[0]["state"] == \
            "live"
        assert rest_trades(sim) == ["/api/v5/trade/order"]
        fallback = [r for r in sink.records if r.kind == "ws_state"
                    and r.outcome == "rest_fallback"]
        assert len(fallback) == 1 and "order BTC-USDT-SWAP" in fallback[0].request["detail"]
        assert sink.records[placed.evidence.seq].kind == "rest"
        sim.faults.clear()
    run(sim, test)


def test_an_unanswered_op_is_unknown_and_never_sent_again_over_rest(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter, ws: OkxWsOrders, sink: InMemoryEvidenceSink) -> None:
        sim.faults.inject("latency", "ws/private", times=1, ms=1500)
        placed = await post_only(ex, "pxWS0silent1")
        assert isinstance(placed.outcome, Unknown), placed
        assert rest_trades(sim) == []
        unanswered = [r for r in sink.records if r.outcome == "op_unanswered"]
        assert len(unanswered) == 1
        # the exchange did take it: found by client id, exactly once
        found = await ex.get_order_status(symbol=BTC, order_id=None,
                                          client_order_id="pxWS0silent1")
        assert found.status is not None and found.status.state.value == "live"
        assert len(sim.core.pending_orders({"instId": BTC})) == 1
        assert json.dumps(ops_sent(sink)).count("pxWS0silent1") == 1
    run(sim, test, request_timeout_s=0.4)


def test_ws_orders_default_on_for_live_and_off_for_demo() -> None:
    assert OkxConfig().ws_orders_on
    assert not OkxConfig(demo=True).ws_orders_on
    assert OkxConfig(demo=True, ws_orders=True).ws_orders_on
    assert not OkxConfig(ws_orders=False).ws_orders_on
