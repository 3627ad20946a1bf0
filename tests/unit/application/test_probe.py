"""ProbeExecution against the in-memory fake exchange."""

import asyncio
import re
from decimal import Decimal
from typing import Any

import pytest

from application.probe import ProbeRan, RunProbe
from application.probe_report import VERDICT_WORDS
from domain.orders import PositionSide
from domain.outcome import Rejected, Unknown
from ports.errors import ExchangeRejected, ExchangeUnavailable
from tests.fake_venue import FakeExchange
from tests.fakes import FakeClock, InMemoryEvidenceSink
from tests.unit.application import wiring


def run(exchange: FakeExchange, sink: InMemoryEvidenceSink, **kw: Any) -> ProbeRan:
    cmd = RunProbe(inst_id=str(kw.pop("inst_id", "BTC-USDT-SWAP")), intent_id="probe1", **kw)
    return asyncio.run(wiring.probe(exchange, sink).execute(cmd))


World = tuple[FakeExchange, InMemoryEvidenceSink]


@pytest.fixture
def world() -> World:
    sink = InMemoryEvidenceSink()
    return FakeExchange(FakeClock(), sink), sink


def test_the_full_loop_leaves_every_seed_deliverable(world: World) -> None:
    exchange, sink = world
    ran = run(exchange, sink)
    assert ran.order_placed and ran.loop_closed and ran.exchange_errors == 0
    for name in ("public_instruments_probe.json", "public_ticker_probe.json",
                 "probe_selected_inst.json", "account_config_snapshot.json"):
        assert name in sink.documents
    samples = sink.appended["order_status_samples.json"]
    assert [s["state"] for s in samples] == ["live", "canceled"]
    assert "OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md" in sink.texts
    calls = [r["call"] for r in sink.appended["probe_execution.jsonl"]]
    assert calls == ["get_price_limit", "submit_order", "cancel_order"]


def test_the_default_price_sits_below_the_band_and_never_comes_from_the_ticker(
        world: World) -> None:
    exchange, sink = world
    run(exchange, sink)
    order = next(iter(exchange.order_book.values()))
    # band 28500..31500 around 30000: one band width (3000) under sellLmt
    assert order.price == Decimal("25500.0")
    assert order.size == Decimal("0.01") and order.side.value == "buy"


def test_an_operator_price_is_used_as_given(world: World) -> None:
    exchange, sink = world
    run(exchange, sink, px=Decimal("100.1"))
    assert next(iter(exchange.order_book.values())).price == Decimal("100.1")
    assert "get_price_limit" not in exchange.calls


def test_an_off_tick_price_is_refused_before_any_order(world: World) -> None:
    exchange, sink = world
    ran = run(exchange, sink, px=Decimal("100.05"))
    assert ran.bad_input and not exchange.order_book and "submit_order" not in exchange.calls
    assert "OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md" in sink.texts


def test_a_suspended_instrument_gets_no_order_but_a_package(world: World) -> None:
    exchange, sink = world
    ran = run(exchange, sink, inst_id="XRP-USDT-SWAP")
    assert not exchange.order_book and not ran.order_placed
    selected = sink.documents["probe_selected_inst.json"]
    assert selected["exists"] is True and selected["state"] == "suspend"
    assert selected["selected"] is False


def test_an_unknown_instrument_gets_no_order_and_the_51001_is_reported(world: World) -> None:
    exchange, sink = world
    ran = run(exchange, sink, inst_id="NOPE-USDT-SWAP")
    assert not exchange.order_book and ran.exchange_errors == 1
    ticker = sink.documents["public_ticker_probe.json"]
    assert ticker["ok"] is False and ticker["error"]["code"] == "51001"
    report = sink.texts["OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md"]
    assert "### 51001" in report and "present in public/instruments: no" in report
    assert "public_ticker" in report


def test_instruments_unavailable_means_no_order(world: World) -> None:
    exchange, sink = world
    exchange.script("get_instruments", ExchangeUnavailable("connection reset"))
    ran = run(exchange, sink)
    assert not exchange.order_book and not ran.order_placed
    assert sink.documents["public_instruments_probe.json"]["ok"] is False


def test_a_rejected_order_is_not_turned_into_an_ack(world: World) -> None:
    exchange, sink = world
    exchange.script("submit_order", Rejected("51008", "Insufficient margin", 200))
    ran = run(exchange, sink)
    assert not ran.order_placed and not ran.loop_closed
    ack = sink.appended["probe_execution.jsonl"][1]
    assert ack["ack_received"] is False and ack["fill_observed"] is False
    assert ack["error_code"] == "51008"
    assert "order_status_samples.json" not in sink.appended


def test_a_dropped_ack_is_resolved_by_client_id_with_one_order(world: World) -> None:
    exchange, sink = world
    exchange.script("submit_order", "drop")
    ran = run(exchange, sink)
    assert len(exchange.order_book) == 1 and ran.loop_closed and not ran.unresolved_unknown
    resolve = sink.appended["probe_execution.jsonl"][2]
    assert resolve["call"] == "resolve_unknown_submit" and resolve["found"] is True


