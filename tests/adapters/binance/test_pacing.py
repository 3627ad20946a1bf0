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


@pytest.mark.parametrize(("limit", "weight"), [
    (None, 5), ("1", 1), ("99", 1), ("100", 2), ("499", 2), ("500", 5), ("1000", 5),
    ("1001", 10)])
def test_klines_weigh_by_their_limit_at_each_boundary(limit: str | None, weight: int) -> None:
    assert weight_of("GET /fapi/v1/klines", {} if limit is None else {"limit": limit}) == weight


def test_ban_and_block_times_are_told_in_utc_whatever_the_machines_zone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from adapters.binance.pacing import utc
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert utc(0) == "1970-01-01 00:00:00 UTC"
        assert utc(1_767_229_322_000) == "2026-01-01 01:02:02 UTC"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_budgets_with_no_room_are_ignored_and_a_limit_of_one_is_kept() -> None:
    pace = pacer(FakeClock(START))
    pace.use_limits([("REQUEST_WEIGHT", "MINUTE", 1, 0), ("ORDERS", "SECOND", 10, 1)])
    assert pace.budgets == (Budget(ORDERS, 10_000, 1),)


def test_every_wait_is_added_to_waited_s() -> None:
    clock = FakeClock(START)
    pace = pacer(clock, share=1.0)
    pace.use_limits([("REQUEST_WEIGHT", "MINUTE", 1, 60)])
    assert pace.waited_s == 0

    async def scenario() -> None:
        for _ in range(2):
            await pace.admit("GET /fapi/v1/positionSide/dual", {})  # 60 of 60
        await pace.admit("GET /fapi/v1/positionSide/dual", {})  # waits to the window's end
        pace.limited(Limited(429, 4.0, "Too many requests"))
        await pace.admit("GET /fapi/v1/time", {})  # waits out Retry-After

    asyncio.run(scenario())
    assert clock.sleeps == [pytest.approx(60.1), pytest.approx(4.0)]
    assert pace.waited_s == pytest.approx(64.1)


def test_a_retry_after_over_ten_seconds_is_refused_by_default_and_one_second_is_waited() -> None:
    clock = FakeClock(START)
    pace = pacer(clock)

    async def scenario() -> None:
        pace.limited(Limited(429, 0.5, "Too many requests"))
        await pace.admit("GET /fapi/v1/time", {})
        pace.limited(Limited(429, None, "Too many requests"))  # no Retry-After: one second
        await pace.admit("GET /fapi/v1/time", {})
        pace.limited(Limited(429, 10.5, "Too many requests"))
        with pytest.raises(PacerRefused, match=r"Binance asked us to wait until 20\d\d-\d\d-\d\d "
                                               r"\d\d:\d\d:\d\d UTC \(HTTP 429, Retry-After\)"):
            await pace.admit("GET /fapi/v1/time", {})

    asyncio.run(scenario())
    assert clock.sleeps == [pytest.approx(0.5), pytest.approx(1.0)]


def test_a_ban_with_neither_a_stated_end_nor_retry_after_lasts_two_minutes(
        caplog: pytest.LogCaptureFixture) -> None:
    pace = pacer(FakeClock(START))
    with caplog.at_level(logging.ERROR, logger="prometheus.binance"):
        pace.limited(Limited(418, None, "Way too many requests"))
    assert pace.banned_until_ms == START + 120_000
    assert caplog.messages == [
        "Binance banned this IP (HTTP 418) until 2025-11-22 02:55:00 UTC: no request is sent "
        "before then (Way too many requests)"]


def test_a_stated_ban_end_wins_over_retry_after() -> None:
    pace = pacer(FakeClock(START))
    pace.limited(Limited(418, 5.0, f"Way too many requests; IP banned until {START + 600_000}."))
    assert pace.banned_until_ms == START + 600_000


def test_usage_headers_of_an_earlier_window_do_not_carry_over_and_bad_ones_are_skipped() -> None:
    clock = FakeClock(START)
    pace = pacer(clock)
    pace.observe({"x-mbx-used-weight-1m": "900"})
    clock.advance(60)  # the next minute: Binance's count started again
    pace.observe({"x-mbx-used-weight-1m": "12", "x-mbx-order-count-10s": "x",
                  "x-mbx-order-count-1m": "3"})
    assert pace.used(WEIGHT, 60_000) == 12
    assert pace.used(ORDERS, 10_000) == 0 and pace.used(ORDERS, 60_000) == 3


