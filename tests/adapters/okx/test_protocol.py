"""The OKX venue as the container composes it, and its configuration defaults.

That each OKX role object matches its port is checked statically (tests/port_conformance.py,
mypy strict over tests/), not by an isinstance here.
"""

import asyncio

import httpx

from adapters.okx import OkxConfig
from entrypoints.container import okx_venue
from tests.adapters.okx.mock_okx import CREDENTIALS
from tests.fakes import FakeClock, InMemoryEvidenceSink


def test_the_venue_is_built_and_closed_without_a_request() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    venue = okx_venue(OkxConfig(), CREDENTIALS, FakeClock(), InMemoryEvidenceSink(),
                      transport=httpx.MockTransport(record))
    exchange = venue.exchange()
    # the seed surface is composed of the venue's own role objects, one of each
    assert exchange.market is venue.market() and exchange.orders is venue.orders()
    assert exchange.account is venue.account() and exchange.algos is venue.algos()
    assert exchange.streams is venue.streams()
    asyncio.run(exchange.aclose())
    assert sent == []


def test_the_defaults_are_okx_production_and_demo_switches_the_ws_host() -> None:
    live, demo = OkxConfig(), OkxConfig(demo=True)
    assert live.rest_url == demo.rest_url == "https://www.okx.com"
    assert live.ws_endpoint("private") == "wss://ws.okx.com:8443/ws/v5/private"
    assert demo.ws_endpoint("business") == "wss://wspap.okx.com:8443/ws/v5/business"
    assert OkxConfig(ws_url="ws://127.0.0.1:9/").ws_endpoint("public") == (
        "ws://127.0.0.1:9/ws/v5/public")
    assert OkxConfig(ws_public_url="ws://h/p").ws_endpoint("public") == "ws://h/p"
