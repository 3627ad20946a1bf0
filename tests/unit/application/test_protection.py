"""Stop confirmation and the emergency flatten, against the fake exchange."""

import asyncio
import logging
from decimal import Decimal

import pytest

from application.order_path import StopSent
from application.protection import FlattenOutcome, cancel_stray_stop, emergency_flatten
from domain.algo import AlgoStopIntent
from domain.orders import OrderIntent, OrdType, PositionSide, Side
from domain.outcome import Rejected, Unknown
from ports.errors import ExchangeUnavailable
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock
from tests.unit.application import wiring

D = Decimal
IDS = ("pxFLt00", "pxFLt01", "pxFLt02")


def long_position(exchange: FakeExchange, qty: str = "0.05") -> None:
    asyncio.run(exchange.orders.submit_order(OrderIntent(spec(), Side.BUY, OrdType.MARKET,
                                                         D(qty), None, False, "pxENt00")))


def confirm(exchange: FakeExchange) -> StopSent:
    return asyncio.run(wiring.stop_path(exchange).send(stop(), deadline_ms=1000))


def flatten(exchange: FakeExchange) -> FlattenOutcome:
    return asyncio.run(emergency_flatten(wiring.order_path(exchange), exchange.account,
                                         spec=spec(), side=PositionSide.LONG, qty=D("0.05"),
                                         client_ids=IDS))


def stop(cid: str = "pxSLt00") -> AlgoStopIntent:
    return AlgoStopIntent(spec(), Side.SELL, D("0.05"), D("29000"), cid)


def test_a_visible_stop_is_confirmed() -> None:
    exchange = FakeExchange(FakeClock())
    out = confirm(exchange)
    assert out.confirmed and out.algo_id.startswith("A")


def test_rejected_unknown_and_invisible_stops_are_not_confirmed() -> None:
    for scripted, delay, words in ((Rejected("51277", "bad side"), 0.0, "rejected 51277"),
                                   (Unknown("timeout"), 0.0, "answer lost: timeout"),
                                   (None, 1.5, "not visible within 1000 ms")):
        exchange = FakeExchange(FakeClock())
        exchange.algo_visibility_delay_s = delay
        if scripted:
            exchange.script("submit_algo_stop", scripted)
        out = confirm(exchange)
        assert not out.confirmed and words in out.reason


def test_flatten_closes_the_whole_exchange_position() -> None:
    exchange = FakeExchange(FakeClock())
    long_position(exchange)
    out = flatten(exchange)
    assert out.flat and out.qty_closed == D("0.05") and not exchange.positions
    closing = exchange.orders_with_client_id("pxFLt00")[0]
    assert closing.reduce_only and closing.side is Side.SELL


def test_flatten_retries_with_a_new_attempt_after_a_rejection() -> None:
    exchange = FakeExchange(FakeClock())
    long_position(exchange)
    exchange.script("submit_order", Rejected("50013", "busy"))
    out = flatten(exchange)
    assert out.flat and out.client_ids == ("pxFLt00", "pxFLt01")


def test_flatten_after_a_dropped_answer_sends_exactly_one_order() -> None:
    exchange = FakeExchange(FakeClock())
    long_position(exchange)
    exchange.script("submit_order", "drop")
    out = flatten(exchange)
    assert out.flat and len(exchange.orders_with_client_id("pxFLt00")) == 1
    assert len(exchange.order_book) == 2


def test_a_position_already_gone_leaves_no_residue() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_order", Rejected("51169", "no position to reduce"))
    out = flatten(exchange)
    assert out.flat and not exchange.order_book and out.client_ids == ("pxFLt00",)


def test_a_flatten_that_cannot_close_reports_not_flat() -> None:
    exchange = FakeExchange(FakeClock())
    long_position(exchange)
    exchange.script("submit_order", *[Rejected("50013", "busy")] * 3)
    out = flatten(exchange)
    assert not out.flat and exchange.positions


def test_a_stop_whose_answer_was_lost_is_confirmed_once_the_exchange_shows_it() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_algo_stop", "drop")
    out = confirm(exchange)
    assert out.confirmed and out.algo_id.startswith("A")


# issue 8 bug 4: the cancel of a stop that was not yet visible looked it up, found nothing,
# reported "accepted", and the stop went live afterwards
def test_a_stray_stop_not_yet_visible_is_watched_until_it_shows_and_cancelled() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.algo_visibility_delay_s = 1.5
    asyncio.run(exchange.algos.submit_algo_stop(stop()))
    start = exchange.clock.monotonic()
    out = asyncio.run(cancel_stray_stop(exchange.algos, exchange.clock, symbol="BTC-USDT-SWAP",
                                        client_algo_id="pxSLt00", algo_id="", wait_s=5))
    assert out.confirmed and out.reason == "canceled"
    assert not exchange.open_algos("BTC-USDT-SWAP")
    assert 1.5 <= exchange.clock.monotonic() - start < 2.0


