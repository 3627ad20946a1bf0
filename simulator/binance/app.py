"""The Binance face's ASGI app: /fapi/* to the REST gateway, every WebSocket path to the
stream hub, /sim/* to the shared admin API; the market ticker and listen-key expiry."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from simulator.binance.gateway import BinanceGateway
from simulator.binance.stream_conn import StreamConn
from simulator.binance.streams import BinanceHub, market_channel
from simulator.faults import Fault
from simulator.runtime import SimRuntime
from simulator.wire.admin import AdminApi

ROUTE_PREFIXES = ("/public", "/market", "/private")


def parse_stream_path(path: str, query: str) -> tuple[str, bool, list[str], set[str] | None]:
    """(route, combined, streams, event filter) of a stream URL."""
    route = ""
    for prefix in ROUTE_PREFIXES:
        if path.startswith(prefix + "/"):
            route, path = prefix[1:], path[len(prefix):]
    args = dict(parse_qsl(query, keep_blank_values=True))
    combined = path.startswith("/stream")
    if combined:
        streams = [s for s in args.get("streams", "").split("/") if s]
    else:
        streams = [s for s in path[len("/ws"):].split("/") if s]
    if args.get("listenKey"):
        streams.append(args["listenKey"])
    events = {e for e in args.get("events", "").split(",") if e} or None
    return route, combined, streams, events


class BinanceApp:
    def __init__(self, runtime: SimRuntime) -> None:
        self.rt = runtime
        self.rest = BinanceGateway(runtime)
        self.hub = BinanceHub(runtime)
        runtime.ws_hubs.append(self.hub)
        runtime.core.add_sink(self.hub)
        runtime.tick_hooks.append(self._expire_due)
        runtime.faults.on_change.append(self._on_fault)
        self.web = Starlette(routes=[WebSocketRoute("/{path:path}", self._ws),
                                     *AdminApi(runtime).routes()], lifespan=self._lifespan)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/fapi/"):
            await self.rest(scope, receive, send)
            return
        if scope["type"] == "websocket":
            scope["sim.transport"] = getattr(getattr(send, "__self__", None), "transport", None)
        await self.web(scope, receive, send)

    async def _ws(self, websocket: WebSocket) -> None:
        path = websocket.scope["path"]
        query = websocket.scope.get("query_string", b"").decode("latin-1")
        route, combined, streams, events = parse_stream_path(path, query)
        known = path.split("/")[-1] in ("ws", "stream") or "/ws/" in path
        user = route == "private" or any(market_channel(s) is None for s in streams)
        refused = self.rt.faults.take("ws_refuse", "ws/user" if user else "ws/market")
        if refused is not None or not known:
            await websocket.close()  # before accept: the handshake is answered 403
            return
        await websocket.accept()
        await StreamConn(self.hub, websocket, combined, streams, events).run()

    def _expire_due(self) -> None:
        keys = self.rt.binance_keys
        gone = keys.due() if keys is not None else []
        if gone and self.hub.loop is not None and not self.hub.loop.is_closed():
            self.hub.loop.call_soon_threadsafe(self.hub.expire, gone)

    def _on_fault(self, action: str, fault: Fault) -> None:
        keys = self.rt.binance_keys
        if fault.kind != "listen_key_expiry" or action != "inject" or keys is None:
            return
        gone = keys.expire_now(fault.target)
        if gone and self.hub.loop is not None and not self.hub.loop.is_closed():
            self.hub.loop.call_soon_threadsafe(self.hub.expire, gone)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.hub.loop = asyncio.get_running_loop()
        ticker = None
        if not self.rt.settings.virtual_clock:
            ticker = asyncio.create_task(self._tick_forever())
        try:
            yield
        finally:
            if ticker is not None:
                ticker.cancel()
            self.rt.core.remove_sink(self.hub)

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.rt.settings.tick_interval_s)
            self.rt.core.tick()
            self._expire_due()
