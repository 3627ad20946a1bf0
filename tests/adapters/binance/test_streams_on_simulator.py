"""The user-data and market streams against the simulator's Binance face: subscribed through
the listen key, events fanned out, and every gap (a dropped connection, an expired listen key)
healed by reconnecting and reported as ResyncNeeded."""

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest

from domain.orders import OrderState, Side
from ports.errors import ExchangeUnavailable
from ports.exchange import ExchangeAdapter
from ports.exchange_events import (
    AlgoUpdate,
    CandleUpdate,
    OrderUpdate,
    PositionUpdate,
    PriceUpdate,
    ResyncNeeded,
)
from simulator.embedded import EmbeddedSimulator
from tests.adapters.binance.mock_binance import streams_of
from tests.adapters.binance.sim_support import BTC, next_of, run
from tests.fakes import InMemoryEvidenceSink

D = Decimal


async def market_buy(ex: ExchangeAdapter, cid: str) -> None:
    await ex.place_market(symbol=BTC, side=Side.BUY, qty=D("0.01"), reduce_only=False,
                          client_order_id=cid)


def test_user_events_arrive_after_ws_start(sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        await ex.ws_start()
        events = ex.subscribe()
        await market_buy(ex, "pxENws00")
        filled = await next_of(events, OrderUpdate,
                               where=lambda e: e.status.state is OrderState.FILLED)
        assert filled.trade is not None and filled.status.client_order_id == "pxENws00"
        position = await next_of(events, PositionUpdate)
        assert position.snapshot.qty == D("0.01")
        await ex.place_algo_stop(symbol=BTC, side=Side.SELL, qty=D("0.01"),
                                 stop_price=D("29400"), reduce_only=True,
                                 client_algo_id="pxSLws00", working_type="MARK_PRICE")
        algo = await next_of(events, AlgoUpdate)
        assert algo.algo_order.client_algo_id == "pxSLws00"

    run(sim, test)


def test_market_streams_deliver_mark_prices_and_klines(sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        await ex.ws_start()
        events = ex.subscribe()
        sim.set_price(BTC, D("30100"), mark=D("30090"))
        mark = await next_of(events, PriceUpdate, where=lambda e: e.kind == "mark")
        assert (mark.inst_id, mark.price) == (BTC, D("30090"))
        candle = await next_of(events, CandleUpdate)
        assert (candle.inst_id, candle.interval) == (BTC, "1m")

    run(sim, test, ws_symbols=(BTC,))


def test_a_dropped_connection_is_reported_and_the_stream_comes_back(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        await ex.ws_start()
        events = ex.subscribe()
        sim.disconnect_ws("user")
        lost = await next_of(events, ResyncNeeded)
        assert "user stream lost" in lost.reason
        back = await next_of(events, ResyncNeeded)
        assert "resubscribed" in back.reason
        await market_buy(ex, "pxENws01")
        await next_of(events, OrderUpdate)
        assert streams_of(ex).keys.created == 1  # the same key, subscribed again

    run(sim, test)


def test_an_expired_listen_key_is_made_anew_and_the_gap_reported(
        sim: EmbeddedSimulator) -> None:
    sink = InMemoryEvidenceSink()

    async def test(ex: ExchangeAdapter) -> list[str]:
        await ex.ws_start()
        events = ex.subscribe()
        first = streams_of(ex).keys.key
        sim.faults.inject("listen_key_expiry", "*")
        gap = await next_of(events, ResyncNeeded)
        assert "listenKeyExpired" in gap.reason
        await next_of(events, ResyncNeeded, where=lambda e: "resubscribed" in e.reason)
        assert streams_of(ex).keys.created == 2 and streams_of(ex).keys.key != first
        await market_buy(ex, "pxENws02")
        await next_of(events, OrderUpdate)  # events flow on the new key
        return list(streams_of(ex).keys.known)

    keys = run(sim, test, sink)
    text = json.dumps([[r.request, r.response, r.extra] for r in sink.records], default=str)
    for key in keys:
        assert key not in text  # evidence holds fingerprints only


def test_a_stream_refused_at_start_fails_ws_start_in_time(sim: EmbeddedSimulator) -> None:
    sim.faults.inject("ws_refuse", "ws/user")

    async def test(ex: ExchangeAdapter) -> None:
        with pytest.raises(ExchangeUnavailable, match="not ready"):
            await ex.ws_start()

    run(sim, test, ws_start_timeout_s=1.0)


def test_the_stream_reconnects_before_its_session_limit(sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> Any:
        await ex.ws_start()
        events = ex.subscribe()
        lost = await next_of(events, ResyncNeeded)
        assert "24 h" in lost.reason
        await next_of(events, ResyncNeeded, where=lambda e: "resubscribed" in e.reason)
        await asyncio.sleep(0)
        return streams_of(ex).streams[0].sessions

    assert run(sim, test, ws_max_session_s=0.5) >= 2


def test_a_key_that_expired_before_subscribing_is_refused_then_made_anew(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> tuple[int, bool]:
        stale = await streams_of(ex).keys.current()
        sim.faults.inject("listen_key_expiry", "*")  # gone before the stream subscribes it
        await ex.ws_start()  # the refused SUBSCRIBE makes the next connect fetch a new key
        events = ex.subscribe()
        await market_buy(ex, "pxENws03")
        await next_of(events, OrderUpdate)
        return streams_of(ex).keys.created, streams_of(ex).keys.key != stale

    assert run(sim, test) == (2, True)
