"""Serving the app with uvicorn: in a background thread (embedded) or in the foreground (CLI).

uvicorn runs with httptools (its h11 protocol stalls ~44 ms per request on loopback, see
perf-notes) and the websockets sans-I/O protocol; no protocol-level pings (OKX uses text ping).
"""

import asyncio
import contextlib
import ipaddress
import socket
import threading
import time
from typing import Any

import uvicorn

from simulator.runtime import SimRuntime

START_TIMEOUT_S = 10.0
DRAIN_POLL_S = 0.001  # how often a stop looks whether the connections have closed


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def make_server(runtime: SimRuntime, ssl_certfile: str | None = None,
                ssl_keyfile: str | None = None, log_level: str = "warning") -> uvicorn.Server:
    """OKX uses text pings (no protocol pings); Binance's server sends protocol pings (every
    180 s on Binance; `ws_ping_interval_s`, off when None) and answers the client's."""
    settings = runtime.settings
    binance = settings.exchange == "binance"
    # only the face served is imported (the other one is ~8 ms of an embedded command's start)
    app: Any
    if binance:
        from simulator.binance.app import BinanceApp
        app = BinanceApp(runtime)
    else:
        from simulator.wire.app import SimApp
        app = SimApp(runtime)
    ping = settings.ws_ping_interval_s if binance else None
    config = uvicorn.Config(
        app, http="httptools", ws="websockets-sansio", lifespan="on",
        log_level=log_level, access_log=False, proxy_headers=False, server_header=False,
        ws_ping_interval=ping, ws_ping_timeout=600.0 if ping else None,
        timeout_graceful_shutdown=1, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
    return uvicorn.Server(config)


class ServerThread:
    """A uvicorn server on a pre-bound socket in a daemon thread with its own event loop.

    Its stop is prompt: uvicorn's serve() polls its exit flag every 0.1 s and then always waits
    0.1 s before it looks at the open connections, ~0.15 s a throwaway simulator's user waited
    for (issue 14 P3). This thread drives the server's startup() itself, waits on an event the
    stop sets, and shuts down the way uvicorn does minus the fixed sleeps: stop listening, ask
    every connection to close (an idle keep-alive one closes at once), wait for them and the
    server's tasks up to the configured graceful timeout, then the app's lifespan shutdown (the
    loop's end cancels what is still running). `sim serve` (the operator's simulator) runs
    uvicorn's own serve()."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._run, name=f"okx-sim-{self.port}",
                                        daemon=True)
        self._error: BaseException | None = None
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def _run(self) -> None:
        try:
            with asyncio.Runner(loop_factory=self.server.config.get_loop_factory()) as runner:
                runner.run(self._serve())
        except BaseException as err:  # surfaced by start()
            self._error = err
        finally:
            self._started.set()  # wakes a start() waiting on a server that failed

    async def _serve(self) -> None:
        server, config = self.server, self.server.config
        if not config.loaded:
            config.load()
        server.lifespan = config.lifespan_class(config)
        self._stop = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        await server.startup(sockets=[self.sock])
        if not server.started:
            return
        self._started.set()
        try:
            await self._stop.wait()
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        server, state = self.server, self.server.server_state
        for listener in server.servers:
            listener.close()
        for connection in list(state.connections):
            connection.shutdown()
        grace = server.config.timeout_graceful_shutdown  # None: as long as they take
        deadline = time.monotonic() + (float("inf") if grace is None else grace)
        while (state.connections or state.tasks) and time.monotonic() < deadline:
            await asyncio.sleep(DRAIN_POLL_S)
        await server.lifespan.shutdown()  # what is still running is cancelled as the loop ends

    def start(self) -> None:
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S):
            raise RuntimeError("simulator did not start in time")
        if not self.server.started:
            raise RuntimeError(f"simulator failed to start: {self._error!r}")

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # a closed loop: the server has ended
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout=5)
        self.sock.close()
