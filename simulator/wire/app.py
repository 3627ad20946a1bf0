"""The simulator's ASGI app: REST gateway, WebSocket services, admin API, market ticker."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from simulator.faults import Fault
from simulator.runtime import SimRuntime
from simulator.wire.admin import AdminApi
from simulator.wire.gateway import PREFIX, RestGateway
from simulator.wire.ws_conn import WsConn
from simulator.wire.ws_hub import WsHub

SERVICES = ("public", "private", "business")


class SimApp:
    """/api/v5/* goes straight to the gateway; WS and /sim/* go through starlette."""

    def __init__(self, runtime: SimRuntime) -> None:
        self.rt = runtime
        self.rest = RestGateway(runtime)
        self.hub = WsHub(runtime)
        runtime.ws_hubs.append(self.hub)
        runtime.core.add_sink(self.hub)
        runtime.faults.on_change.append(self._on_fault)
        self.web = Starlette(
            routes=[WebSocketRoute("/ws/v5/{service}", self._ws), *AdminApi(runtime).routes()],
            lifespan=self._lifespan)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.rest(scope, receive, send)
            return
        if scope["type"] == "websocket":
            # the raw transport, so a fault can drop the connection without a close frame
            scope["sim.transport"] = getattr(getattr(send, "__self__", None), "transport", None)
        await self.web(scope, receive, send)

    async def _ws(self, websocket: WebSocket) -> None:
        service = websocket.path_params["service"]
        refused = self.rt.faults.take("ws_refuse", f"ws/{service}") is not None
        if service not in SERVICES or refused:
            await websocket.close()  # before accept: the handshake is answered 403
            return
        await websocket.accept()
        await WsConn(self.hub, websocket, service).run()

    def _on_fault(self, action: str, fault: Fault) -> None:
        """listen_key_expiry on OKX: the private session ends; clients log in again."""
        loop = self.hub.loop
        if fault.kind == "listen_key_expiry" and action == "inject" and loop is not None:
            for service in ("private", "business"):
                loop.call_soon_threadsafe(self.hub.disconnect, service)

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
