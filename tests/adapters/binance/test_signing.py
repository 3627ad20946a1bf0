"""Signing: Binance's documented vectors, an independent HMAC (RFC 2104 written out with
hashlib), and the requests as they leave: signature over the raw query and the raw body."""

import hashlib
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from adapters.binance.signing import sign
from adapters.common.secret import Secret
from domain.orders import Side
from tests.adapters.binance.mock_binance import CREDENTIALS, MockBinance, params_of, run
from tests.fakes import FakeClock

# Binance USDⓈ-M "General Info", SIGNED endpoint examples for POST /fapi/v1/order (HMAC)
DOC_SECRET = Secret("2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9")
DOC_QUERY = ("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
             "&recvWindow=5000&timestamp=1591702613943")


def test_binance_documented_example_as_query_string_or_body() -> None:
    assert sign(DOC_SECRET, DOC_QUERY) == \
        "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"


def test_binance_documented_mixed_example_signs_query_then_body_without_an_ampersand() -> None:
    # the documentation's echo line (a space after "timestamp=" included) gives its signature
    query, body = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC", \
        "quantity=1&price=9000&recvWindow=5000&timestamp= 1591702613943"
    assert sign(DOC_SECRET, query + body) == \
        "f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2"


def rfc2104_hmac_sha256(key: bytes, message: bytes) -> str:
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key) + message).digest()
    return hashlib.sha256(bytes(k ^ 0x5C for k in key) + inner).hexdigest()


@given(secret=st.text(min_size=1, max_size=100), payload=st.text(max_size=300))
def test_signature_equals_an_independent_hmac(secret: str, payload: str) -> None:
    assert sign(Secret(secret), payload) == rfc2104_hmac_sha256(secret.encode(),
                                                                payload.encode())


def test_a_placement_is_signed_over_its_form_body_with_key_header_timestamp_and_window() -> None:
    clock = FakeClock()
    mock = MockBinance(clock)
    mock.server_offset_ms = 250
    mock.on("POST", "/fapi/v1/order", "order_place_ack")
    run(mock, lambda ex: ex.place_market(symbol="BTCUSDC", side=Side.BUY, qty=Decimal("0.01"),
                                         reduce_only=False, client_order_id="pxENa00"),
        recv_window_ms=3000)
    request = mock.seen("POST", "/fapi/v1/order")[0]
    assert request.headers["X-MBX-APIKEY"] == CREDENTIALS.api_key.reveal()
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.url.query == b""  # every parameter in the body, signature last
    assert request.content.decode().split("&")[-1].startswith("signature=")
    params = params_of(request)
    assert params["recvWindow"] == "3000"
    # the timestamp is on the exchange's clock: local time plus the measured offset
    assert int(params["timestamp"]) == clock.now_ms() + 250


def test_a_signed_read_puts_everything_in_the_query_and_sends_no_body() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/order", "order_new")
    run(mock, lambda ex: ex.get_order_status(symbol="BTCUSDC", order_id="5000000001",
                                             client_order_id=None))
    request = mock.seen("GET", "/fapi/v1/order")[0]
    assert request.content == b""
    assert list(params_of(request)) == ["symbol", "orderId", "recvWindow", "timestamp",
                                        "signature"]


def test_public_calls_carry_neither_key_nor_signature() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/premiumIndex", "premium_index")
    run(mock, lambda ex: ex.get_mark_price("BTCUSDC"))
    for request in mock.requests:
        assert "X-MBX-APIKEY" not in request.headers
        assert "signature" not in params_of(request)
        assert "timestamp" not in params_of(request)
