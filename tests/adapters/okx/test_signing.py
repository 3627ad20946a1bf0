"""Signing against the fact sheet's vectors and against HMAC computed independently here."""

import asyncio
import base64
import hmac
import json
from decimal import Decimal

import pytest

from adapters.common.secret import Secret
from adapters.okx.credentials import OkxCredentials
from adapters.okx.signing import rest_headers, rest_timestamp, sign, ws_login_args
from domain.orders import Side
from tests.adapters.okx.mock_okx import CREDENTIALS, MockOkx, build
from tests.fakes import FakeClock

FACT_SECRET = Secret("FACTSHEET-TEST-SECRET")


def by_hand(secret: str, message: str) -> str:
    mac = hmac.HMAC(secret.encode("utf-8"), message.encode("utf-8"), "sha256")
    return base64.standard_b64encode(mac.digest()).decode()


@pytest.mark.parametrize(("prehash", "expected"), [
    ("2024-01-02T03:04:05.678ZGET/api/v5/account/balance?ccy=USDT",
     "Tu3zH9HZ02FfYi9rveexnD0OL5JtpujXtqicoaloQqU="),
    ('2024-01-02T03:04:05.678ZPOST/api/v5/trade/order{"instId":"BTC-USDT-SWAP","tdMode":"cross",'
     '"side":"buy","ordType":"limit","px":"30000","sz":"1"}',
     "s7PBXwUJVdivke5i6FmbI/TtU2zAatxceMYIxOUeOz8="),
    ("1704164645GET/users/self/verify", "PR5WLjdwhxxzkA1e0bMAbMcHLHh5C3WMVTIbU5j+viY="),
])
def test_signatures_match_the_fact_sheet_vectors(prehash: str, expected: str) -> None:
    assert sign(FACT_SECRET, prehash) == expected


@pytest.mark.parametrize(("secret", "prehash"), [
    ("s3cr3t", "2025-11-22T01:02:03.004ZGET/api/v5/trade/order?instId=BTC-USDT-SWAP&ordId=1"),
    ("ключ-ünïcode", '2025-11-22T01:02:03.004ZPOST/api/v5/trade/cancel-algos[{"instId":"X"}]'),
    ("a", ""),
])
def test_signatures_match_an_independent_hmac(secret: str, prehash: str) -> None:
    assert sign(Secret(secret), prehash) == by_hand(secret, prehash)


def test_rest_timestamp_is_iso_utc_with_three_millisecond_digits() -> None:
    assert rest_timestamp(1704164645678) == "2024-01-02T03:04:05.678Z"
    assert rest_timestamp(1704164645005) == "2024-01-02T03:04:05.005Z"
    assert rest_timestamp(1704164645000) == "2024-01-02T03:04:05.000Z"
    assert rest_timestamp(1704164645999) == "2024-01-02T03:04:05.999Z"
    assert rest_timestamp(1704164646000) == "2024-01-02T03:04:06.000Z"


def test_rest_headers_sign_timestamp_method_path_and_body() -> None:
    creds = OkxCredentials(api_key="k1", secret="FACTSHEET-TEST-SECRET", passphrase="p1")
    headers = rest_headers(creds, "2024-01-02T03:04:05.678Z", "get",
                           "/api/v5/account/balance?ccy=USDT", "")
    assert headers == {"OK-ACCESS-KEY": "k1",
                       "OK-ACCESS-SIGN": "Tu3zH9HZ02FfYi9rveexnD0OL5JtpujXtqicoaloQqU=",
                       "OK-ACCESS-TIMESTAMP": "2024-01-02T03:04:05.678Z",
                       "OK-ACCESS-PASSPHRASE": "p1"}


def test_ws_login_signs_seconds_get_and_the_verify_path() -> None:
    creds = OkxCredentials(api_key="k1", secret="FACTSHEET-TEST-SECRET", passphrase="p1")
    assert ws_login_args(creds, 1704164645) == {
        "apiKey": "k1", "passphrase": "p1", "timestamp": "1704164645",
        "sign": "PR5WLjdwhxxzkA1e0bMAbMcHLHh5C3WMVTIbU5j+viY="}


def test_a_private_get_signs_exactly_the_path_and_query_it_sends() -> None:
    clock = FakeClock(start_ms=1704164645678)
    mock = MockOkx(clock)
    mock.on("GET", "/api/v5/trade/order", "order_live")

    async def scenario() -> None:
        exchange, _ = build(mock)
        async with exchange:
            await exchange.get_order_status(symbol="BTC-USDT-SWAP", order_id=None,
                                            client_order_id="pxEN0intent1a00")

    asyncio.run(scenario())
    request = mock.seen("GET", "/api/v5/trade/order")[0]
    sent_path = request.url.raw_path.decode()
    assert sent_path == "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=pxEN0intent1a00"
    stamp = request.headers["OK-ACCESS-TIMESTAMP"]
    assert stamp == "2024-01-02T03:04:05.678Z"
    assert request.headers["OK-ACCESS-SIGN"] == by_hand(CREDENTIALS.secret.reveal(),
                                                        stamp + "GET" + sent_path)
    assert request.headers["OK-ACCESS-KEY"] == CREDENTIALS.api_key.reveal()
    assert request.headers["OK-ACCESS-PASSPHRASE"] == CREDENTIALS.passphrase.reveal()


def test_a_post_signs_the_exact_body_bytes_it_sends() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", "/api/v5/trade/order", "order_place_ok")

    async def scenario() -> None:
        exchange, _ = build(mock)
        async with exchange:
            await exchange.place_limit_postonly(
                symbol="BTC-USDT-SWAP", side=Side.BUY, qty=Decimal("2"),
                price=Decimal("30000.50"), tif="post_only", reduce_only=False,
                client_order_id="pxEN0intent1a00")

    asyncio.run(scenario())
    request = mock.seen("POST", "/api/v5/trade/order")[0]
    body = request.content.decode()
    stamp = request.headers["OK-ACCESS-TIMESTAMP"]
    assert request.headers["OK-ACCESS-SIGN"] == by_hand(
        CREDENTIALS.secret.reveal(), stamp + "POST/api/v5/trade/order" + body)
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(body)["px"] == "30000.5"
