"""The world the invariant harness runs in: the real CLI, container and OKX adapter against an
embedded simulator on a virtual clock, with a way to kill the engine at a chosen request.

Time: the engine's Clock is the simulator's virtual clock, and every engine sleep advances it,
so the 1-second visibility sentinel, status polling and lock expiry cost no wall time. Two
sleeps that start at the same virtual moment wake at the same moment (the clock moves to the
latest wake-up asked for, not by the sum of the sleeps).

Crashes: every HTTP request of the engine passes a CrashTransport. Armed with (n, after), the
n-th request either never leaves (after=False) or reaches the exchange, is processed, and its
answer is lost (after=True); either way EngineCrash (a BaseException, so no handler of the
engine catches it) unwinds the command the way a killed process stops: what was flushed to the
state file stays, everything in memory is gone. The next command builds a new container from
the same state file, exactly as a restarted process would.
"""

import asyncio
import json
import math
import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from dependency_injector import providers
from typer.testing import CliRunner

from entrypoints import lifecycle
from entrypoints.cli import app
from entrypoints.container import Application, build_container
from simulator.embedded import EmbeddedSimulator

KEY, SECRET, PASSPHRASE = "inv-key-000001", "inv-secret-00000000000001", "inv-Pass-01"
SYMBOL = "BTC-USDT-SWAP"
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: runs repeat exactly
START_PRICE = Decimal("30000")


@attrs.frozen
class Face:
    """One exchange the harness runs against: the simulator's face, the venue the engine is
    pointed at it as, and that exchange's words (symbol, sizes, fault targets)."""

    name: str                  # "okx" | "binance": the simulator's face
    venue: str                 # what the engine calls it, reached through *_REST_URL / *_WS_URL
    symbol: str
    tick: Decimal
    lot: Decimal               # OKX: contracts; Binance: base asset
    unknown_symbol: str        # well formed, not listed
    container: str             # the Adapters attribute holding the venue's parts
    trade_targets: tuple[str, str, str, str]  # order, stop placement, stop cancel, any trade
    algo_place: str            # where a stop is placed (algo_visibility_delay's target)
    order_cancel: str          # where a regular order is cancelled (fill_race_cancel's)
    user_stream: str           # the private WS target of ws faults
    probes: bool               # whether `probe` runs here (seed 000's PROBE is OKX's)

    def sim_kwargs(self) -> dict[str, Any]:
        if self.name == "binance":
            return {"exchange": "binance"}
        return {"passphrase": PASSPHRASE, "mode": "demo"}

    def env(self, sim: EmbeddedSimulator) -> dict[str, str]:
        if self.name == "binance":
            return {"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET,
                    "BINANCE_REST_URL": sim.rest_url, "BINANCE_WS_URL": sim.ws_url}
        return {"OKX_API_KEY": KEY, "OKX_API_SECRET": SECRET, "OKX_API_PASSPHRASE": PASSPHRASE,
                "OKX_REST_URL": sim.rest_url, "OKX_WS_URL": sim.ws_url}


OKX = Face("okx", "okx-demo", SYMBOL, Decimal("0.1"), Decimal("0.01"), "FOO-USDT-SWAP", "okx",
           ("trade/order", "trade/order-algo", "trade/cancel-algos", "trade/*"),
           "trade/order-algo", "trade/cancel-order", "ws/private", True)
# the engine on binance-testnet pointed at the simulator's Binance face: sim-binance would
# start a simulator of its own for every command
BINANCE = Face("binance", "binance-testnet", "BTCUSDC", Decimal("0.1"), Decimal("0.001"),
               "FOOUSDC", "binance",
               ("fapi/v1/order", "fapi/v1/algoOrder", "fapi/v1/algoOrder", "fapi/*"),
               "fapi/v1/algoOrder", "fapi/v1/order", "ws/user", False)
FACES = {"okx": OKX, "binance": BINANCE}


class EngineCrash(BaseException):
    """The engine process died here (raised inside the engine, caught only by the harness)."""


class SimClock:
    """ports.clock.Clock on the simulator's virtual clock; sleeping advances it."""

    def __init__(self, sim: EmbeddedSimulator) -> None:
        self._sim = sim
        self.slept_s = 0.0

    def now_ms(self) -> int:
        # the simulator's own clock, without an injected exchange clock skew
        return self._sim.runtime.clock.now_ms()

    def monotonic(self) -> float:
        return self.now_ms() / 1000

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            wake_ms = math.ceil((self.monotonic() + seconds) * 1000)
            ahead = wake_ms - self.now_ms()
            if ahead > 0:
                self.slept_s += ahead / 1000
                self._sim.advance(ahead / 1000)
        await asyncio.sleep(0)


@attrs.define
class CrashPlan:
    at_request: int = 0   # 0: never
    after: bool = False   # the request reached the exchange and was processed
    at_path: str = ""     # or: the first "METHOD path-end" request, e.g. "POST trade/order-algo"
    seen: int = 0
    fired: bool = False


