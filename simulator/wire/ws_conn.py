"""One WS connection: login, subscribe/unsubscribe, text ping, order ops, idle close."""

import asyncio
import contextlib
import json
import socket
import struct
import time
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator.core.errors import ApiError
from simulator.wire import envelope
from simulator.wire.auth import verify_ws_login
from simulator.wire.ws_hub import PRIVATE_CHANNELS, WsHub, channel_spec

LOGIN_ERRORS = {
    "60004": "Invalid timestamp", "60005": "Invalid OK-ACCESS-KEY",
    "60006": "Timestamp request expired", "60007": "Invalid sign", "60009": "Login failed.",
    "60024": "Wrong passphrase",
}
ORDER_OPS = ("order", "batch-orders", "cancel-order", "batch-cancel-orders", "amend-order",
             "batch-amend-orders")


class WsConn:
    def __init__(self, hub: WsHub, websocket: WebSocket, service: str) -> None:
        self.hub = hub
        self.ws = websocket
        self.service = service
        self.conn_id = hub.new_conn_id()
        self.logged_in = False
        self.subs: list[dict[str, str]] = []
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.transport: Any = websocket.scope.get("sim.transport")
        self._closed = False

    def enqueue(self, text: str | None) -> None:
        if text is not None and not self._closed:
            self.queue.put_nowait(text)

    def _event(self, **fields: object) -> None:
        self.enqueue(json.dumps({**fields, "connId": self.conn_id}))

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (the client sees 1006)."""
        self._closed = True
        if self.transport is not None:
            sock = self.transport.get_extra_info("socket")
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()
        self.queue.put_nowait(None)

    async def run(self) -> None:
        sender = asyncio.create_task(self._send_loop())
        self.hub.conns[self.conn_id] = self
        try:
            await self._receive_loop()
        finally:
            self._closed = True
            self.hub.conns.pop(self.conn_id, None)
            for arg in self.subs:
                self.hub.subscribed(arg, -1)
            self.subs.clear()
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    async def _send_loop(self) -> None:
        subject = f"ws/{self.service}"
        faults = self.hub.rt.faults
        while True:
            text = await self.queue.get()
            if text is None or self._closed:
                return
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
        idle = self.hub.rt.settings.ws_idle_timeout_s
        while not self._closed:
            try:
                message = await asyncio.wait_for(self.ws.receive(), timeout=idle)
            except TimeoutError:
                await self._close(4004, "No data received in 30s.")
                return
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", "replace")
            self._handle(text)

    async def _close(self, code: int, reason: str) -> None:
        self._closed = True
        self.queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, reason=reason)

    def _handle(self, text: str) -> None:
        if text == "ping":
            self.enqueue("pong")
            return
        try:
            request = json.loads(text)
            op = request["op"]
        except (ValueError, KeyError, TypeError):
            self._event(event="error", code="60012", msg=f"Invalid request: {text}")
            return
        args = request.get("args")
        if not isinstance(args, list) or not all(isinstance(a, dict) for a in args):
            self._event(event="error", code="60013", msg="Invalid args")
            return
        if op == "login":
            self._login(args)
        elif op in ("subscribe", "unsubscribe"):
            for arg in args:
                self._subscription(op, arg, request.get("id"))
        elif op in ORDER_OPS and self.service == "private":
            self._order_op(op, args, request)
        else:
            self._event(event="error", code="60012", msg=f"Invalid request: {text}")

    def _login(self, args: list[dict[str, Any]]) -> None:
        rt = self.hub.rt
        if self.logged_in:
            self._event(event="error", code="60031",
                        msg="The WebSocket endpoint does not allow multiple or repeated logins.")
            return
        code = "60009" if len(args) != 1 else verify_ws_login(
            args[0], rt.credentials, rt.core.now_ms(), rt.settings.auth_window_ms)
        if code is None:
            self.logged_in = True
            self._event(event="login", code="0", msg="")
        else:
            self._event(event="error", code=code, msg=LOGIN_ERRORS.get(code, "Login failed."))

    def _subscription(self, op: str, raw: dict[str, Any], req_id: object) -> None:
        arg = {str(k): str(v) for k, v in raw.items()}
        ident = {"id": req_id} if req_id is not None else {}
        spec = channel_spec(arg.get("channel", ""))
        if spec is None or spec[0] != self.service or (spec[2] and not arg.get(spec[2])):
            self._event(**ident, event="error", code="60018",
                        msg=f"Wrong URL or channel:{arg.get('channel', '')},instId:"
                            f"{arg.get('instId', '')} doesn't exist. Please use the correct "
                            "URL, channel and parameters referring to API document.")
            return
        if spec[1] and not self.logged_in:
            self._event(**ident, event="error", code="60011", msg="Please log in")
            return
        public_arg = dict(arg)
        if arg.get("channel") in PRIVATE_CHANNELS:
            arg.setdefault("uid", self.hub.rt.core.config.uid)  # private pushes name the uid
        if op == "unsubscribe":
            if arg in self.subs:
                self.subs.remove(arg)
                self.hub.subscribed(arg, -1)
            self._event(**ident, event="unsubscribe", arg=public_arg)
            return
        self._event(**ident, event="subscribe", arg=public_arg)
        if arg not in self.subs:
            self.subs.append(arg)
            self.hub.subscribed(arg, 1)
        self.enqueue(self.hub.snapshot(arg))

    def _order_op(self, op: str, args: list[dict[str, Any]], request: dict[str, Any]) -> None:
        in_us = time.time_ns() // 1000
        base = {"id": str(request.get("id", "")), "op": op}
        if not self.logged_in:
            self._event(event="error", code="60011", msg="Please log in")
            return
        core = self.hub.rt.core
        try:
            # since 2026 OKX names the instrument by instIdCode on WS order ops, not instId
            items = [_with_inst_id(core.state.instruments, a) for a in args]
            if op in ("order", "batch-orders"):
                exp = str(request.get("expTime", ""))
                data = core.place_orders(items, int(exp) if exp.isdigit() else None)
            elif op in ("amend-order", "batch-amend-orders"):
                data = core.amend_orders(items)
            else:
                data = core.cancel_orders(items)
        except ApiError as err:
            self.enqueue(json.dumps({**base, "code": err.code, "msg": err.msg, "data": [],
                                     "inTime": str(in_us), "outTime": str(time.time_ns() // 1000)}))
            return
        self.enqueue(json.dumps({**base, **envelope.items(data, in_us)}))


def _with_inst_id(instruments: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """The item with instId set from its instIdCode (which it must carry, as OKX requires
    since 2026: "Parameter instIdCode can not be empty"); an unknown code leaves instId empty,
    which the core refuses per item as an unknown instrument (51001)."""
    code = str(item.get("instIdCode", "")).strip()
    if not code:
        raise ApiError("50014", "instIdCode")
    for inst_id, inst in instruments.items():
        if str(inst.inst_id_code) == code:
            return {**item, "instId": inst_id}
    return {**item, "instId": "?" + code}
