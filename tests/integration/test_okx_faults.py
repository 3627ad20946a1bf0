"""Faults the simulator injects, seen through the adapter: each ends in a known state."""

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from adapters.clock import SystemClock
from application.sentinel import POLL_INTERVAL_S, ensure_algo_visible
from application.unknowns import resolve_order
from domain.orders import OrderState, Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.exchange import ExchangeAdapter
from ports.exchange_events import EventSubscription, OrderUpdate, ResyncNeeded
from ports.exchange_types import CancelDisposition
from simulator.embedded import EmbeddedSimulator
from tests.fakes import InMemoryEvidenceSink
from tests.integration.conftest import BTC, KEY, PASSPHRASE, SECRET, adapter
from tests.invariants.world import SimClock

D = Decimal


def run(sim: EmbeddedSimulator, test: Callable[[ExchangeAdapter], Awaitable[Any]],
        sink: InMemoryEvidenceSink | None = None, **config: Any) -> Any:
    async def scenario() -> Any:
        async with adapter(sim, sink, **config) as exchange:
            return await test(exchange)
    return asyncio.run(asyncio.wait_for(scenario(), 30))


async def buy(ex: ExchangeAdapter, cid: str, price: str = "29000") -> Any:
    return await ex.place_limit_postonly(symbol=BTC, side=Side.BUY, qty=D("1"), price=D(price),
                                         tif="gtc", reduce_only=False, client_order_id=cid)


async def next_of(events: EventSubscription, kind: type[Any], timeout: float = 5.0) -> Any:
    loop = asyncio.get_running_loop()
    until = loop.time() + timeout
    while (left := until - loop.time()) > 0:
        event = await events.get(left)
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__} within {timeout} s")


def test_an_order_accepted_but_its_answer_lost_is_unknown_then_found_by_client_id(
        sim: EmbeddedSimulator) -> None:
    sim.faults.inject("drop_after_accept", "trade/order", method="POST", times=1,
                      mode="reset")

    async def test(ex: ExchangeAdapter) -> None:
        placed = await buy(ex, "pxEN0drop1a00")
        assert isinstance(placed.outcome, Unknown)
        resolved = await resolve_order(ex.orders, ex.market, SystemClock(), symbol=BTC,
                                       client_order_id="pxEN0drop1a00",
                                       exp_time_ms=placed.exp_time_ms, max_wait_s=5)
        assert resolved.conclusive and resolved.status is not None
        assert resolved.status.state is OrderState.LIVE
        # a resend with the same client id is refused, never a second order
        again = await buy(ex, "pxEN0drop1a00")
        assert isinstance(again.outcome, Rejected) and again.outcome.code == "51016"
        mine = [o for o in await ex.get_open_orders(BTC)
                if o.client_order_id == "pxEN0drop1a00"]
        assert len(mine) == 1

    run(sim, test)


def test_a_held_answer_times_out_as_unknown(sim: EmbeddedSimulator) -> None:
    sim.faults.inject("drop_after_accept", "trade/order", method="POST", times=1,
                      mode="timeout", hold_s=2)

    async def test(ex: ExchangeAdapter) -> None:
        placed = await buy(ex, "pxEN0hold1a00")
        assert placed.outcome == Unknown("timeout")
        found = await ex.get_order_status(symbol=BTC, order_id=None,
                                          client_order_id="pxEN0hold1a00")
        assert found.status is not None

    run(sim, test, request_timeout_s=0.5)


def test_clock_skew_past_the_auth_window_is_resynced_and_the_call_retried_once(
        sim: EmbeddedSimulator) -> None:
    sink = InMemoryEvidenceSink()

    async def test(ex: ExchangeAdapter) -> None:
        await ex.get_account_config()  # syncs with the unskewed clock
        sim.faults.inject("clock_skew", ms=40_000)
        assert (await ex.get_balances()).total_equity > 0
        placed = await buy(ex, "pxEN0skew1a00")
        # expTime is set on the exchange's clock, else the skewed exchange would drop it
        assert isinstance(placed.outcome, Accepted)
        assert placed.exp_time_ms - SystemClock().now_ms() > 35_000

    run(sim, test, sink)
    outcomes = [r.outcome for r in sink.records_for("GET /api/v5/account/balance")]
    assert outcomes == ["rejected:50102", "ok"]


def test_a_fill_racing_the_cancel_is_reported_with_the_fill(sim: EmbeddedSimulator) -> None:
    sim.faults.inject("fill_race_cancel", "trade/cancel-order", times=1)

    async def test(ex: ExchangeAdapter) -> None:
        placed = await buy(ex, "pxEN0race1a00")
        result = await ex.cancel_order(symbol=BTC, order_id=placed.order_id,
                                       client_order_id=None)
        assert result.outcome == Accepted(placed.order_id)
        assert result.disposition is CancelDisposition.ALREADY_TERMINAL
        assert result.order_status is not None
        assert result.order_status.state is OrderState.FILLED
        assert result.order_status.acc_fill_sz == D("1")

    run(sim, test)


