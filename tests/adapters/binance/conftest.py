"""Fixtures for the adapter's tests against the simulator's Binance face."""

from collections.abc import Iterator
from decimal import Decimal

import pytest

from simulator.embedded import EmbeddedSimulator
from tests.adapters.binance.sim_support import BTC, KEY, SECRET


@pytest.fixture(scope="module")
def module_sim() -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(api_key=KEY, secret=SECRET, exchange="binance", seed=7,
                           virtual_clock=False, rate_limits=True, price_walk=False) as sim:
        yield sim


@pytest.fixture
def sim(module_sim: EmbeddedSimulator) -> Iterator[EmbeddedSimulator]:
    """A fresh simulator state per test; afterwards no public call may have been signed."""
    module_sim.reset()
    module_sim.set_price(BTC, Decimal("30000"))
    yield module_sim
    assert module_sim.violations() == []
