"""One Binance stream connection: its streams, SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS
frames, delivery in raw or combined form. Pings are protocol-level (the server pings, the
client's pings are answered by the WebSocket layer)."""

import asyncio
import contextlib
import json
import socket
import struct
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator.binance.streams import USER_CHANNELS, BinanceHub, encode, market_channel


class StreamConn:
    def __init__(self, hub: BinanceHub, websocket: WebSocket, combined: bool,
                 streams: list[str], events: set[str] | None) -> None:
        self.hub = hub
        self.ws = websocket
        self.combined = combined
        self.events = events  # /private/ws?events=...: only these event types
        self.conn_id = hub.new_conn_id()
        self.streams: list[str] = []
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.transport: Any = websocket.scope.get("sim.transport")
        self._closed = False
        for stream in streams:
            self._add(stream)

    @property
    def service(self) -> str:
        return "user" if any(self._is_key(s) for s in self.streams) else "market"

    def _is_key(self, stream: str) -> bool:
        return market_channel(stream) is None

    def _valid(self, stream: str) -> bool:
        keys = self.hub.rt.binance_keys
        return market_channel(stream) is not None or (keys is not None and keys.valid(stream))

    def _add(self, stream: str) -> bool:
        if stream in self.streams or not self._valid(stream):
            return stream in self.streams
        self.streams.append(stream)
        channel = market_channel(stream)
        self.hub.subscribed(channel[0] if channel else "user", 1)
        return True

    def _remove(self, stream: str) -> None:
        if stream in self.streams:
            self.streams.remove(stream)
            channel = market_channel(stream)
            self.hub.subscribed(channel[0] if channel else "user", -1)

    # -- delivery (on the loop) -------------------------------------------------------------
    def deliver(self, channel: str, key: str, event: dict[str, object]) -> None:
        if self._closed:
            return
        for stream in list(self.streams):
            target = market_channel(stream)
            if target is None:
                if channel in USER_CHANNELS and self._wanted(event):
                    self.queue.put_nowait(encode(stream, event, self.combined))
            elif target == (channel, key):
                payload = self.hub.kline(key, stream.split("_", 1)[1]) if (
                    channel == "candle") else event
                self.queue.put_nowait(encode(stream, payload, self.combined))

    def _wanted(self, event: dict[str, object]) -> bool:
        return self.events is None or str(event.get("e")) in self.events

    def listen_key_expired(self, key: str, event: dict[str, object]) -> None:
        if key in self.streams and not self._closed:
            self.queue.put_nowait(encode(key, event, self.combined))
            self._remove(key)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (the client sees 1006)."""
        self._closed = True
        if self.transport is not None:
            sock = self.transport.get_extra_info("socket")
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()
        self.queue.put_nowait(None)

    # -- the connection -------------------------------------------------------------------
    async def run(self) -> None:
        sender = asyncio.create_task(self._send_loop())
        self.hub.conns[self.conn_id] = self
        try:
            await self._receive_loop()
        finally:
            self._closed = True
            self.hub.conns.pop(self.conn_id, None)
            for stream in list(self.streams):
                self._remove(stream)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    async def _send_loop(self) -> None:
        faults = self.hub.rt.faults
        while True:
            text = await self.queue.get()
            if text is None or self._closed:
                return
            subject = f"ws/{self.service}"
            latency = faults.take("latency", subject)
            if latency is not None:
                await asyncio.sleep(int(str(latency.params["ms"])) / 1000)
            if faults.take("ws_disconnect", subject) is not None:
                self.abort()
                return
            try:
                await self.ws.send_text(text)
            except Exception:  # the peer went away; the receive loop ends the connection
                return

    async def _receive_loop(self) -> None:
        while not self._closed:
            try:
                message = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text") or (message.get("bytes") or b"").decode("utf-8",
                                                                                "replace")
            self._handle(text)

    def _handle(self, text: str) -> None:
        try:
            frame = json.loads(text)
            method, ident = frame["method"], frame.get("id")
            params = frame.get("params", [])
        except (ValueError, KeyError, TypeError):
            self._reply({"error": {"code": 3, "msg": "Invalid JSON: expected a JSON object "
                                                     "with 'method'"}, "id": None})
            return
        if method == "LIST_SUBSCRIPTIONS":
            self._reply({"result": list(self.streams), "id": ident})
        elif method in ("SUBSCRIBE", "UNSUBSCRIBE") and isinstance(params, list) and all(
                isinstance(s, str) for s in params):
            self._subscription(method, params, ident)
        else:
            self._reply({"error": {"code": 2, "msg": f"Invalid request: unknown method "
                                                     f"{method!r} or bad params"}, "id": ident})

    def _subscription(self, method: str, streams: list[str], ident: object) -> None:
        if method == "UNSUBSCRIBE":
            for stream in streams:
                self._remove(stream)
            self._reply({"result": None, "id": ident})
            return
        unknown = [s for s in streams if not self._add(s)]
        if unknown:
            self._reply({"error": {"code": 2, "msg": f"Invalid request: unknown or expired "
                                                     f"stream {unknown[0]!r}"}, "id": ident})
        else:
            self._reply({"result": None, "id": ident})

    def _reply(self, body: dict[str, object]) -> None:
        if not self._closed:
            self.queue.put_nowait(json.dumps(body))
