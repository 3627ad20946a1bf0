"""ExchangeAdapter satisfies the ExchangeAdapter port, at runtime and for mypy."""

import asyncio

from adapters.okx import OkxConfig
from entrypoints.container import okx_venue
from ports.exchange import ExchangeAdapter
from tests.adapters.okx.mock_okx import CREDENTIALS
from tests.fakes import FakeClock, InMemoryEvidenceSink


def as_port(exchange: ExchangeAdapter) -> ExchangeAdapter:
    # mypy checks this assignment structurally against every method signature
    return exchange


def test_the_adapter_is_an_exchange_adapter() -> None:
    exchange = okx_venue(OkxConfig(), CREDENTIALS, FakeClock(), InMemoryEvidenceSink()).exchange()
    assert isinstance(as_port(exchange), ExchangeAdapter)
    asyncio.run(exchange.aclose())  # built without I/O; closing touches no network either


def test_the_defaults_are_okx_production_and_demo_switches_the_ws_host() -> None:
    live, demo = OkxConfig(), OkxConfig(demo=True)
    assert live.rest_url == demo.rest_url == "https://www.okx.com"
    assert live.ws_endpoint("private") == "wss://ws.okx.com:8443/ws/v5/private"
    assert demo.ws_endpoint("business") == "wss://wspap.okx.com:8443/ws/v5/business"
    assert OkxConfig(ws_url="ws://127.0.0.1:9/").ws_endpoint("public") == (
        "ws://127.0.0.1:9/ws/v5/public")
    assert OkxConfig(ws_public_url="ws://h/p").ws_endpoint("public") == "ws://h/p"
