"""Public calls are unsigned; demo calls carry x-simulated-trading; evidence hides secrets."""

import json
from decimal import Decimal
from typing import Any

import attrs
import pytest

from domain.orders import Side
from ports.exchange import ExchangeAdapter
from tests.adapters.okx.mock_okx import CREDENTIALS, MockOkx, run
from tests.fakes import FakeClock, InMemoryEvidenceSink

PUBLIC_ROUTES = {
    "/api/v5/public/instruments": "public_instruments_swap",
    "/api/v5/market/ticker": "market_ticker",
    "/api/v5/public/mark-price": "public_mark_price",
    "/api/v5/public/funding-rate": "public_funding_rate",
    "/api/v5/public/open-interest": "public_open_interest",
    "/api/v5/public/price-limit": "public_price_limit",
    "/api/v5/market/candles": "market_candles",
}


async def every_public_call(ex: ExchangeAdapter) -> None:
    await ex.get_instruments()
    await ex.get_ticker("BTC-USDT-SWAP")
    await ex.get_last_price("BTC-USDT-SWAP")
    await ex.get_mark_price("BTC-USDT-SWAP")
    await ex.get_funding_rate("BTC-USDT-SWAP")
    await ex.get_open_interest("BTC-USDT-SWAP")
    await ex.get_price_limit("BTC-USDT-SWAP")
    await ex.get_kline("BTC-USDT-SWAP", "1m", 3)
    await ex.get_server_time()


async def private_session(ex: ExchangeAdapter) -> None:
    await every_public_call(ex)
    await ex.get_balances()
    await ex.place_limit_postonly(symbol="BTC-USDT-SWAP", side=Side.BUY, qty=Decimal("1"),
                                  price=Decimal("30000"), tif="gtc", reduce_only=False,
                                  client_order_id="pxEN0intent1a00")
    await ex.place_limit_postonly(symbol="BTC-USDT-SWAP", side=Side.BUY, qty=Decimal("1"),
                                  price=Decimal("30000"), tif="gtc", reduce_only=False,
                                  client_order_id="pxEN0intent1a01")


def routed(clock: FakeClock) -> MockOkx:
    mock = MockOkx(clock)
    for path, name in PUBLIC_ROUTES.items():
        mock.default("GET", path, name)
    mock.default("GET", "/api/v5/account/balance", "account_balance")
    mock.on("POST", "/api/v5/trade/order", "order_place_ok", "order_place_51008")
    return mock


def test_public_requests_are_never_signed() -> None:
    mock = routed(FakeClock())
    run(mock, every_public_call)
    public = [r for r in mock.requests if r.url.path.startswith(("/api/v5/public/",
                                                                 "/api/v5/market/"))]
    assert len(public) == len(mock.requests) == 9
    for request in public:
        assert not [h for h in request.headers if h.lower().startswith("ok-access")]


def test_private_requests_are_signed() -> None:
    mock = routed(FakeClock())
    run(mock, private_session)
    private = [r for r in mock.requests if r.url.path.startswith(("/api/v5/account/",
                                                                  "/api/v5/trade/"))]
    assert len(private) == 4
    for request in private:
        assert {"ok-access-key", "ok-access-sign", "ok-access-timestamp",
                "ok-access-passphrase"} <= {h.lower() for h in request.headers}


@pytest.mark.parametrize("demo", [True, False])
def test_the_demo_header_is_on_every_call_in_demo_and_on_none_in_live(demo: bool) -> None:
    mock = routed(FakeClock())
    run(mock, private_session, demo=demo)
    assert mock.requests
    for request in mock.requests:
        assert request.headers.get("x-simulated-trading") == ("1" if demo else None)


def dumped(sink: InMemoryEvidenceSink) -> str:
    return json.dumps([attrs.asdict(r) for r in sink.records], default=str)


def test_evidence_records_never_contain_key_secret_passphrase_or_signature() -> None:
    mock = routed(FakeClock())
    _, sink = run(mock, private_session)
    text = dumped(sink)
    signatures = [r.headers["OK-ACCESS-SIGN"] for r in mock.requests
                  if "OK-ACCESS-SIGN" in r.headers]
    assert signatures
    for value in (*CREDENTIALS.values(), *signatures):
        assert value not in text
    assert text.count("[redacted]") == 3 * len(signatures)


def test_every_call_is_recorded_with_request_response_and_outcome() -> None:
    clock = FakeClock()
    mock = routed(clock)
    _, sink = run(mock, private_session)
    assert len(sink.records) == len(mock.requests)
    placed, refused = sink.records_for("POST /api/v5/trade/order")
    assert placed.kind == "rest"
    request: Any = placed.request
    assert (request["method"], request["path"]) == ("POST", "/api/v5/trade/order")
    assert request["body"]["clOrdId"] == "pxEN0intent1a00"
    assert request["headers"]["ok-access-timestamp"].endswith("Z")
    assert request["headers"]["ok-access-sign"] == "[redacted]"
    response: Any = placed.response
    assert response["http_status"] == 200 and response["body"]["code"] == "0"
    assert "elapsed_ms" in response
    assert (placed.outcome, refused.outcome) == ("ok", "rejected:51008")
    assert placed.wall_ms == clock.now_ms()
    assert placed.extra["exp_time_ms"] == clock.now_ms() + 5000
    ticker = sink.records_for("/api/v5/market/ticker")[0]
    assert ticker.request["query"] == {"instId": "BTC-USDT-SWAP"}
