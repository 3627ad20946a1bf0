"""The OKX adapter against the simulator on loopback: real sockets, real signatures, real clock."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from adapters.clock import SystemClock
from adapters.okx import OkxConfig, OkxCredentials
from entrypoints.container import okx_venue
from ports.exchange import ExchangeAdapter
from simulator.embedded import EmbeddedSimulator
from tests.fakes import InMemoryEvidenceSink

BTC = "BTC-USDT-SWAP"
KEY, SECRET, PASSPHRASE = "intKeyA1b2C3", "intSecretD4e5F6", "intPassG7h8I9"
CREDENTIALS = OkxCredentials(api_key=KEY, secret=SECRET, passphrase=PASSPHRASE)


@pytest.fixture(scope="module")
def module_sim() -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(api_key=KEY, secret=SECRET, passphrase=PASSPHRASE, mode="demo",
                           seed=7, virtual_clock=False, rate_limits=True,
                           price_walk=False) as sim:
        yield sim


@pytest.fixture
def sim(module_sim: EmbeddedSimulator) -> Iterator[EmbeddedSimulator]:
    """A fresh simulator state per test; afterwards no public call may have been signed."""
    module_sim.reset()
    module_sim.set_price(BTC, Decimal("30000"))
    yield module_sim
    assert module_sim.violations() == []


def adapter(sim: EmbeddedSimulator, sink: InMemoryEvidenceSink | None = None,
            **config: Any) -> ExchangeAdapter:
    settings: dict[str, Any] = {"rest_url": sim.rest_url, "ws_url": sim.ws_url, "demo": True,
                                "ws_reconnect_base_s": 0.05, "ws_reconnect_max_s": 0.5}
    return okx_venue(OkxConfig(**(settings | config)), CREDENTIALS, SystemClock(),
                       sink or InMemoryEvidenceSink()).exchange()
