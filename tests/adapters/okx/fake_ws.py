"""A loopback OKX-shaped WS server for stream tests: checks login signatures, acks
subscriptions, answers pings, pushes on demand and can drop every socket abruptly."""

import base64
import hashlib
import hmac
import json
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

from tests.adapters.okx.mock_okx import fixture


class FakeOkxWs:
    def __init__(self, api_key: str, secret: str, passphrase: str) -> None:
        self._api_key, self._secret, self._passphrase = api_key, secret, passphrase
        self.refuse_login = False
        self.answer_pings = True
        self.logins: list[str] = []
        self.subscriptions: list[tuple[str, list[dict[str, Any]]]] = []
        self.pings = 0
        self.pings_on: dict[str, int] = {}
        self.open: list[ServerConnection] = []
        self._server: Server | None = None

    async def start(self) -> str:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def push(self, path: str, message: dict[str, Any]) -> int:
        targets = [ws for ws in self.open if ws.request is not None
                   and ws.request.path == path]
        for ws in targets:
            await ws.send(json.dumps(message))
        return len(targets)

    def drop_all(self) -> None:
        """Abort every socket without a close frame, as a network failure would."""
        for ws in list(self.open):
            ws.transport.abort()

    def _valid(self, arg: dict[str, Any]) -> bool:
        prehash = f"{arg.get('timestamp')}GET/users/self/verify"
        mac = hmac.new(self._secret.encode(), prehash.encode(), hashlib.sha256).digest()
        return (arg.get("apiKey") == self._api_key and arg.get("passphrase") == self._passphrase
                and arg.get("sign") == base64.b64encode(mac).decode())

    async def _handle(self, ws: ServerConnection) -> None:
        self.open.append(ws)
        path = ws.request.path if ws.request is not None else ""
        try:
            async for raw in ws:
                await self._answer(ws, path, str(raw))
        except Exception:  # an aborted socket ends the handler; that is the point
            pass
        finally:
            self.open.remove(ws)

    async def _answer(self, ws: ServerConnection, path: str, raw: str) -> None:
        if raw == "ping":
            self.pings += 1
            self.pings_on[path] = self.pings_on.get(path, 0) + 1
            if self.answer_pings:
                await ws.send("pong")
            return
        message = json.loads(raw)
        if message.get("op") == "login":
            ok = not self.refuse_login and self._valid(message["args"][0])
            self.logins.append(path)
            await ws.send(json.dumps(fixture("login_ok" if ok else "login_error", "ws")))
        elif message.get("op") == "subscribe":
            self.subscriptions.append((path, message["args"]))
            for arg in message["args"]:
                await ws.send(json.dumps({"id": message.get("id", ""), "event": "subscribe",
                                          "arg": arg, "connId": "c1"}))