def test_a_cancel_of_an_unknown_order_is_not_found(sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        result = await ex.cancel_order(symbol=BTC, order_id=None,
                                       client_order_id="pxEN0none1a00")
        assert result.disposition is CancelDisposition.NOT_FOUND
        gone = await ex.cancel_algo(symbol=BTC, algo_id=None, client_algo_id="pxSL0none1a00")
        assert gone.disposition is CancelDisposition.NOT_FOUND

    run(sim, test)


@pytest.fixture
def virtual_sim() -> Iterator[EmbeddedSimulator]:
    """A simulator whose clock moves only when the sentinel's clock sleeps (SimClock), so a
    visibility delay is measured in simulated time and CPU load cannot stretch it."""
    with EmbeddedSimulator(api_key=KEY, secret=SECRET, passphrase=PASSPHRASE, mode="demo",
                           seed=7, virtual_clock=True, rate_limits=False,
                           price_walk=False) as made:
        made.set_price(BTC, D("30000"))
        yield made
        assert made.violations() == []


def test_a_late_algo_is_seen_by_the_sentinel_within_its_deadline(
        virtual_sim: EmbeddedSimulator) -> None:
    sim = virtual_sim
    sim.faults.inject("algo_visibility_delay", "trade/order-algo", times=1, ms=300)
    clock = SimClock(sim)

    async def test(ex: ExchangeAdapter) -> None:
        await ex.place_market(symbol=BTC, side=Side.BUY, qty=D("1"), reduce_only=False,
                              client_order_id="pxEN0late1a00")
        stop = await ex.place_algo_stop(symbol=BTC, side=Side.SELL, qty=D("1"),
                                        stop_price=D("29000"), reduce_only=True,
                                        client_algo_id="pxSL0late1a00",
                                        working_type="MARK_PRICE")
        assert isinstance(stop.outcome, Accepted)
        assert await ex.get_open_algo_orders(BTC) == ()
        seen = await ensure_algo_visible(ex.algos, clock, symbol=BTC,
                                         client_algo_id="pxSL0late1a00", deadline_ms=1000)
        # not before it shows (300 ms of exchange time), and on the first poll after it does
        assert seen.visible and seen.via == "poll"
        assert 300 <= seen.elapsed_ms <= 300 + POLL_INTERVAL_S * 1000, seen
        assert seen.polls == 1 + math.ceil(0.300 / POLL_INTERVAL_S)

    run(sim, test)


def test_an_algo_later_than_the_deadline_is_reported_not_visible(
        virtual_sim: EmbeddedSimulator) -> None:
    """The other side of the sentinel: 1,500 ms of lag is past the 1,000 ms deadline."""
    sim = virtual_sim
    sim.faults.inject("algo_visibility_delay", "trade/order-algo", times=1, ms=1500)
    clock = SimClock(sim)

    async def test(ex: ExchangeAdapter) -> None:
        await ex.place_algo_stop(symbol=BTC, side=Side.SELL, qty=D("1"),
                                 stop_price=D("29000"), reduce_only=True,
                                 client_algo_id="pxSL0late2a00", working_type="MARK_PRICE")
        seen = await ensure_algo_visible(ex.algos, clock, symbol=BTC,
                                         client_algo_id="pxSL0late2a00", deadline_ms=1000)
        assert not seen.visible and seen.elapsed_ms <= 1000, seen

    run(sim, test)


def test_ws_reconnects_and_resubscribes_after_the_simulator_drops_the_socket(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        events = ex.subscribe()
        await ex.ws_start()
        assert await asyncio.to_thread(sim.disconnect_ws, "private") >= 1
        lost = await next_of(events, ResyncNeeded)
        back = await next_of(events, ResyncNeeded)
        assert "private stream lost" in lost.reason
        assert "private stream resubscribed" in back.reason
        await buy(ex, "pxEN0ws1a00")
        update = await next_of(events, OrderUpdate)
        assert update.status.client_order_id == "pxEN0ws1a00"

    run(sim, test)


def test_ws_survives_a_disconnect_fault_on_the_business_stream(sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        events = ex.subscribe()
        await ex.ws_start()
        sim.faults.inject("ws_disconnect", "ws/business", times=1)
        await ex.place_market(symbol=BTC, side=Side.BUY, qty=D("1"), reduce_only=False,
                              client_order_id="pxEN0wsb1a00")
        # the algo push is what the simulator aborts the business socket on
        await ex.place_algo_stop(symbol=BTC, side=Side.SELL, qty=D("1"), stop_price=D("29000"),
                                 reduce_only=True, client_algo_id="pxSL0wsb1a00",
                                 working_type="MARK_PRICE")
        reasons = [(await next_of(events, ResyncNeeded)).reason for _ in range(2)]
        assert reasons[0].startswith("business stream lost")
        assert reasons[1].startswith("business stream resubscribed")

    run(sim, test)


def test_normal_operation_under_rate_limits_never_meets_50011(sim: EmbeddedSimulator) -> None:
    sink = InMemoryEvidenceSink()

    async def test(ex: ExchangeAdapter) -> None:
        await asyncio.gather(*(ex.get_account_config() for _ in range(7)),
                             *(ex.get_ticker(BTC) for _ in range(5)))

    run(sim, test, sink)
    assert [r.outcome for r in sink.records if r.outcome != "ok"] == []
    assert len(sink.records_for("account/config")) == 7
    # concurrent first calls share one clock sync (3 samples)
    assert len(sink.records_for("public/time")) == 3
