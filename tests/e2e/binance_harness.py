"""The real engine on venue sim-binance (settings -> container -> Binance adapter) against a
Binance-face simulator the test controls, so faults can be injected and the exchange's own view
read while the engine runs.

The container is built exactly as `--venue sim-binance` builds it (entrypoints/lifecycle.py:
container_config with the simulator's URLs and keys), only with this simulator in place of the
one a command starts for itself. With a virtual clock the engine's Clock is the simulator's
(tests/invariants/world.py's SimClock: every engine sleep advances it), so the one-second
visibility sentinel and status polling cost no wall time.
"""

import hashlib
import hmac
import json
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import attrs
from dependency_injector import providers

from adapters.binance import BinanceCredentials
from application.open_position import OpenPositionCommand
from domain.orders import PositionSide
from entrypoints.container import Application, build_container, container_config
from entrypoints.lifecycle import run
from entrypoints.settings import Settings, load_settings
from simulator.embedded import EmbeddedSimulator
from tests.invariants.world import SimClock

KEY, SECRET = "e2eBinKey0001", "e2eBinSecret000000000001"
CREDENTIALS = BinanceCredentials(KEY, SECRET)
SYMBOL = "BTCUSDC"
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z on the virtual clock
D = Decimal
T = TypeVar("T")


@attrs.define
class BinanceWorld:
    sim: EmbeddedSimulator
    settings: Settings
    tmp: Path
    clock: SimClock | None

    def container(self, prefix: str = "e2e",
                  credentials: BinanceCredentials = CREDENTIALS) -> Application:
        # sim-binance: the simulator's URLs and keys, as lifecycle passes its own simulator's;
        # binance-testnet: what the settings read from BINANCE_* (pointing here)
        given: dict[str, Any] = {"rest_url": self.sim.rest_url, "ws_url": self.sim.ws_url,
                                 "credentials": credentials} \
            if self.settings.venue == "sim-binance" else {}
        container = build_container(container_config(
            self.settings, run_prefix=prefix, labels={"venue": self.settings.venue}, **given))
        if self.clock is not None:
            container.core.clock.override(providers.Object(self.clock))
        return container

    def run(self, body: Callable[[Application], Awaitable[T]], *, prefix: str = "e2e",
            uses_store: bool = True) -> T:
        return run(self.container(prefix), body, uses_store=uses_store)

    # --- the exchange's own view (/sim/... admin reads), never the engine's memory
    def admin(self, path: str) -> Any:
        with urllib.request.urlopen(self.sim.rest_url + path, timeout=10) as answer:
            return json.loads(answer.read())

    def orders_with(self, client_order_id: str) -> list[dict[str, Any]]:
        return [o for o in self.admin("/sim/orders")["orders"]
                if o["clOrdId"] == client_order_id]

    def live_algos(self) -> list[dict[str, Any]]:
        return [a for a in self.admin("/sim/algos")["algos"] if a["state"] == "live"]

    def live_orders(self) -> list[dict[str, Any]]:
        return [o for o in self.admin("/sim/orders")["orders"]
                if o["state"] in ("live", "partially_filled")]

    def position(self, symbol: str = SYMBOL) -> Decimal:
        return sum((Decimal(p["pos"]) for p in self.admin("/sim/positions")["positions"]
                    if p["instId"] == symbol), Decimal(0))

    def requests(self, path: str) -> list[dict[str, Any]]:
        """The simulator's journal of requests to one path (method and path only)."""
        return [r for r in self.sim.requests() if str(r.get("path", "")) == path]

    def env(self) -> dict[str, str]:
        return env_for(self.sim)

    def cancel_behind_the_engines_back(self, client_algo_id: str) -> None:
        """Another client of the same account cancels one of our stops (signed REST)."""
        query = urllib.parse.urlencode({"symbol": SYMBOL, "clientAlgoId": client_algo_id,
                                        "timestamp": str(self.sim.core.now_ms())})
        signature = hmac.new(SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            f"{self.sim.rest_url}/fapi/v1/algoOrder?{query}&signature={signature}",
            method="DELETE", headers={"X-MBX-APIKEY": KEY})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read())["clientAlgoId"] == client_algo_id


def env_for(sim: EmbeddedSimulator) -> dict[str, str]:
    """What an operator exports to run the engine as venue binance-testnet against this
    simulator (`sim serve --exchange binance` standing in for Binance's testnet)."""
    return {"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET,
            "BINANCE_REST_URL": sim.rest_url, "BINANCE_WS_URL": sim.ws_url}


@contextmanager
def binance_world(tmp: Path, *, virtual: bool = True, price: str = "30000",
                  symbols: tuple[str, ...] = (SYMBOL,),
                  venue: str = "sim-binance") -> Iterator[BinanceWorld]:
    with EmbeddedSimulator(api_key=KEY, secret=SECRET, exchange="binance", seed=7,
                           virtual_clock=virtual, start_ms=START_MS if virtual else None,
                           rate_limits=False, price_walk=False) as sim:
        sim.set_price(SYMBOL, D(price))
        env = env_for(sim) if venue != "sim-binance" else {}
        settings = load_settings(env=env, venue=venue, overrides={
            "runs_dir": tmp / "runs", "state_path": tmp / "state" / "state.json",
            "symbols": list(symbols)})
        yield BinanceWorld(sim, settings, tmp, SimClock(sim) if virtual else None)


def long_cmd(intent: str) -> OpenPositionCommand:
    """0.010 BTC long at about 30000: stop 29400, TP1 0.004 at 30300, TP2 0.003 at 30600, a
    runner of 0.003."""
    return OpenPositionCommand.of(SYMBOL, PositionSide.LONG, D("0.010"), D("29400"), D("30300"),
                               D("0.004"), D("30600"), D("0.003"), intent)


def open_long(intent: str) -> Callable[[Application], Awaitable[Any]]:
    """A body for BinanceWorld.run: OpenPosition with long_cmd(intent)."""
    async def body(c: Application) -> Any:
        return await c.use_cases.open_position().execute(long_cmd(intent))
    return body