def test_an_unknown_that_never_resolves_is_reported_as_such(world: World) -> None:
    exchange, sink = world
    exchange.script("submit_order", Unknown("timeout"))
    exchange.script("get_order_status", *[ExchangeUnavailable("down")] * 200)
    ran = run(exchange, sink)
    assert ran.unresolved_unknown and not ran.order_placed


def test_a_failed_status_read_is_recorded_and_the_probe_still_packages(world: World) -> None:
    exchange, sink = world
    exchange.script("get_order_status", ExchangeRejected("50013", "busy", 429))
    ran = run(exchange, sink)
    assert ran.order_placed and not ran.loop_closed
    first = sink.appended["order_status_samples.json"][0]
    assert first["ok"] is False and first["error"]["http_status"] == 429


@pytest.mark.parametrize("inst_id", ["BTC-USDT-SWAP", "NOPE-USDT-SWAP", "XRP-USDT-SWAP"])
def test_the_report_carries_no_verdict_words(world: World, inst_id: str) -> None:
    exchange, sink = world
    exchange.script("cancel_order", Rejected("51400", "Order cancellation failed", 200))
    run(exchange, sink, inst_id=inst_id)
    report = sink.texts["OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md"]
    unquoted = re.sub(r"`[^`]*`", "", report)
    words = set(re.findall(r"[A-Za-z]+", unquoted.upper()))
    assert words.isdisjoint(VERDICT_WORDS), words & set(VERDICT_WORDS)


# issue 8 bug 2: `probe --px` at or above the market filled and left an unprotected position
@pytest.mark.parametrize("px", ["30000.0", "30100.0"])
def test_a_price_at_or_through_the_market_is_refused_before_anything_is_sent(
        world: World, px: str) -> None:
    exchange, sink = world
    ran = run(exchange, sink, px=Decimal(px))
    assert "would fill" in ran.bad_input and "--allow-fill" in ran.bad_input
    assert not ran.order_placed and not exchange.order_book
    assert "submit_order" not in exchange.calls
    check = sink.appended["probe_execution.jsonl"][-1]
    assert (check["call"], check["ok"], check["crosses"]) == ("check_px", False, True)
    assert "Input refused before sending" in sink.texts["OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md"]


def test_a_price_below_the_market_is_sent(world: World) -> None:
    exchange, sink = world
    ran = run(exchange, sink, px=Decimal("29999.9"))
    assert ran.loop_closed and not ran.bad_input and ran.filled == 0 and ran.fill_closed


def test_an_unreadable_book_refuses_an_operator_price(world: World) -> None:
    exchange, sink = world
    exchange.script("get_ticker", ExchangeUnavailable("timeout", None))
    ran = run(exchange, sink, px=Decimal("100.0"))
    assert "cannot be checked against the book" in ran.bad_input and not exchange.order_book


def fill_on_first_lookup(exchange: FakeExchange) -> None:
    """The probe order fills (the exchange matched it) before the probe looks at it."""
    lookup = exchange.orders.get_order_status

    async def filled_first(**kwargs: object):  # type: ignore[no-untyped-def]
        order = next(o for o in exchange.order_book.values()
                     if o.client_order_id.startswith("pxPB"))
        if order.acc_fill_sz == 0:
            exchange.fill_order(order.order_id)
        return await lookup(**kwargs)  # type: ignore[arg-type]
    exchange.orders.get_order_status = filled_first  # type: ignore[method-assign]


def test_with_allow_fill_the_fill_is_sold_again_reduce_only_and_reported(world: World) -> None:
    exchange, sink = world
    fill_on_first_lookup(exchange)
    ran = run(exchange, sink, px=Decimal("30100.0"), allow_fill=True)
    assert ran.filled == Decimal("0.01") and ran.fill_closed
    assert not exchange.positions
    (close,) = [o for o in exchange.order_book.values() if o.client_order_id == "pxCLprobe100"]
    assert close.reduce_only and close.side.value == "sell" and close.size == Decimal("0.01")
    record = sink.appended["probe_execution.jsonl"][-1]
    assert (record["call"], record["ok"], record["closed"]) == ("close_probe_fill", True, "0.01")
    assert "sold again reduce-only at market: 0.01" in \
        sink.texts["OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md"]


def test_allow_fill_is_refused_on_an_instrument_with_a_position(world: World) -> None:
    exchange, sink = world
    exchange.positions["BTC-USDT-SWAP"] = (PositionSide.SHORT, Decimal("0.05"),
                                           Decimal("30000"))
    ran = run(exchange, sink, px=Decimal("30100.0"), allow_fill=True)
    assert "would merge into the open one" in ran.bad_input and not exchange.order_book


def test_a_resting_probe_order_the_market_filled_is_sold_again(world: World) -> None:
    exchange, sink = world
    fill_on_first_lookup(exchange)
    ran = run(exchange, sink, px=Decimal("29000.0"))
    assert ran.filled == Decimal("0.01") and ran.fill_closed and not exchange.positions
