"""An httpx.MockTransport that answers like OKX from recorded fixtures and keeps every request."""

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from adapters.okx import OkxConfig, OkxCredentials
from entrypoints.container import okx_venue
from ports.clock import Clock
from ports.exchange import ExchangeAdapter
from tests.fakes import InMemoryEvidenceSink

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "okx"
CREDENTIALS = OkxCredentials(api_key="KEY7f3a9c21", secret="SECRETd81e77b4",
                             passphrase="PASS3b6c0d5e")
Responder = str | dict[str, Any] | Exception | Callable[[httpx.Request], httpx.Response]


def fixture(name: str, kind: str = "http") -> Any:
    return json.loads((FIXTURES / kind / f"{name}.json").read_text())


def respond(doc: dict[str, Any]) -> httpx.Response:
    if "text" in doc:
        return httpx.Response(doc["status"], text=doc["text"],
                              headers={"content-type": "text/html"})
    return httpx.Response(doc["status"], json=doc["body"])


class MockOkx:
    """Routes by (method, path). Each route answers with queued responders in order, then
    with its default. Unrouted requests fail the test."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.requests: list[httpx.Request] = []
        self.queued: dict[tuple[str, str], deque[Responder]] = {}
        self.defaults: dict[tuple[str, str], Responder] = {
            ("GET", "/api/v5/public/time"): self._server_time,
            ("GET", "/api/v5/account/config"): "account_config_net",
            # the seed's keyword conveniences read the instrument's rules first
            ("GET", "/api/v5/public/instruments"): "public_instruments_swap",
        }
        self.server_offset_ms = 0
        self.transport = httpx.MockTransport(self._handle)
        self.venue: Any = None  # the OkxVenue container build() made

    def on(self, method: str, path: str, *responders: Responder) -> None:
        self.queued.setdefault((method, path), deque()).extend(responders)

    def default(self, method: str, path: str, responder: Responder) -> None:
        self.defaults[(method, path)] = responder

    def seen(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def _server_time(self, _request: httpx.Request) -> httpx.Response:
        now = self.clock.now_ms() + self.server_offset_ms
        return httpx.Response(200, json={"code": "0", "msg": "", "data": [{"ts": str(now)}]})

    def _handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
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


def build(mock: MockOkx, sink: InMemoryEvidenceSink | None = None,
          **config: Any) -> tuple[ExchangeAdapter, InMemoryEvidenceSink]:
    """An adapter on the mock; jitter fixed at its midpoint so sleeps are predictable. The
    venue's parts stay reachable as mock.venue (e.g. mock.venue.rest())."""
    sink = sink or InMemoryEvidenceSink()
    mock.venue = okx_venue(OkxConfig(rest_url="https://okx.test", **config), CREDENTIALS,
                           mock.clock, sink, transport=mock.transport, rng=lambda: 0.5)
    return mock.venue.exchange(), sink


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def run(mock: MockOkx, action: Callable[[ExchangeAdapter], Awaitable[Any]],
        **config: Any) -> tuple[Any, InMemoryEvidenceSink]:
    """Build an adapter on the mock, run one action in a fresh event loop, close it."""
    async def scenario() -> tuple[Any, InMemoryEvidenceSink]:
        exchange, sink = build(mock, **config)
        async with exchange:
            return await action(exchange), sink
    return asyncio.run(scenario())
