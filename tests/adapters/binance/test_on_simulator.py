"""The adapter against the simulator's Binance face: every outcome ends in a state the
exchange's own admin view confirms."""

from decimal import Decimal
from typing import Any

import pytest

from adapters.clock import SystemClock
from application.sentinel import ensure_algo_visible
from application.unknowns import resolve_order
from domain.orders import OrderState, Side
from domain.outcome import Accepted, Rejected, Unknown
from entrypoints.container import BinanceVenue
from ports.errors import ExchangeUnavailable
from ports.exchange import ExchangeAdapter
from ports.exchange_types import CancelDisposition
from simulator.embedded import EmbeddedSimulator
from tests.adapters.binance.sim_support import BTC, admin, run, run_venue
from tests.fakes import InMemoryEvidenceSink

D = Decimal


async def buy(ex: ExchangeAdapter, cid: str, price: str = "29000") -> Any:
    return await ex.place_limit_postonly(symbol=BTC, side=Side.BUY, qty=D("0.01"),
                                         price=D(price), tif="gtc", reduce_only=False,
                                         client_order_id=cid)


def orders_with(sim: EmbeddedSimulator, cid: str) -> list[dict[str, Any]]:
    return [o for o in admin(sim, f"/sim/orders?instId={BTC}")["orders"]
            if o["clOrdId"] == cid]


