"""The WS streams against a loopback OKX-shaped server: login, subscribe, fan-out, keepalive,
reconnect with resubscription and ResyncNeeded. Real sockets, so the real clock, short waits."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest

from adapters.clock import SystemClock
from adapters.okx import OkxConfig
from entrypoints.container import okx_venue
from ports.errors import ExchangeUnavailable
from ports.exchange import ExchangeAdapter
from ports.exchange_events import (
    EventSubscription,
    ExchangeEvent,
    OrderUpdate,
    PriceUpdate,
    ResyncNeeded,
)
from tests.adapters.okx.fake_ws import FakeOkxWs
from tests.adapters.okx.mock_okx import CREDENTIALS, MockOkx, fixture
from tests.fakes import InMemoryEvidenceSink

# the fake server serves the streams only: no order-entry socket (tests/adapters/okx/
# test_ws_orders.py covers that against the simulator)
FAST = {"ws_reconnect_base_s": 0.02, "ws_reconnect_max_s": 0.1, "ws_start_timeout_s": 3.0,
        "ws_handshake_timeout_s": 2.0, "ws_orders": False}


def session(test: Callable[[ExchangeAdapter, FakeOkxWs, InMemoryEvidenceSink], Awaitable[None]],
            **config: Any) -> tuple[FakeOkxWs, MockOkx]:
    server = FakeOkxWs(*CREDENTIALS.values())
    clock = SystemClock()
    rest = MockOkx(clock)  # only public/time, for the clock sync before the first login

    async def scenario() -> None:
        base = await server.start()
        sink = InMemoryEvidenceSink()
        exchange = okx_venue(OkxConfig(rest_url="https://okx.test", ws_url=base,
                                         **(FAST | config)),
                               CREDENTIALS, clock, sink, transport=rest.transport).exchange()
        try:
            await test(exchange, server, sink)
        finally:
            await exchange.aclose()
            await server.stop()

    asyncio.run(asyncio.wait_for(scenario(), 20))
    return server, rest


async def next_of(subscription: EventSubscription, kind: type[Any],
                  timeout: float = 3.0) -> Any:
    loop = asyncio.get_running_loop()
    until = loop.time() + timeout
    while (left := until - loop.time()) > 0:
        event: ExchangeEvent | None = await subscription.get(left)
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__} within {timeout} s")


def test_start_logs_in_and_subscribes_every_configured_channel() -> None:
    async def test(ex: ExchangeAdapter, server: FakeOkxWs, sink: InMemoryEvidenceSink) -> None:
        await ex.ws_start()
        assert sorted(server.logins) == ["/ws/v5/business", "/ws/v5/private"]
        channels = {path: [a["channel"] for a in args] for path, args in server.subscriptions}
        assert channels == {
            "/ws/v5/private": ["orders", "positions", "account"],
            "/ws/v5/business": ["orders-algo", "candle1m"],
            "/ws/v5/public": ["tickers", "mark-price"]}

    session(test, ws_symbols=("BTC-USDT-SWAP",))


def test_ws_frames_are_evidence_and_the_login_frame_is_redacted() -> None:
    async def test(ex: ExchangeAdapter, server: FakeOkxWs, sink: InMemoryEvidenceSink) -> None:
        await ex.ws_start()
        kinds = {r.kind for r in sink.records}
        assert {"ws_out", "ws_in", "ws_state"} <= kinds
        logins = [r for r in sink.records if r.kind == "ws_out"
                  and r.request["frame"].get("op") == "login"]
        assert len(logins) == 2
        assert logins[0].request["frame"]["args"][0]["sign"] == "[redacted]"
        text = json.dumps([attrs.asdict(r) for r in sink.records], default=str)
        for value in CREDENTIALS.values():
            assert value not in text

    session(test)


def test_pushes_reach_every_subscription_as_events() -> None:
    async def test(ex: ExchangeAdapter, server: FakeOkxWs, sink: InMemoryEvidenceSink) -> None:
        first, second = ex.subscribe(), ex.subscribe()
        await ex.ws_start()
        await server.push("/ws/v5/private", fixture("orders_partial_fill", "ws"))
        await server.push("/ws/v5/public", fixture("tickers", "ws"))
        for subscription in (first, second):
            update = await next_of(subscription, OrderUpdate)
            assert update.trade is not None and update.trade.trade_id == "93812"
            price = await next_of(subscription, PriceUpdate)
            assert price.kind == "last"
            assert sink.records[price.evidence.seq].kind == "ws_in"

    session(test, ws_symbols=("BTC-USDT-SWAP",))


def test_a_dropped_socket_is_reconnected_resubscribed_and_announced() -> None:
    async def test(ex: ExchangeAdapter, server: FakeOkxWs, sink: InMemoryEvidenceSink) -> None:
        events = ex.subscribe()
        await ex.ws_start()
        server.drop_all()
        # per connection: one "lost" when the socket dies, one "resubscribed" once it is back
        reasons = [(await next_of(events, ResyncNeeded)).reason for _ in range(4)]
        assert sorted(r.split(" stream ")[1].split(":")[0] for r in reasons) == [
            "lost", "lost", "resubscribed after a gap", "resubscribed after a gap"]
        assert server.logins.count("/ws/v5/private") == 2
        assert server.logins.count("/ws/v5/business") == 2
        assert [path for path, _ in server.subscriptions].count("/ws/v5/private") == 2
        await server.push("/ws/v5/private", fixture("orders_partial_fill", "ws"))
        assert isinstance(await next_of(events, OrderUpdate), OrderUpdate)

    session(test)


def test_a_refused_login_fails_start_with_a_clear_error_and_asks_for_resync() -> None:
    async def test(ex: ExchangeAdapter, server: FakeOkxWs, sink: InMemoryEvidenceSink) -> None:
        server.refuse_login = True
        events = ex.subscribe()
        with pytest.raises(ExchangeUnavailable, match="60009"):
            await ex.ws_start()
        assert isinstance(await events.get(0.1), ResyncNeeded)

    _, rest = session(test, ws_start_timeout_s=0.5)
    # 3 samples before the first login, 3 more after each refusal (an expired timestamp
    # is one reason OKX refuses a login)
    assert len(rest.seen("GET", "/api/v5/public/time")) >= 6


def test_an_idle_connection_pings_and_a_missing_pong_forces_a_reconnect() -> None:
    async def test(ex: ExchangeAdapter, server: FakeOkxWs, sink: InMemoryEvidenceSink) -> None:
        await ex.ws_start()
        await asyncio.sleep(0.25)
        assert server.pings >= 2
        assert len(server.logins) == 2  # pongs came back: no reconnect
        server.answer_pings = False
        events = ex.subscribe()
        lost = await next_of(events, ResyncNeeded)
        assert "stream lost" in lost.reason
        assert any(r.outcome == "pong_timeout" for r in sink.records)

    session(test, ws_ping_idle_s=0.05, ws_pong_timeout_s=0.1)


def test_stop_closes_every_connection() -> None:
    async def test(ex: ExchangeAdapter, server: FakeOkxWs, sink: InMemoryEvidenceSink) -> None:
        await ex.ws_start()
        assert len(server.open) == 2
        await ex.ws_stop()
        for _ in range(50):
            if not server.open:
                break
            await asyncio.sleep(0.01)
        assert server.open == []

    session(test)


def test_a_busy_feed_still_gets_pings_so_the_server_hears_from_the_client() -> None:
    async def test(ex: ExchangeAdapter, server: FakeOkxWs, sink: InMemoryEvidenceSink) -> None:
        await ex.ws_start()
        for _ in range(15):  # a push every 20 ms: the client never sees a quiet socket
            await server.push("/ws/v5/private", fixture("positions_event", "ws"))
            await asyncio.sleep(0.02)
        assert server.pings_on.get("/ws/v5/private", 0) >= 2

    session(test, ws_ping_idle_s=0.1)
