"""The embedded harness: URLs, lifecycle, wall-clock market, async use, reset."""

import asyncio
import time
from decimal import Decimal

import httpx
import pytest

from simulator.core.state import CoreConfig
from simulator.embedded import EmbeddedSimulator
from tests.simulator.conftest import BTC


def test_urls_and_a_clean_stop() -> None:
    sim = EmbeddedSimulator()
    with sim:
        assert sim.rest_url.startswith("http://127.0.0.1:")
        assert sim.ws_url == sim.rest_url.replace("http://", "ws://")
        assert httpx.get(f"{sim.rest_url}/api/v5/public/time").json()["code"] == "0"
        url = sim.rest_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/v5/public/time")
    with pytest.raises(RuntimeError):
        _ = sim.rest_url


def test_on_the_wall_clock_prices_walk_by_themselves() -> None:
    with EmbeddedSimulator(core_config=CoreConfig(step_ms=20)) as sim:
        start = sim.core.quote(BTC)
        deadline = time.monotonic() + 2
        while sim.core.quote(BTC) == start and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sim.core.quote(BTC) != start
        with pytest.raises(RuntimeError):
            sim.advance(1)


def test_async_use_from_a_running_loop() -> None:
    async def scenario() -> str:
        async with EmbeddedSimulator(virtual_clock=True, price_walk=False) as sim:
            sim.set_price(BTC, Decimal("31000"))
            async with httpx.AsyncClient(base_url=sim.rest_url) as http:
                answer = await http.get(f"/api/v5/market/ticker?instId={BTC}")
            return str(answer.json()["data"][0]["last"])

    assert asyncio.run(scenario()) == "31000"


def test_reset_forgets_faults_violations_and_requests(sim: EmbeddedSimulator) -> None:
    sim.faults.inject("busy")
    httpx.get(f"{sim.rest_url}/api/v5/public/time", headers={"OK-ACCESS-KEY": "k"})
    assert sim.violations() and sim.requests() and sim.faults.listed()
    sim.reset()
    assert (sim.violations(), sim.requests(), sim.faults.listed()) == ([], [], [])
    assert httpx.get(f"{sim.rest_url}/api/v5/public/time").status_code == 200
