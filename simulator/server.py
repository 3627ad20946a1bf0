"""Serving the app with uvicorn: in a background thread (embedded) or in the foreground (CLI).

uvicorn runs with httptools (its h11 protocol stalls ~44 ms per request on loopback, see
perf-notes) and the websockets sans-I/O protocol; no protocol-level pings (OKX uses text ping).
"""

import ipaddress
import socket
import threading
import time
from typing import Any

import uvicorn

from simulator.binance.app import BinanceApp
from simulator.runtime import SimRuntime
from simulator.wire.app import SimApp

START_TIMEOUT_S = 10.0


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
    app: Any = BinanceApp(runtime) if binance else SimApp(runtime)
    ping = settings.ws_ping_interval_s if binance else None
    config = uvicorn.Config(
        app, http="httptools", ws="websockets-sansio", lifespan="on",
        log_level=log_level, access_log=False, proxy_headers=False, server_header=False,
        ws_ping_interval=ping, ws_ping_timeout=600.0 if ping else None,
        timeout_graceful_shutdown=1, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
    return uvicorn.Server(config)


class ServerThread:
    """A uvicorn server on a pre-bound socket in a daemon thread with its own event loop."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._run, name=f"okx-sim-{self.port}",
                                        daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as err:  # surfaced by start()
            self._error = err

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"simulator failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("simulator did not start in time")
            time.sleep(0.005)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=5)
        self.sock.close()
