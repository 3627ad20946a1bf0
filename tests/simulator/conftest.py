"""Fixtures for the simulator's tests: a bare core and a running embedded simulator."""

from collections.abc import Iterator
from decimal import Decimal

import pytest

from simulator.core.clock import VirtualClock
from simulator.core.exchange import ExchangeCore
from simulator.core.state import CoreConfig
from simulator.embedded import EmbeddedSimulator
from tests.simulator.binance_http import BinanceHttp
from tests.simulator.okx_http import OkxHttp

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
BTC = "BTC-USDT-SWAP"
ETH = "ETH-USDT-SWAP"


def limit(side: str, px: str, sz: str = "1", inst: str = BTC, **extra: object) -> dict[str, object]:
    return {"instId": inst, "tdMode": "cross", "side": side, "ordType": "limit", "px": px,
            "sz": sz, **extra}


def market(side: str, sz: str = "1", inst: str = BTC, **extra: object) -> dict[str, object]:
    return {"instId": inst, "tdMode": "cross", "side": side, "ordType": "market", "sz": sz,
            **extra}


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START_MS)


@pytest.fixture
def core(clock: VirtualClock) -> ExchangeCore:
    """A core whose prices move only when a test moves them."""
    return ExchangeCore(CoreConfig(seed=7, vol_per_step=0.0), clock)


@pytest.fixture(scope="module")
def module_sim() -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(api_key="k", secret="s", passphrase="p", mode="demo", seed=7,
                           virtual_clock=True, rate_limits=False, price_walk=False) as sim:
        yield sim


@pytest.fixture
def sim(module_sim: EmbeddedSimulator) -> EmbeddedSimulator:
    module_sim.reset()
    module_sim.set_price(BTC, Decimal(30000))
    return module_sim


@pytest.fixture
def okx(sim: EmbeddedSimulator) -> Iterator[OkxHttp]:
    client = OkxHttp(sim.rest_url, "k", "s", "p", sim.core.now_ms, demo=True)
    yield client
    client.close()


BTCUSDC = "BTCUSDC"


@pytest.fixture(scope="module")
def module_bsim() -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(api_key="bk", secret="bs", exchange="binance", seed=7,
                           virtual_clock=True, rate_limits=False, price_walk=False) as sim:
        yield sim


@pytest.fixture
def bsim(module_bsim: EmbeddedSimulator) -> EmbeddedSimulator:
    module_bsim.reset()
    module_bsim.set_price(BTCUSDC, Decimal(30000))
    return module_bsim


@pytest.fixture
def bnc(bsim: EmbeddedSimulator) -> Iterator[BinanceHttp]:
    client = BinanceHttp(bsim.rest_url, "bk", "bs", bsim.core.now_ms)
    yield client
    client.close()
