"""Pacing keeps each endpoint (and instId bucket) inside OKX's limits, waiting on the clock."""

import asyncio
import contextlib
from decimal import Decimal

from adapters.okx.pacing import LIMITS, WINDOW_MARGIN_S, Limit, Pacer
from domain.orders import Side
from tests.adapters.okx.mock_okx import MockOkx, build
from tests.fakes import FakeClock


def test_a_bucket_admits_its_limit_then_waits_for_the_window_to_slide() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, limits={"GET /x": Limit(3, 2.0)})

    async def scenario() -> list[float]:
        stamps = []
        for _ in range(7):
            await pacer.wait("GET /x")
            stamps.append(round(clock.monotonic() - 1000.0, 6))
        return stamps

    window = 2.0 + WINDOW_MARGIN_S
    assert asyncio.run(scenario()) == [0, 0, 0, window, window, window, 2 * window]


def test_buckets_of_different_instruments_and_endpoints_do_not_wait_for_each_other() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, limits={"POST /o": Limit(2, scope="instId"), "GET /t": Limit(2)})

    async def scenario() -> None:
        for _ in range(2):
            await pacer.wait("POST /o", "BTC-USDT-SWAP")
        await pacer.wait("POST /o", "ETH-USDT-SWAP")
        await pacer.wait("GET /t")
        await pacer.wait("GET /unlisted")

    asyncio.run(scenario())
    assert clock.sleeps == []


def test_a_waiting_bucket_does_not_hold_up_another_endpoint() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, limits={"GET /slow": Limit(1), "GET /fast": Limit(5)})
    order: list[str] = []

    async def call(endpoint: str) -> None:
        await pacer.wait(endpoint)
        order.append(endpoint)

    async def scenario() -> None:
        await call("GET /slow")
        await asyncio.gather(call("GET /slow"), call("GET /fast"))

    asyncio.run(scenario())
    assert order == ["GET /slow", "GET /fast", "GET /slow"]


def test_disabled_pacing_never_waits() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, enabled=False, limits={"GET /x": Limit(1)})

    async def scenario() -> None:
        for _ in range(5):
            await pacer.wait("GET /x")

    asyncio.run(scenario())
    assert clock.sleeps == []


def test_the_published_order_limits_are_per_instrument() -> None:
    assert LIMITS["POST /api/v5/trade/order"] == Limit(60, 2.0, "instId")
    assert LIMITS["POST /api/v5/trade/cancel-order"] == Limit(60, 2.0, "instId")
    assert LIMITS["GET /api/v5/trade/orders-algo-pending"] == Limit(20, 2.0, None)


def test_61_orders_on_one_instrument_wait_but_another_instrument_does_not() -> None:
    clock = FakeClock()
    mock = MockOkx(clock)
    mock.default("POST", "/api/v5/trade/order", "order_place_ok")

    async def scenario() -> tuple[float, float]:
        exchange, _ = build(mock)
        async with exchange:
            for symbol in ["BTC-USDT-SWAP"] * 60 + ["ETH-USDT-SWAP"]:
                await exchange.place_market(symbol=symbol, side=Side.BUY, qty=Decimal("1"),
                                            reduce_only=False, client_order_id="pxEN0a00")
            before = mock.venue.rest().pacer.waited_s
            await exchange.place_market(symbol="BTC-USDT-SWAP", side=Side.BUY,
                                        qty=Decimal("1"), reduce_only=False,
                                        client_order_id="pxEN0a00")
            return before, mock.venue.rest().pacer.waited_s

    before, after = asyncio.run(scenario())
    assert before == 0
    assert after > 2.0
    assert len(mock.seen("POST", "/api/v5/trade/order")) == 62


def test_a_request_counts_until_a_window_after_its_answer_arrived() -> None:
    """The exchange counts a request when it arrives, which can be as late as our receipt of
    the answer; measuring from the answer keeps a slow request from overlapping the next."""
    clock = FakeClock()
    pacer = Pacer(clock, limits={"GET /x": Limit(1, 2.0)})

    async def scenario() -> float:
        async with pacer.slot("GET /x"):
            clock.advance(1.5)  # the answer takes 1.5 s
        await pacer.wait("GET /x")
        return round(clock.monotonic() - 1000.0, 6)

    assert asyncio.run(scenario()) == 1.5 + 2.0 + WINDOW_MARGIN_S


def test_requests_in_flight_hold_their_places() -> None:
    clock = FakeClock()
    pacer = Pacer(clock, limits={"GET /x": Limit(2, 2.0)})

    async def scenario() -> tuple[bool, float]:
        async with contextlib.AsyncExitStack() as in_flight:
            await in_flight.enter_async_context(pacer.slot("GET /x"))
            await in_flight.enter_async_context(pacer.slot("GET /x"))
            third = asyncio.create_task(pacer.wait("GET /x"))
            for _ in range(20):
                await asyncio.sleep(0)
            waited_for_answers = not third.done()
            answered_at = clock.monotonic()
        await third
        return waited_for_answers, round(clock.monotonic() - answered_at, 6)

    waited, after_answers = asyncio.run(scenario())
    assert waited and after_answers >= 2.0 + WINDOW_MARGIN_S
