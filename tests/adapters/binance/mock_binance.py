"""An httpx.MockTransport that answers like Binance USDⓈ-M from recorded fixtures, keeps every
request, and checks that each signed request carries a valid signature."""

import asyncio
import hashlib
import hmac
import json
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from adapters.binance import BinanceConfig, BinanceCredentials, BinanceStreams, wire
from adapters.binance.converter import make_binance_converter
from adapters.binance.translate import to_instrument
from domain.instrument import InstrumentSpec
from entrypoints.container import BinanceVenue, binance_venue
from ports.clock import Clock
from ports.exchange import ExchangeAdapter
from tests.fakes import InMemoryEvidenceSink

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "binance"
CREDENTIALS = BinanceCredentials(api_key="KEYb1n4nce77", secret="SECRETb1n4nce88")
Responder = str | dict[str, Any] | Exception | Callable[[httpx.Request], httpx.Response]


def fixture(name: str, kind: str = "http") -> Any:
    return json.loads((FIXTURES / kind / f"{name}.json").read_text())


def respond(doc: dict[str, Any]) -> httpx.Response:
    headers = dict(doc.get("headers", {}))
    if "text" in doc:
        return httpx.Response(doc["status"], text=doc["text"],
                              headers={"content-type": "text/html", **headers})
    return httpx.Response(doc["status"], json=doc["body"], headers=headers)


def params_of(request: httpx.Request) -> dict[str, str]:
    """Query and form-body parameters together (as Binance reads them)."""
    params = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
    if request.content:
        params.update(parse_qsl(request.content.decode(), keep_blank_values=True))
    return params


def signature_ok(request: httpx.Request, secret: str) -> bool:
    """Independent check: hex HMAC-SHA256 over the raw query then the raw body, without the
    signature pair, compared with the signature sent."""
    query, body = request.url.query.decode(), request.content.decode()
    sent = params_of(request).get("signature", "")

    def strip(text: str) -> str:
        return "&".join(p for p in text.split("&") if p and not p.startswith("signature="))
    payload = strip(query) + strip(body)
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sent)


class MockBinance:
    """Routes by (method, path). Each route answers with queued responders in order, then
    with its default. Unrouted requests and bad signatures fail the test."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.requests: list[httpx.Request] = []
        self.queued: dict[tuple[str, str], deque[Responder]] = {}
        self.defaults: dict[tuple[str, str], Responder] = {
            ("GET", "/fapi/v1/time"): self._server_time,
            ("GET", "/fapi/v1/positionSide/dual"): "position_mode_one_way",
            ("GET", "/fapi/v1/exchangeInfo"): "exchange_info",
        }
        self.server_offset_ms = 0
        self.transport = httpx.MockTransport(self._handle)
        self.venue: BinanceVenue | None = None  # the venue container build() made

    def on(self, method: str, path: str, *responders: Responder) -> None:
        self.queued.setdefault((method, path), deque()).extend(responders)

    def default(self, method: str, path: str, responder: Responder) -> None:
        self.defaults[(method, path)] = responder

    def seen(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def _server_time(self, _request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"serverTime": self.clock.now_ms()
                                         + self.server_offset_ms})

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if "signature" in params_of(request):
            assert signature_ok(request, CREDENTIALS.secret.reveal()), request.url
        key = (request.method, request.url.path)
        queue = self.queued.get(key)
        responder = queue.popleft() if queue else self.defaults.get(key)
        if responder is None:
            raise AssertionError(f"unexpected request {key}")
        if isinstance(responder, Exception):
            raise responder
        if isinstance(responder, str):
            return respond(fixture(responder))
        if isinstance(responder, dict):
            return respond(responder)
        return responder(request)


def build(mock: MockBinance, sink: InMemoryEvidenceSink | None = None,
          **config: Any) -> tuple[ExchangeAdapter, InMemoryEvidenceSink]:
    """An adapter on the mock; jitter fixed at its midpoint so sleeps are predictable. The
    venue's parts stay reachable as mock.venue (e.g. mock.venue.rest())."""
    sink = sink or InMemoryEvidenceSink()
    mock.venue = binance_venue(BinanceConfig(rest_url="https://fapi.test", **config),
                               CREDENTIALS, mock.clock, sink, transport=mock.transport,
                               rng=lambda: 0.5)
    return mock.venue.exchange(), sink


def run(mock: MockBinance, action: Callable[[ExchangeAdapter], Awaitable[Any]],
        **config: Any) -> tuple[Any, InMemoryEvidenceSink]:
    """Build an adapter on the mock, run one action in a fresh event loop, close it."""
    async def scenario() -> tuple[Any, InMemoryEvidenceSink]:
        exchange, sink = build(mock, **config)
        async with exchange:
            return await action(exchange), sink
    return asyncio.run(scenario())


def spec_of(symbol: str = "BTCUSDC") -> InstrumentSpec:
    """An instrument spec as the adapter reads it from the recorded exchangeInfo."""
    raw = next(s for s in fixture("exchange_info")["body"]["symbols"] if s["symbol"] == symbol)
    return to_instrument(make_binance_converter().structure(raw, wire.SymbolInfo))


def streams_of(exchange: ExchangeAdapter) -> BinanceStreams:
    """The Binance streams behind an adapter (its listen keys, its connections)."""
    assert isinstance(exchange.streams, BinanceStreams)
    return exchange.streams