def test_an_entry_a_visible_stop_and_a_cancel_as_the_exchange_sees_them(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> None:
        entry = await ex.place_market(symbol=BTC, side=Side.BUY, qty=D("0.01"),
                                      reduce_only=False, client_order_id="pxENlife00")
        assert isinstance(entry.outcome, Accepted)
        stop = await ex.place_algo_stop(symbol=BTC, side=Side.SELL, qty=D("0.01"),
                                        stop_price=D("29400"), reduce_only=True,
                                        client_algo_id="pxSLlife00", working_type="MARK_PRICE")
        assert isinstance(stop.outcome, Accepted)
        visible = await ensure_algo_visible(ex, SystemClock(), symbol=BTC,
                                            client_algo_id="pxSLlife00", deadline_ms=1000)
        assert visible.visible
        positions = await ex.get_positions()
        assert positions.by_symbol[BTC].qty == D("0.01")

    run(sim, test)
    (algo,) = admin(sim, f"/sim/algos?instId={BTC}")["algos"]
    assert (algo["algoClOrdId"], algo["slTriggerPx"], algo["slTriggerPxType"],
            algo["reduceOnly"], algo["state"]) == ("pxSLlife00", "29400", "mark", True, "live")
    assert admin(sim, "/sim/positions")["positions"][0]["pos"] == "0.01"


def test_an_order_accepted_but_its_answer_lost_is_found_by_client_id_and_never_doubled(
        sim: EmbeddedSimulator) -> None:
    sim.faults.inject("drop_after_accept", "fapi/v1/order", method="POST", times=1,
                      mode="reset")

    async def test(ex: ExchangeAdapter) -> None:
        placed = await buy(ex, "pxENdrop00")
        assert isinstance(placed.outcome, Unknown)
        resolved = await resolve_order(ex, ex, SystemClock(), symbol=BTC,
                                       client_order_id="pxENdrop00",
                                       exp_time_ms=placed.exp_time_ms, max_wait_s=5)
        assert resolved.conclusive and resolved.status is not None
        assert resolved.status.state is OrderState.LIVE
        again = await buy(ex, "pxENdrop00")  # a resend: Binance refuses the duplicate
        assert again.outcome == Accepted(resolved.status.order_id)

    run(sim, test)
    assert len(orders_with(sim, "pxENdrop00")) == 1


def test_send_status_unknown_and_unknown_error_are_unknown_and_resolved(
        sim: EmbeddedSimulator) -> None:
    sim.faults.inject("send_status_unknown", "fapi/v1/order", method="POST", times=1)
    sim.faults.inject("unknown_error", "fapi/v1/order", method="POST", times=1, processed=False)

    async def test(ex: ExchangeAdapter) -> None:
        first = await buy(ex, "pxENunk00")
        second = await buy(ex, "pxENunk01")
        assert first.outcome == Unknown("-1007") and second.outcome == Unknown("-1000")
        found = [await resolve_order(ex, ex, SystemClock(), symbol=BTC, client_order_id=cid,
                                     exp_time_ms=p.exp_time_ms, max_wait_s=8)
                 for cid, p in (("pxENunk00", first), ("pxENunk01", second))]
        assert found[0].status is not None  # -1007 ran the order
        assert found[1].conclusive and found[1].status is None  # this one did not run

    # a short recvWindow: "absent" is conclusive one window (plus a grace) after sending
    run(sim, test, recv_window_ms=1000)
    assert len(orders_with(sim, "pxENunk00")) == 1 and orders_with(sim, "pxENunk01") == []


def test_a_fill_racing_the_cancel_is_reported(sim: EmbeddedSimulator) -> None:
    sim.faults.inject("fill_race_cancel", "fapi/v1/order", method="DELETE", times=1)

    async def test(ex: ExchangeAdapter) -> None:
        placed = await buy(ex, "pxT1race00")
        result = await ex.cancel_order(symbol=BTC, order_id=placed.order_id,
                                       client_order_id=None)
        assert result.disposition is CancelDisposition.ALREADY_TERMINAL
        assert result.order_status is not None
        assert result.order_status.state is OrderState.FILLED

    run(sim, test)


def test_a_skewed_exchange_clock_is_measured_again_and_the_read_repeated(
        sim: EmbeddedSimulator) -> None:
    sink = InMemoryEvidenceSink()

    async def test(venue: BinanceVenue) -> None:
        ex = venue.exchange()
        await ex.get_balances()  # the clock is measured before this first signed call
        sim.faults.inject("clock_skew", "*", ms=8000)
        try:
            balances = await ex.get_balances()
        finally:
            sim.faults.clear()
        assert balances.ccy == "USDC"
        assert venue.rest().offset_ms >= 7000

    run_venue(sim, test, sink)
    refusals = [r for r in sink.records if r.outcome == "rejected:-1021"]
    assert len(refusals) == 1


def test_after_a_ban_nothing_reaches_the_exchange(sim: EmbeddedSimulator) -> None:
    sim.faults.inject("rate_limit", "fapi/v1/premiumIndex", times=1, status=418)

    async def test(ex: ExchangeAdapter) -> int:
        await ex.get_balances()
        await ex.instrument(BTC)  # the order below is built from the rules read before
        with pytest.raises(ExchangeUnavailable):
            await ex.get_mark_price(BTC)
        before = len(sim.requests())
        for _ in range(3):
            try:
                await ex.get_mark_price(BTC)
            except ExchangeUnavailable as exc:
                assert "banned" in str(exc)
        placement = await buy(ex, "pxENban00")
        assert isinstance(placement.outcome, Rejected)
        return before

    before = run(sim, test)
    assert len(sim.requests()) == before


def test_a_stop_kept_invisible_is_not_confirmed_within_a_second(sim: EmbeddedSimulator) -> None:
    sim.faults.inject("algo_visibility_delay", "fapi/v1/algoOrder", method="POST", times=1,
                      ms=1500)

    async def test(ex: ExchangeAdapter) -> None:
        await ex.place_market(symbol=BTC, side=Side.BUY, qty=D("0.01"), reduce_only=False,
                              client_order_id="pxENhide00")
        stop = await ex.place_algo_stop(symbol=BTC, side=Side.SELL, qty=D("0.01"),
                                        stop_price=D("29400"), reduce_only=True,
                                        client_algo_id="pxSLhide00", working_type="MARK_PRICE")
        assert isinstance(stop.outcome, Accepted)
        seen = await ensure_algo_visible(ex, SystemClock(), symbol=BTC,
                                         client_algo_id="pxSLhide00", deadline_ms=1000)
        assert not seen.visible

    run(sim, test)