class CrashTransport(httpx.AsyncBaseTransport):
    def __init__(self, plan: CrashPlan) -> None:
        # plain HTTP on loopback: no TLS context to build (that costs ~30 ms per command)
        self._inner = httpx.AsyncHTTPTransport(verify=False)
        self._plan = plan

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        plan = self._plan
        plan.seen += 1
        method, _, path = plan.at_path.partition(" ")
        due = not plan.fired and (plan.seen == plan.at_request if plan.at_request > 0 else
                                  bool(path) and request.method == method
                                  and request.url.path.endswith(path))
        if due and not plan.after:
            plan.fired = True
            raise EngineCrash(f"killed before request {plan.seen} left")
        response = await self._inner.handle_async_request(request)
        if due:
            plan.fired = True
            await response.aread()
            await response.aclose()
            raise EngineCrash(f"killed after request {plan.seen} was answered")
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@attrs.frozen
class CommandRun:
    """One CLI invocation: its exit code, its --json payload (None if it printed none), and
    whether the engine was killed during it."""

    args: tuple[str, ...]
    exit_code: int | None
    payload: dict[str, Any] | None
    crashed: bool
    output: str


class World:
    """One simulator, one state directory, one engine 'installation' run command by command."""

    def __init__(self, sim: EmbeddedSimulator, root: Path, seed: int,
                 face: Face = OKX) -> None:
        self.sim = sim
        self.face = face
        self.root = root
        self.clock = SimClock(sim)
        self.rng = random.Random(seed)
        self.crash = CrashPlan()
        self.config_path = root / "engine.toml"
        self.config_path.write_text(f'runs_dir = "{root / "runs"}"\n'
                                    f'state_path = "{root / "state" / "state.json"}"\n'
                                    f'symbols = ["{face.symbol}"]\n', encoding="utf-8")
        self.env = {**face.env(sim), "PROMETHEUS_CONFIG": str(self.config_path),
                    "PROMETHEUS_VENUE": face.venue}
        self.run_dirs: list[Path] = []
        self._runner = CliRunner()
        self._admin = httpx.Client(base_url=sim.rest_url, timeout=10, verify=False)

    def close(self) -> None:
        self._admin.close()

    @property
    def state_path(self) -> Path:
        return self.root / "state" / "state.json"

    def admin(self, path: str) -> Any:
        response = self._admin.get(path)
        response.raise_for_status()
        return response.json()

    def _wire(self, container: Application) -> Application:
        """The container a command builds, on the virtual clock and the crash transport."""
        container.core.clock.override(providers.Object(self.clock))
        venue: Any = getattr(container.adapters, self.face.container)
        venue.transport.override(providers.Object(CrashTransport(self.crash)))
        venue.rng.override(providers.Object(self.rng.random))
        return container

    def cli(self, *args: str, crash_at: int = 0, crash_after: bool = False,
            crash_path: str = "") -> CommandRun:
        """Run `prometheus-exec ARGS --json` in-process, as an operator would."""
        self.crash = CrashPlan(crash_at, crash_after, crash_path)
        crashed = False
        with pytest.MonkeyPatch.context() as patch:
            # the commands build their container through lifecycle's name for it
            patch.setattr(lifecycle, "build_container",
                          lambda config: self._wire(build_container(config)))
            try:
                result = self._runner.invoke(app, [*args, "--json"], env=self.env,
                                             catch_exceptions=False)
            except EngineCrash:
                crashed = True
                result = None
        if result is None:
            return CommandRun(tuple(args), None, None, True, "")
        payload = _last_json(result.stdout)
        if payload is not None and payload.get("run_dir"):
            self.run_dirs.append(Path(payload["run_dir"]))
        return CommandRun(tuple(args), result.exit_code, payload, crashed, result.output)

    def state(self) -> dict[str, Any]:
        """The engine's state file as JSON ({} before the first flush)."""
        try:
            return dict(json.loads(self.state_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def position_state(self, symbol: str | None = None) -> dict[str, Any]:
        return dict(self.state().get("symbols", {}).get(symbol or self.face.symbol, {})
                    .get("position_state", {}))

    def price(self, symbol: str | None = None) -> Decimal:
        last, _, _ = self.sim.core.quote(symbol or self.face.symbol)
        return last


def _last_json(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                return dict(json.loads(line))
            except ValueError:
                return None
    return None


@contextmanager
def world(seed: int = 7, root: Path | None = None, face: Face = OKX) -> Iterator[World]:
    with EmbeddedSimulator(api_key=KEY, secret=SECRET, seed=seed, virtual_clock=True,
                           start_ms=START_MS, rate_limits=False, price_walk=False,
                           **face.sim_kwargs()) as sim, \
            _directory(root) as where:
        sim.set_price(face.symbol, START_PRICE)
        made = World(sim, where, seed, face)
        try:
            yield made
        finally:
            made.close()


@contextmanager
def _directory(root: Path | None) -> Iterator[Path]:
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        yield root
        return
    with tempfile.TemporaryDirectory(prefix="inv-") as scratch:
        yield Path(scratch)


Step = Callable[[World], CommandRun]
