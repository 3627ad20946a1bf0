"""Every error class: writes become Accepted/Rejected/Unknown (never retried blindly), reads
raise ports errors after bounded, jittered retries through the clock."""

from decimal import Decimal

import httpx
import pytest

from domain.orders import Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.errors import ExchangeProtocolError, ExchangeRejected, ExchangeUnavailable
from ports.exchange import ExchangeAdapter
from ports.exchange_types import OrderPlacement
from tests.adapters.okx.mock_okx import MockOkx, Responder, fixture, respond, run
from tests.fakes import FakeClock

ORDER = "/api/v5/trade/order"
TICKER = "/api/v5/market/ticker"


async def place(exchange: ExchangeAdapter) -> OrderPlacement:
    return await exchange.place_limit_postonly(
        symbol="BTC-USDT-SWAP", side=Side.BUY, qty=Decimal("2"), price=Decimal("30000.5"),
        tif="post_only", reduce_only=False, client_order_id="pxEN0intent1a00")


def reset(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


@pytest.mark.parametrize(("responder", "reason", "outcome"), [
    ("html_502", "http502", "unknown:http502"),
    ("error_50001_503", "50001", "unknown:50001"),
    ("error_50004_400", "50004", "unknown:50004"),
    ("error_50013_429", "50013", "unknown:50013"),
    ("order_place_51149", "51149", "unknown:51149"),
    ("html_200", "http200", "unknown:http200"),
    (timeout, "timeout", "unknown:timeout"),
    (reset, "transport:ReadError", "unknown:transport:ReadError"),
])
def test_a_placement_without_a_conclusive_answer_is_unknown_and_not_resent(
        responder: Responder, reason: str, outcome: str) -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", ORDER, responder)
    placement, sink = run(mock, place)
    assert placement.outcome == Unknown(reason)
    assert placement.status == "unknown"
    assert placement.exp_time_ms is not None
    assert len(mock.seen("POST", ORDER)) == 1
    record = sink.records_for("POST /api/v5/trade/order")[0]
    assert record.outcome == outcome
    assert placement.evidence.seq == sink.records.index(record)


@pytest.mark.parametrize(("responder", "code", "http_status"), [
    ("order_place_51008", "51008", 200),
    ("order_place_code0_scode51121", "51121", 200),
    ("error_50011_429", "50011", 429),
    ("error_50011_200", "50011", 200),
    ("error_50113_401", "50113", 401),
    ("gateway_404", "404", 404),
])
def test_a_refused_placement_is_rejected_with_the_raw_code(
        responder: str, code: str, http_status: int) -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", ORDER, responder)
    placement, sink = run(mock, place)
    assert isinstance(placement.outcome, Rejected)
    assert placement.outcome.code == code
    assert placement.outcome.http_status == http_status
    assert len(mock.seen("POST", ORDER)) == 1
    assert sink.records_for("POST /api/v5/trade/order")[0].outcome == f"rejected:{code}"


def test_code_1_keeps_both_the_envelope_and_the_item_codes() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", ORDER, "order_place_51008")
    placement, _ = run(mock, place)
    assert (placement.code, placement.s_code) == ("1", "51008")
    assert placement.msg == "All operations failed"
    assert "Insufficient" in placement.s_msg


def test_an_accepted_placement_carries_the_ack_fields() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", ORDER, "order_place_ok")
    placement, _ = run(mock, place)
    assert placement.outcome == Accepted("680800019749904384")
    assert (placement.code, placement.s_code, placement.s_msg) == ("0", "0", "Order placed")


def test_50102_resyncs_the_clock_and_retries_once() -> None:
    clock = FakeClock()
    mock = MockOkx(clock)

    def clock_jumped(_request: httpx.Request) -> httpx.Response:
        mock.server_offset_ms = 45_000  # the exchange clock is now 45 s ahead of ours
        return respond(fixture("error_50102_401"))

    mock.on("POST", ORDER, clock_jumped, "order_place_ok")
    placement, sink = run(mock, place, clock_samples=3)
    assert placement.outcome == Accepted("680800019749904384")
    first, second = mock.seen("POST", ORDER)
    # 3 samples before the first signed call, 3 fresh ones after the 50102
    assert len(mock.seen("GET", "/api/v5/public/time")) == 6
    assert first.headers["expTime"] == str(clock.now_ms() + 5000)
    assert second.headers["expTime"] == str(clock.now_ms() + 45_000 + 5000)
    assert placement.exp_time_ms == clock.now_ms() + 45_000 + 5000
    assert [r.outcome for r in sink.records_for("trade/order")] == ["rejected:50102", "ok"]


def test_a_second_50102_is_a_rejection_not_a_loop() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", ORDER, "error_50102_401", "error_50102_401", "order_place_ok")
    placement, _ = run(mock, place)
    assert placement.outcome == Rejected("50102", "Timestamp request expired.", 401)
    assert len(mock.seen("POST", ORDER)) == 2


@pytest.mark.parametrize("responder", ["html_502", "error_50001_503", "error_50004_400",
                                       "error_50013_429", "error_50011_429", timeout, reset])
def test_a_read_retries_transient_failures_then_raises_unavailable(responder: Responder) -> None:
    clock = FakeClock()
    mock = MockOkx(clock)
    mock.default("GET", TICKER, responder)
    with pytest.raises(ExchangeUnavailable) as caught:
        run(mock, lambda ex: ex.get_ticker("BTC-USDT-SWAP"), read_attempts=3)
    assert len(mock.seen("GET", TICKER)) == 3
    # equal jitter at the midpoint: 0.75 of 0.2 s, then of 0.4 s
    assert clock.sleeps == [pytest.approx(0.15), pytest.approx(0.3)]
    assert caught.value.evidence is not None


def test_a_read_that_recovers_returns_the_answer_with_every_attempt_evidenced() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", TICKER, "error_50001_503", "market_ticker")
    ticker, sink = run(mock, lambda ex: ex.get_ticker("BTC-USDT-SWAP"))
    assert ticker.last == Decimal("30010.1")
    outcomes = [r.outcome for r in sink.records_for(TICKER)]
    assert outcomes == ["error:unavailable:50001", "ok"]
    assert ticker.evidence.seq == len(sink.records) - 1


@pytest.mark.parametrize(("responder", "error", "code"), [
    ("html_200", ExchangeProtocolError, None),
    ("gateway_404", ExchangeRejected, "404"),
    ("error_51001", ExchangeRejected, "51001"),
])
def test_a_read_fails_at_once_on_a_definite_answer(responder: str, error: type[Exception],
                                                   code: str | None) -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", TICKER, responder)
    with pytest.raises(error) as caught:
        run(mock, lambda ex: ex.get_ticker("BTC-USDT-SWAP"))
    assert len(mock.seen("GET", TICKER)) == 1
    if code is not None:
        assert isinstance(caught.value, ExchangeRejected) and caught.value.code == code


def test_a_signed_read_resyncs_on_50102_and_retries_once() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", ORDER, "error_50102_401", "order_live")
    lookup, _ = run(mock, lambda ex: ex.get_order_status(
        symbol="BTC-USDT-SWAP", order_id="680800019749904384", client_order_id=None))
    assert lookup.status is not None
    assert len(mock.seen("GET", ORDER)) == 2


def test_a_malformed_payload_is_a_protocol_error_naming_the_field() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", ORDER, "malformed_order")
    with pytest.raises(ExchangeProtocolError, match=r"\$\.sz"):
        run(mock, lambda ex: ex.get_order_status(symbol="BTC-USDT-SWAP", order_id="1",
                                                 client_order_id=None))


def _ok(data: object) -> dict[str, object]:
    return {"status": 200, "body": {"code": "0", "msg": "", "data": data}}


def test_an_ok_read_whose_data_is_not_an_array_is_a_protocol_error_naming_it() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", TICKER, _ok({"instId": "BTC-USDT-SWAP"}))
    with pytest.raises(ExchangeProtocolError, match=r"@ \$\.data"):
        run(mock, lambda ex: ex.get_ticker("BTC-USDT-SWAP"))
    assert len(mock.seen("GET", TICKER)) == 1


def test_a_placement_whose_ack_is_not_an_object_is_unknown_naming_the_item() -> None:
    # the order may stand: never a rejection, and never sent again
    mock = MockOkx(FakeClock())
    mock.on("POST", ORDER, _ok(["680800019749904384"]))
    placement, _ = run(mock, place)
    assert isinstance(placement.outcome, Unknown)
    assert "@ $.data[0]" in placement.outcome.reason
    assert len(mock.seen("POST", ORDER)) == 1


def test_an_ack_is_read_leniently_ids_and_codes_as_the_wire_sends_them() -> None:
    # an integer sCode and keys we do not know (tag, ts, a future field) are all accepted
    mock = MockOkx(FakeClock())
    mock.on("POST", ORDER, _ok([{"ordId": 680800019749904384, "clOrdId": "pxEN0intent1a00",
                                 "sCode": 0, "sMsg": "", "tag": "", "ts": "1763780000000",
                                 "newField": {"x": 1}}]))
    placement, _ = run(mock, place)
    assert placement.outcome == Accepted("680800019749904384")
    assert (placement.code, placement.s_code) == ("0", "0")