def test_a_request_waits_as_soon_as_the_share_is_exceeded_by_one() -> None:
    clock = FakeClock(START)
    pace = pacer(clock, share=1.0)
    pace.use_limits([("REQUEST_WEIGHT", "MINUTE", 1, 2)])

    async def scenario() -> None:
        await pace.admit("GET /fapi/v1/time", {})
        await pace.admit("GET /fapi/v1/time", {})  # 2 of 2: no wait
        assert clock.sleeps == []
        await pace.admit("GET /fapi/v1/time", {})

    asyncio.run(scenario())
    assert clock.sleeps == [pytest.approx(60.1)]


def test_a_full_window_mid_way_waits_only_for_its_rest() -> None:
    clock = FakeClock(START + 20_000)  # 20 s into the minute
    pace = pacer(clock, share=1.0)
    pace.use_limits([("REQUEST_WEIGHT", "MINUTE", 1, 1)])

    async def scenario() -> None:
        await pace.admit("GET /fapi/v1/time", {})
        await pace.admit("GET /fapi/v1/time", {})  # a budget of one: the second waits

    asyncio.run(scenario())
    assert clock.sleeps == [pytest.approx(40.1)]


def test_a_heavy_request_goes_into_an_empty_window_but_waits_behind_a_light_one() -> None:
    clock = FakeClock(START)
    pace = pacer(clock, share=1.0)
    pace.use_limits([("REQUEST_WEIGHT", "MINUTE", 1, 2)])

    async def scenario() -> None:
        await pace.admit("GET /fapi/v1/positionSide/dual", {})  # 30 > 2, but nothing used yet
        assert clock.sleeps == []
        clock.advance(60)
        await pace.admit("GET /fapi/v1/time", {})
        await pace.admit("GET /fapi/v1/positionSide/dual", {})  # 1 used: waits

    asyncio.run(scenario())
    assert clock.sleeps == [pytest.approx(60.1)]


def test_two_window_waits_add_up() -> None:
    clock = FakeClock(START)
    pace = pacer(clock, share=1.0)
    pace.use_limits([("REQUEST_WEIGHT", "MINUTE", 1, 1)])

    async def scenario() -> None:
        for _ in range(3):
            await pace.admit("GET /fapi/v1/time", {})

    asyncio.run(scenario())
    # the first wait ends 100 ms into the next window, so the second is 100 ms shorter
    assert clock.sleeps == [pytest.approx(60.1), pytest.approx(60.0)]
    assert pace.waited_s == pytest.approx(120.1)


def test_a_retry_after_of_exactly_the_longest_wait_is_waited_and_of_zero_not_at_all() -> None:
    clock = FakeClock(START)
    pace = pacer(clock, max_wait_s=10.0)

    async def scenario() -> None:
        pace.limited(Limited(429, 0.0, "Too many requests"))
        await pace.admit("GET /fapi/v1/time", {})
        assert clock.sleeps == []
        pace.limited(Limited(429, 10.0, "Too many requests"))
        await pace.admit("GET /fapi/v1/time", {})

    asyncio.run(scenario())
    assert clock.sleeps == [pytest.approx(10.0)]


def test_usage_headers_mid_window_and_a_zero_count() -> None:
    clock = FakeClock(START + 30_000)
    pace = pacer(clock)
    pace.observe({"x-mbx-used-weight-1m": "0"})
    assert pace.used(WEIGHT, 60_000) == 0
    pace.observe({"x-mbx-used-weight-1m": "700"})
    assert pace.used(WEIGHT, 60_000) == 700
    clock.advance(60)
    pace.observe({"x-mbx-used-weight-1m": "0"})  # a new minute, nothing counted yet
    assert pace.used(WEIGHT, 60_000) == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_a_ban_read_while_a_request_waits_out_a_429_refuses_that_request(enabled: bool) -> None:
    """Another request's 418 arrives while this one sleeps out a 429's Retry-After: once the
    ban has been read nothing is sent, whatever was waiting."""
    clock = FakeClock(START)
    pace = pacer(clock, enabled=enabled)
    real_sleep = clock.sleep

    async def sleep_and_be_banned(seconds: float) -> None:
        await real_sleep(seconds)
        pace.limited(Limited(418, 120.0, "Way too many requests; IP banned."))

    clock.sleep = sleep_and_be_banned  # type: ignore[method-assign]

    async def scenario() -> None:
        pace.limited(Limited(429, 2.0, "Too many requests"))
        with pytest.raises(PacerRefused) as caught:
            await pace.admit("GET /fapi/v1/order", {})
        assert caught.value.reason == "ip_banned"

    asyncio.run(scenario())
