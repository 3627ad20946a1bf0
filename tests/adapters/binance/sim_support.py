"""The Binance adapter against the simulator's Binance face on loopback: real sockets, real
signatures, the real clock."""

import asyncio
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.binance import BinanceConfig, BinanceCredentials
from adapters.clock import SystemClock
from entrypoints.container import BinanceVenue, binance_venue
from ports.exchange import ExchangeAdapter
from ports.exchange_events import EventSubscription
from simulator.embedded import EmbeddedSimulator
from tests.fakes import InMemoryEvidenceSink

BTC = "BTCUSDC"
KEY, SECRET = "binKeyA1b2C3d4", "binSecretE5f6G7h8"
CREDENTIALS = BinanceCredentials(api_key=KEY, secret=SECRET)


def venue(sim: EmbeddedSimulator, sink: InMemoryEvidenceSink | None = None,
          **config: Any) -> BinanceVenue:
    """The venue container on the simulator: .exchange() the seed surface, .rest(),
    .streams() its parts."""
    settings: dict[str, Any] = {"rest_url": sim.rest_url, "ws_url": sim.ws_url,
                                "ws_reconnect_base_s": 0.05, "ws_reconnect_max_s": 0.5}
    return binance_venue(BinanceConfig(**(settings | config)), CREDENTIALS, SystemClock(),
                         sink or InMemoryEvidenceSink())


def run(sim: EmbeddedSimulator, test: Callable[[ExchangeAdapter], Awaitable[Any]],
        sink: InMemoryEvidenceSink | None = None, **config: Any) -> Any:
    return run_venue(sim, lambda v: test(v.exchange()), sink, **config)


def run_venue(sim: EmbeddedSimulator, test: Callable[[BinanceVenue], Awaitable[Any]],
              sink: InMemoryEvidenceSink | None = None, **config: Any) -> Any:
    """Like run, with the whole venue container (for tests that look at its parts)."""
    async def scenario() -> Any:
        made = venue(sim, sink, **config)
        async with made.exchange():
            return await test(made)
    return asyncio.run(asyncio.wait_for(scenario(), 30))


def admin(sim: EmbeddedSimulator, path: str) -> Any:
    """The exchange's own view (/sim/... admin reads), not the engine's."""
    import json
    with urllib.request.urlopen(sim.rest_url + path, timeout=5) as answer:
        return json.loads(answer.read())


async def next_of(events: EventSubscription, kind: type[Any], timeout: float = 5.0,
                  where: Callable[[Any], bool] = lambda e: True) -> Any:
    loop = asyncio.get_running_loop()
    until = loop.time() + timeout
    while (left := until - loop.time()) > 0:
        event = await events.get(left)
        if isinstance(event, kind) and where(event):
            return event
    raise AssertionError(f"no {kind.__name__} within {timeout} s")
