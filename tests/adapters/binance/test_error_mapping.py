"""What each kind of Binance answer amounts to, for a write (Accepted / Rejected(code) /
Unknown, never re-sent) and for a read (a value, or the ports error after retries)."""

from decimal import Decimal
from typing import Any

import httpx
import pytest

from domain.orders import Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.errors import ExchangeProtocolError, ExchangeRejected, ExchangeUnavailable
from ports.exchange import ExchangeAdapter
from tests.adapters.binance.mock_binance import MockBinance, Responder, run
from tests.fakes import FakeClock

ORDER = "/fapi/v1/order"


async def market(ex: ExchangeAdapter) -> Any:
    return await ex.place_market(symbol="BTCUSDC", side=Side.BUY, qty=Decimal("0.01"),
                                 reduce_only=False, client_order_id="pxENa00")


@pytest.mark.parametrize(("responder", "expected"), [
    ("order_market_ack", Accepted("5000000002")),
    ("error_2019_margin", Rejected("-2019", "Margin is insufficient.", 400)),
    ("error_4164_notional", Rejected("-4164", "Order's notional must be no smaller than 5 "
                                              "(unless you choose reduce only).", 400)),
    ("error_5022_post_only", Rejected(
        "-5022", "Due to the order could not be executed as maker, the Post Only order will "
                 "be rejected. The order will not be recorded in the order history.", 400)),
    ("error_2015_401", Rejected("-2015", "Invalid API-key, IP, or permissions for action.",
                                401)),
    ("waf_403", None),  # Rejected("403", ...) checked below
    ("error_1000_500", Unknown("-1000")),
    ("error_1007_408", Unknown("-1007")),
    ("error_1006_400", Unknown("-1006")),
    ("unknown_error_503", Unknown("-1000")),
    ("service_unavailable_503", Unknown("http503")),
    ("busy_1008_503", Unknown("-1008")),
    ("html_502", Unknown("http502")),
    ("html_200", Unknown("http200")),
    (httpx.ReadTimeout("slow"), Unknown("timeout")),
    (httpx.ConnectError("refused"), Unknown("transport:ConnectError")),
    (httpx.RemoteProtocolError("reset"), Unknown("transport:RemoteProtocolError")),
])
def test_a_placement_answer_becomes_one_outcome_and_is_never_resent(
        responder: Responder, expected: Any) -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, responder)
    placement, sink = run(mock, market)
    if expected is None:
        assert isinstance(placement.outcome, Rejected) and placement.outcome.code == "403"
    else:
        assert placement.outcome == expected
    assert len(mock.seen("POST", ORDER)) == 1
    assert sink.records[-1].endpoint == "POST /fapi/v1/order"
    assert sink.records[-1].outcome.split(":")[0] in ("ok", "rejected", "unknown")


def test_a_timestamp_refusal_on_a_write_is_rejected_not_resent_and_the_clock_is_remeasured(
        ) -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "error_1021_400")
    placement, _ = run(mock, market)
    assert placement.outcome == Rejected("-1021", "Timestamp for this request is outside of "
                                                  "the recvWindow.", 400)
    assert len(mock.seen("POST", ORDER)) == 1
    # three samples before the first signed call, three more after the refusal
    assert len(mock.seen("GET", "/fapi/v1/time")) == 6


def test_a_timestamp_refusal_on_a_read_resyncs_and_asks_once_more() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", ORDER, "error_1021_400", "order_new")
    lookup, _ = run(mock, lambda ex: ex.get_order_status(symbol="BTCUSDC", order_id="1",
                                                         client_order_id=None))
    assert lookup.status is not None and lookup.status.order_id == "5000000001"
    assert len(mock.seen("GET", ORDER)) == 2
    assert len(mock.seen("GET", "/fapi/v1/time")) == 6


def test_a_read_refused_twice_for_the_timestamp_is_raised_after_one_resync() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", ORDER, "error_1021_400", "error_1021_400", "order_new")
    with pytest.raises(ExchangeRejected) as caught:
        run(mock, lambda ex: ex.get_order_status(symbol="BTCUSDC", order_id="1",
                                                 client_order_id=None))
    assert caught.value.code == "-1021"
    assert len(mock.seen("GET", ORDER)) == 2


@pytest.mark.parametrize("responder", ["error_1000_500", "busy_1008_503", "html_502",
                                       httpx.ReadTimeout("slow"), "error_1007_408"])
def test_a_transient_read_failure_is_retried_then_raised_as_unavailable(
        responder: Responder) -> None:
    clock = FakeClock()
    mock = MockBinance(clock)
    mock.on("GET", "/fapi/v1/premiumIndex", responder, responder, responder)
    with pytest.raises(ExchangeUnavailable) as caught:
        run(mock, lambda ex: ex.get_mark_price("BTCUSDC"))
    assert len(mock.seen("GET", "/fapi/v1/premiumIndex")) == 3
    assert "Binance unavailable" in str(caught.value)
    assert caught.value.evidence is not None
    assert clock.sleeps == pytest.approx([0.15, 0.3])  # jittered backoff, rng at its midpoint


def test_a_transient_read_failure_then_an_answer_returns_the_answer() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/premiumIndex", "error_1000_500", "premium_index")
    mark, _ = run(mock, lambda ex: ex.get_mark_price("BTCUSDC"))
    assert mark.price == Decimal("29990")


@pytest.mark.parametrize(("responder", "error"), [
    ("html_200", ExchangeProtocolError), ("error_2015_401", ExchangeRejected),
    ({"status": 200, "body": {"symbol": "BTCUSDC", "markPrice": 29990.5, "time": 1}},
     ExchangeProtocolError),
    ({"status": 200, "body": {"symbol": "BTCUSDC", "time": 1}}, ExchangeProtocolError),
])
def test_an_answer_that_cannot_be_read_or_a_refusal_is_raised_at_once(
        responder: Responder, error: type[Exception]) -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/premiumIndex", responder)
    with pytest.raises(error):
        run(mock, lambda ex: ex.get_mark_price("BTCUSDC"))
    assert len(mock.seen("GET", "/fapi/v1/premiumIndex")) == 1


def test_a_float_price_is_named_by_its_wire_field() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/premiumIndex",
            {"status": 200, "body": {"symbol": "BTCUSDC", "markPrice": 29990.5, "time": 1}})
    with pytest.raises(ExchangeProtocolError, match=r"\$\.markPrice"):
        run(mock, lambda ex: ex.get_mark_price("BTCUSDC"))
