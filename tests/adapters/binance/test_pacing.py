"""Pacing under Binance's own numbers: budgets from exchangeInfo, usage headers, 429 Retry-After,
418 bans (nothing sent until the ban ends, said loudly)."""

import asyncio
import logging
from decimal import Decimal

import pytest

from adapters.binance.errors import Limited
from adapters.binance.pacing import ORDERS, WEIGHT, Budget, PacerRefused, WeightPacer, weight_of
from domain.orders import Side
from domain.outcome import Accepted, Rejected
from ports.errors import ExchangeUnavailable
from ports.exchange import ExchangeAdapter
from ports.exchange_types import OrderPlacement
from tests.adapters.binance.mock_binance import MockBinance, fixture, run
from tests.fakes import FakeClock

START = 1_763_779_980_000  # a whole minute: windows start here


def pacer(clock: FakeClock, **kwargs: object) -> WeightPacer:
    return WeightPacer(clock, clock.now_ms, **kwargs)  # type: ignore[arg-type]


def test_the_documented_weights_and_the_extra_cost_of_listing_every_symbol() -> None:
    assert weight_of("GET /fapi/v1/positionSide/dual", {}) == 30
    assert weight_of("GET /fapi/v1/openAlgoOrders", {"symbol": "BTCUSDC"}) == 1
    assert weight_of("GET /fapi/v1/openAlgoOrders", {}) == 40
    assert [weight_of("GET /fapi/v1/klines", {"limit": n}) for n in ("99", "499", "1000",
                                                                     "1500")] == [1, 2, 5, 10]
    assert weight_of("GET /fapi/v9/unknown", {}) == 5  # unlisted: assumed heavy


def test_budgets_come_from_exchange_info() -> None:
    pace = pacer(FakeClock(START))
    pace.use_limits([("REQUEST_WEIGHT", "MINUTE", 1, 1000), ("ORDERS", "SECOND", 10, 50),
                     ("RAW_REQUESTS", "MINUTE", 5, 6100)])
    assert pace.budgets == (Budget(WEIGHT, 60_000, 1000), Budget(ORDERS, 10_000, 50))


def test_a_request_waits_for_the_next_window_once_the_weight_share_is_spent() -> None:
    clock = FakeClock(START)
    pace = pacer(clock, share=0.5)
    pace.use_limits([("REQUEST_WEIGHT", "MINUTE", 1, 120)])

    async def scenario() -> None:
        for _ in range(2):  # 2 x 30 = the 60 the share allows
            await pace.admit("GET /fapi/v1/positionSide/dual", {})
        assert clock.sleeps == []
        await pace.admit("GET /fapi/v1/positionSide/dual", {})

    asyncio.run(scenario())
    assert clock.sleeps == [pytest.approx(60.1)]  # to the minute's end plus the margin
    assert pace.used(WEIGHT, 60_000) == 30


def test_placements_count_against_the_order_budgets_and_reads_do_not() -> None:
    clock = FakeClock(START)
    pace = pacer(clock, share=1.0)
    pace.use_limits([("ORDERS", "SECOND", 10, 2), ("REQUEST_WEIGHT", "MINUTE", 1, 2400)])

    async def scenario() -> None:
        for _ in range(5):
            await pace.admit("GET /fapi/v1/order", {})
        await pace.admit("POST /fapi/v1/order", {})
        await pace.admit("POST /fapi/v1/algoOrder", {})
        assert clock.sleeps == []
        await pace.admit("POST /fapi/v1/order", {})

    asyncio.run(scenario())
    assert clock.sleeps == [pytest.approx(10.1)]


def test_usage_headers_raise_the_count_to_what_binance_saw() -> None:
    clock = FakeClock(START)
    pace = pacer(clock)
    pace.observe({"x-mbx-used-weight-1m": "2100", "x-mbx-order-count-10s": "7",
                  "X-MBX-ORDER-COUNT-1M": "9", "content-type": "application/json"})
    assert pace.used(WEIGHT, 60_000) == 2100
    assert pace.used(ORDERS, 10_000) == 7 and pace.used(ORDERS, 60_000) == 9
    pace.observe({"x-mbx-used-weight-1m": "12"})  # a lower figure never lowers the count
    assert pace.used(WEIGHT, 60_000) == 2100

    async def heavy() -> None:
        await pace.admit("GET /fapi/v1/positionSide/dual", {})  # 2130: within 90 % of 2400
        assert clock.sleeps == []
        await pace.admit("GET /fapi/v1/positionSide/dual", {})  # 2160: still within
        await pace.admit("GET /fapi/v1/positionSide/dual", {})  # 2190 > 2160: waits

    asyncio.run(heavy())
    assert clock.sleeps == [pytest.approx(60.1)]


def test_a_new_window_starts_from_zero() -> None:
    clock = FakeClock(START)
    pace = pacer(clock)
    pace.observe({"x-mbx-used-weight-1m": "2300"})
    clock.advance(60)
    assert pace.used(WEIGHT, 60_000) == 0


