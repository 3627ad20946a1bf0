"""EmbeddedSimulator: the simulator on an ephemeral loopback port, in a background thread.

    with EmbeddedSimulator(api_key="k", secret="s", passphrase="p", mode="demo", seed=7,
                           virtual_clock=True) as sim:
        sim.rest_url, sim.ws_url       # http://127.0.0.1:<port>, ws://127.0.0.1:<port>
        sim.set_price("BTC-USDT-SWAP", Decimal("30000"))
        sim.advance(5)                 # virtual clock only
        sim.faults.inject("drop_after_accept", "trade/order", times=1)
        assert sim.violations() == []

Also `async with`: start/stop run in a worker thread, so an event loop is never blocked.
"""

import asyncio
from decimal import Decimal
from types import TracebackType
from typing import Any

from simulator.core.exchange import ExchangeCore
from simulator.core.state import CoreConfig
from simulator.faults import Faults
from simulator.runtime import SimRuntime, SimSettings
from simulator.server import ServerThread, bind, make_server
from simulator.wire.auth import WINDOW_MS


class EmbeddedSimulator:
    def __init__(self, api_key: str = "k", secret: str = "s", passphrase: str = "p",
                 mode: str = "demo", seed: int = 7, virtual_clock: bool = False,
                 rate_limits: bool = True, *, start_ms: int | None = None,
                 price_walk: bool = True, core_config: CoreConfig | None = None,
                 auth_window_ms: int | None = WINDOW_MS, ws_idle_timeout_s: float = 30.0,
                 tls: tuple[str, str] | None = None, host: str = "127.0.0.1",
                 exchange: str = "okx", ban_after_429s: int | None = None,
                 ws_ping_interval_s: float | None = None) -> None:
        config = core_config or CoreConfig(seed=seed)
        if not price_walk:
            config.vol_per_step = 0.0
        self.settings = SimSettings(
            api_key=api_key, secret=secret, passphrase=passphrase, mode=mode, seed=seed,
            virtual_clock=virtual_clock, start_ms=start_ms, rate_limits=rate_limits,
            auth_window_ms=auth_window_ms, ws_idle_timeout_s=ws_idle_timeout_s, core=config,
            exchange=exchange, ban_after_429s=ban_after_429s,
            ws_ping_interval_s=ws_ping_interval_s)
        self.runtime = SimRuntime(self.settings)
        self._host = host
        self._tls = tls
        self._threads: list[ServerThread] = []

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> "EmbeddedSimulator":
        if self._threads:
            return self
        self._threads.append(self._serve(None))
        if self._tls is not None:
            self._threads.append(self._serve(self._tls))
        return self

    def _serve(self, tls: tuple[str, str] | None) -> ServerThread:
        server = make_server(self.runtime, *(tls or (None, None)))
        thread = ServerThread(server, bind(self._host, 0))
        thread.start()
        return thread

    def stop(self) -> None:
        for thread in self._threads:
            thread.stop()
        self._threads.clear()

    def __enter__(self) -> "EmbeddedSimulator":
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    async def __aenter__(self) -> "EmbeddedSimulator":
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await asyncio.to_thread(self.stop)

    # -- where it is ------------------------------------------------------------------------
    def _port(self, index: int) -> int:
        if len(self._threads) <= index:
            raise RuntimeError("the simulator is not running (or runs without TLS)")
        return self._threads[index].port

    @property
    def rest_url(self) -> str:
        return f"http://{self._host}:{self._port(0)}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self._host}:{self._port(0)}"

    @property
    def https_url(self) -> str:
        return f"https://{self._host}:{self._port(1)}"

    @property
    def wss_url(self) -> str:
        return f"wss://{self._host}:{self._port(1)}"

    # -- steering -----------------------------------------------------------------------------
    @property
    def core(self) -> ExchangeCore:
        return self.runtime.core

    @property
    def faults(self) -> Faults:
        return self.runtime.faults

    def set_price(self, inst_id: str, last: Decimal, mark: Decimal | None = None,
                  index: Decimal | None = None) -> None:
        """Set last (mark and index default to last); resting orders and stops react."""
        self.runtime.core.set_price(inst_id, last, mark, index)

    def advance(self, seconds: float) -> None:
        """Step the virtual clock (and the price path with it)."""
        self.runtime.advance(seconds)

    def set_instrument_state(self, inst_id: str, state: str) -> None:
        self.runtime.core.set_instrument_state(inst_id, state)

    def violations(self) -> list[dict[str, object]]:
        return self.runtime.violations()

    def requests(self) -> list[dict[str, object]]:
        return self.runtime.requests()

    def reset(self) -> None:
        self.runtime.reset()

    def ws_subscribers(self, channel: str) -> int:
        """How many live WS subscriptions a channel has ("candle" counts all candle bars):
        lets a test wait until its client has really subscribed before acting."""
        return sum(hub.counts[channel] for hub in self.runtime.ws_hubs)

    def disconnect_ws(self, service: str = "*") -> int:
        """Abort open WS connections of a service (public/private/business/*) now."""
        closed = 0
        for hub in self.runtime.ws_hubs:
            if hub.loop is None:
                continue
            future = asyncio.run_coroutine_threadsafe(_call(hub.disconnect, service), hub.loop)
            closed += future.result(timeout=5)
        return closed


async def _call(function: Any, *args: Any) -> Any:
    return function(*args)
