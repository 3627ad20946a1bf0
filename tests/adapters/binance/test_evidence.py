"""Every request and answer becomes one evidence record: the signature and the key header are
redacted, listen keys are fingerprinted, the usage headers kept; failures are recorded too."""

import json
from collections.abc import Sequence
from decimal import Decimal

import httpx

from adapters.binance.redact import fingerprint, mask_known
from domain.orders import Side
from ports.evidence import ExchangeCallRecord
from ports.exchange import ExchangeAdapter
from tests.adapters.binance.mock_binance import CREDENTIALS, MockBinance, fixture, run, streams_of
from tests.fakes import FakeClock

LISTEN_KEY = fixture("listen_key")["body"]["listenKey"]


def dumped(records: Sequence[ExchangeCallRecord]) -> str:
    return json.dumps([[r.request, r.response, r.extra] for r in records], default=str)


def test_signed_requests_are_recorded_without_signature_or_api_key() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", "/fapi/v1/order", "order_market_ack")
    _, sink = run(mock, lambda ex: ex.place_market(symbol="BTCUSDC", side=Side.BUY,
                                                   qty=Decimal("0.01"), reduce_only=False,
                                                   client_order_id="pxENa00"))
    record = sink.records[-1]
    assert record.endpoint == "POST /fapi/v1/order" and record.outcome == "ok"
    assert record.request["params"]["signature"] == "[redacted]"
    assert record.request["params"]["newClientOrderId"] == "pxENa00"
    assert record.request["headers"]["x-mbx-apikey"] == "[redacted]"
    assert record.response is not None and record.response["http_status"] == 200
    assert record.response["headers"] == {"x-mbx-used-weight-1m": "55",
                                          "x-mbx-order-count-10s": "3",
                                          "x-mbx-order-count-1m": "3"}
    assert record.extra["exp_time_ms"] == int(record.request["params"]["timestamp"]) + 5000
    text = dumped(sink.records)
    for secret in CREDENTIALS.values():
        assert secret not in text
    sent = mock.seen("POST", "/fapi/v1/order")[0].content.decode()
    assert sent.split("signature=")[1] not in text


def test_a_failed_call_is_recorded_with_its_failure() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", "/fapi/v1/order", httpx.ReadTimeout("slow"))
    _, sink = run(mock, lambda ex: ex.place_market(symbol="BTCUSDC", side=Side.BUY,
                                                   qty=Decimal("0.01"), reduce_only=False,
                                                   client_order_id="pxENa00"))
    record = sink.records[-1]
    assert record.outcome == "unknown:timeout"
    assert record.response == {"http_status": None, "error": "timeout",
                               "elapsed_ms": record.response["elapsed_ms"]}  # type: ignore[index]


def test_listen_keys_are_fingerprinted_in_answers() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", "/fapi/v1/listenKey", "listen_key")

    async def make(ex: ExchangeAdapter) -> str:
        return await streams_of(ex).keys.current()

    key, sink = run(mock, make)
    assert key == LISTEN_KEY
    request = mock.seen("POST", "/fapi/v1/listenKey")[0]
    assert request.headers["X-MBX-APIKEY"] == CREDENTIALS.api_key.reveal()
    assert "signature" not in request.url.query.decode() + request.content.decode()
    assert LISTEN_KEY not in dumped(sink.records)
    assert sink.records[-1].response["body"] == {  # type: ignore[index]
        "listenKey": fingerprint(LISTEN_KEY)}


def test_known_listen_keys_are_masked_in_urls_and_frames() -> None:
    frame = {"method": "SUBSCRIBE", "params": [LISTEN_KEY, "btcusdc@markPrice@1s"], "id": 1}
    masked = mask_known(frame, [LISTEN_KEY])
    assert masked == {"method": "SUBSCRIBE", "id": 1,
                      "params": [fingerprint(LISTEN_KEY), "btcusdc@markPrice@1s"]}
    url = f"wss://fstream.test/private/ws?listenKey={LISTEN_KEY}"
    assert LISTEN_KEY not in mask_known(url, [LISTEN_KEY])
    assert fingerprint(LISTEN_KEY) != fingerprint(LISTEN_KEY + "x")


def test_a_listen_key_nested_in_a_stream_frame_is_fingerprinted_once() -> None:
    # listenKeyExpired inside a combined-stream frame: the stream name and the event's own
    # listenKey must carry the same fingerprint, so the evidence says which key expired
    frame = {"stream": LISTEN_KEY, "data": {"e": "listenKeyExpired", "E": 1,
                                            "listenKey": LISTEN_KEY}}
    masked = mask_known(frame, [LISTEN_KEY])
    assert masked == {"stream": fingerprint(LISTEN_KEY),
                      "data": {"e": "listenKeyExpired", "E": 1,
                               "listenKey": fingerprint(LISTEN_KEY)}}