def test_a_short_retry_after_is_waited_out_and_a_long_one_refuses_without_sending() -> None:
    clock = FakeClock(START)
    pace = pacer(clock, max_wait_s=10.0)

    async def scenario() -> None:
        pace.limited(Limited(429, 4.0, "Too many requests"))
        await pace.admit("GET /fapi/v1/order", {})
        assert clock.sleeps == [pytest.approx(4.0)]
        pace.limited(Limited(429, 30.0, "Too many requests"))
        with pytest.raises(PacerRefused) as caught:
            await pace.admit("GET /fapi/v1/order", {})
        assert caught.value.reason == "rate_limited"
        assert caught.value.until_ms == clock.now_ms() + 30_000

    asyncio.run(scenario())


def test_a_ban_refuses_every_request_until_it_ends_and_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(START)
    pace = pacer(clock)
    until = START + 120_000
    with caplog.at_level(logging.ERROR, logger="adapters.binance.pacing"):
        pace.limited(Limited(418, 120.0, f"Way too many requests; IP banned until {until}."))
    assert "banned this IP (HTTP 418) until" in caplog.text

    async def attempt() -> None:
        await pace.admit("GET /fapi/v1/time", {})

    for _ in range(3):
        with pytest.raises(PacerRefused) as caught:
            asyncio.run(attempt())
        assert caught.value.reason == "ip_banned" and caught.value.until_ms == until
        clock.advance(30)
    clock.advance(30)  # 120 s after the ban: traffic resumes
    asyncio.run(attempt())


def test_a_ban_without_a_stated_end_lasts_retry_after() -> None:
    clock = FakeClock(START)
    pace = pacer(clock)
    pace.limited(Limited(418, 300.0, "banned"))
    assert pace.banned_until_ms == START + 300_000


def test_after_a_418_the_adapter_sends_nothing_more_reads_raise_and_writes_are_rejected(
        ) -> None:
    mock = MockBinance(FakeClock(START))
    mock.on("POST", "/fapi/v1/order", "order_market_ack")
    mock.on("GET", "/fapi/v1/premiumIndex", "banned_418")

    async def place(ex: ExchangeAdapter) -> OrderPlacement:
        return await ex.place_market(symbol="BTCUSDC", side=Side.BUY, qty=Decimal("0.01"),
                                     reduce_only=False, client_order_id="pxENa00")

    async def scenario(ex: ExchangeAdapter) -> tuple[OrderPlacement, OrderPlacement]:
        first = await place(ex)  # accepted; the position mode is known from here on
        with pytest.raises(ExchangeUnavailable):
            await ex.get_mark_price("BTCUSDC")
        sent = len(mock.requests)
        with pytest.raises(ExchangeUnavailable, match="banned this IP"):
            await ex.get_mark_price("BTCUSDC")
        second = await place(ex)
        assert len(mock.requests) == sent  # nothing left after the ban
        return first, second

    (first, second), sink = run(mock, scenario)
    assert isinstance(first.outcome, Accepted)
    assert isinstance(second.outcome, Rejected)
    assert (second.outcome.code, second.outcome.http_status) == ("ip_banned", None)
    assert "banned this IP (HTTP 418)" in second.outcome.message
    assert [r.outcome for r in sink.records[-2:]] == ["error:not_sent:ip_banned"] * 2


def test_an_order_whose_position_mode_cannot_be_read_during_a_ban_says_so() -> None:
    mock = MockBinance(FakeClock(START))
    mock.on("GET", "/fapi/v1/positionSide/dual", "banned_418")
    placement, _ = run(mock, lambda ex: ex.place_market(
        symbol="BTCUSDC", side=Side.BUY, qty=Decimal("0.01"), reduce_only=False,
        client_order_id="pxENa00"))
    assert isinstance(placement.outcome, Rejected)
    assert "418" in placement.outcome.message
    assert mock.seen("POST", "/fapi/v1/order") == []


def test_a_429_on_a_read_is_waited_out_for_its_retry_after_then_asked_again() -> None:
    clock = FakeClock(START)
    mock = MockBinance(clock)
    limited = fixture("rate_limited_429")
    del limited["headers"]["x-mbx-used-weight-1m"]
    mock.on("GET", "/fapi/v1/premiumIndex", limited, "premium_index")
    mark, _ = run(mock, lambda ex: ex.get_mark_price("BTCUSDC"))
    assert mark.price == Decimal("29990")
    # the retry's backoff, then the rest of Retry-After (7 s in all) before asking again
    assert sum(clock.sleeps) == pytest.approx(7.0)
    assert len(mock.seen("GET", "/fapi/v1/premiumIndex")) == 2


def test_a_usage_header_at_the_limit_makes_the_next_request_wait_for_the_window() -> None:
    clock = FakeClock(START)
    mock = MockBinance(clock)
    mock.on("GET", "/fapi/v1/premiumIndex",
            {"status": 200, "headers": {"x-mbx-used-weight-1m": "2400"},
             "body": fixture("premium_index")["body"]}, "premium_index")

    async def twice(ex: ExchangeAdapter) -> None:
        await ex.get_mark_price("BTCUSDC")
        await ex.get_mark_price("BTCUSDC")

    run(mock, twice)
    assert clock.sleeps == [pytest.approx(60.1)]  # to the end of the minute, plus the margin