def test_a_stray_stop_with_a_known_algo_id_is_cancelled_at_once() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.algo_visibility_delay_s = 1.5
    placed = asyncio.run(exchange.algos.submit_algo_stop(stop()))
    start = exchange.clock.monotonic()
    out = asyncio.run(cancel_stray_stop(exchange.algos, exchange.clock, symbol="BTC-USDT-SWAP",
                                        client_algo_id="pxSLt00", algo_id=placed.algo_id,
                                        wait_s=5))
    assert out.confirmed and not exchange.open_algos("BTC-USDT-SWAP")
    assert exchange.clock.monotonic() == start


def test_a_stray_stop_that_never_shows_is_reported_unconfirmed() -> None:
    exchange = FakeExchange(FakeClock())
    start = exchange.clock.monotonic()
    out = asyncio.run(cancel_stray_stop(exchange.algos, exchange.clock, symbol="BTC-USDT-SWAP",
                                        client_algo_id="pxSLt00", algo_id="", wait_s=5))
    assert not out.confirmed and "may still appear" in out.reason
    assert exchange.clock.monotonic() - start >= 5


def logged(caplog: pytest.LogCaptureFixture, *names: str) -> list[tuple[object, ...]]:
    """Each record of application.protection: level, message, then the named fields."""
    return [(r.levelname, r.getMessage(), *(vars(r).get(n) for n in names))
            for r in caplog.records if r.name == "application.protection"]


def test_a_flatten_reports_and_logs_what_the_exchange_filled(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "application.protection")
    exchange = FakeExchange(FakeClock())
    long_position(exchange)
    exchange.script("submit_order", Rejected("50013", "busy"))
    out = flatten(exchange)
    (order,) = exchange.orders_with_client_id("pxFLt01")
    assert (out.flat, out.unknown, out.qty_closed, out.avg_price) == (
        True, False, D("0.05"), D("30000"))
    assert out.order_ids == (order.order_id,) and out.client_ids == ("pxFLt00", "pxFLt01")
    assert out.reason == "flatten pxFLt00 rejected 50013: busy"
    assert logged(caplog, "symbol", "side", "qty", "client_order_ids") == [
        ("INFO", "flatten: closing the position reduce-only at market",
         "BTC-USDT-SWAP", "LONG", "0.05", list(IDS)),
        ("INFO", "flatten done: the exchange shows the symbol flat",
         "BTC-USDT-SWAP", None, None, ["pxFLt00", "pxFLt01"])]
    done = [r for r in caplog.records if r.name == "application.protection"][-1]
    assert (vars(done)["qty_closed"], vars(done)["order_ids"]) == ("0.05", [order.order_id])


def test_a_flatten_that_fails_says_so_at_error_with_why(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "application.protection")
    exchange = FakeExchange(FakeClock())
    long_position(exchange)
    exchange.script("submit_order", *[Rejected("50013", "busy")] * 3)
    out = flatten(exchange)
    assert (out.flat, out.unknown, out.qty_closed, out.avg_price, out.order_ids) == (
        False, False, D(0), None, ())
    assert out.reason == "; ".join(f"flatten {cid} rejected 50013: busy" for cid in IDS)
    failed = logged(caplog, "symbol", "qty_closed", "client_order_ids", "order_ids", "unknown",
                    "reason")[-1]
    assert failed == ("ERROR", "flatten FAILED: the position may still be open",
                      "BTC-USDT-SWAP", "0", list(IDS), [], False, out.reason)


def test_a_flatten_whose_answer_cannot_be_resolved_stops_and_is_unknown() -> None:
    exchange = FakeExchange(FakeClock())
    long_position(exchange)
    exchange.script("submit_order", Unknown("timeout"))
    exchange.script("get_order_status", *[ExchangeUnavailable("down")] * 200)
    out = flatten(exchange)
    # one order may exist: no second attempt may be sent while it is unresolved
    assert (out.flat, out.unknown, out.client_ids) == (False, True, ("pxFLt00",))
    assert out.reason == "flatten pxFLt00 answer lost (timeout); lookup by client id: unresolved"


def test_a_position_larger_than_the_caller_knew_is_closed_over_attempts_and_summed() -> None:
    exchange = FakeExchange(FakeClock())
    long_position(exchange, "0.08")  # the caller holds 0.05: the exchange shows more
    out = flatten(exchange)
    first, second = (exchange.orders_with_client_id(c)[0] for c in ("pxFLt00", "pxFLt01"))
    assert (first.size, second.size) == (D("0.05"), D("0.03"))
    assert (out.flat, out.qty_closed, out.avg_price) == (True, D("0.08"), D("30000"))
    assert out.order_ids == (first.order_id, second.order_id)
    assert out.client_ids == ("pxFLt00", "pxFLt01") and out.reason == ""
    # two orders, each read once, and two position reads: all of it in the evidence
    assert len(out.evidence) == len(set(out.evidence)) >= 4
    assert not exchange.positions
