"""A raw httpx OKX client for wire tests, with its own (independent) request signing."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx


def okx_sign(secret: str, prehash: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), prehash.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def iso_ms(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{epoch_ms % 1000:03d}Z"


class OkxHttp:
    """Signs with the given clock (tests pass the simulator's, as an engine syncs to it)."""

    def __init__(self, base_url: str, key: str, secret: str, passphrase: str,
                 now_ms: Callable[[], int], demo: bool = True) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=5.0)
        self.key, self.secret, self.passphrase = key, secret, passphrase
        self.now_ms = now_ms
        self.demo = demo

    def close(self) -> None:
        self.http.close()

    def headers(self, method: str, request_path: str, body: str = "",
                timestamp: str | None = None) -> dict[str, str]:
        stamp = timestamp or iso_ms(self.now_ms())
        headers = {
            "OK-ACCESS-KEY": self.key, "OK-ACCESS-PASSPHRASE": self.passphrase,
            "OK-ACCESS-TIMESTAMP": stamp,
            "OK-ACCESS-SIGN": okx_sign(self.secret, stamp + method + request_path + body),
            "Content-Type": "application/json"}
        if self.demo:
            headers["x-simulated-trading"] = "1"
        return headers

    def get(self, path: str, query: str = "", **extra: str) -> httpx.Response:
        request_path = f"/api/v5/{path}" + (f"?{query}" if query else "")
        return self.http.get(request_path, headers={**self.headers("GET", request_path), **extra})

    def public(self, path: str, query: str = "") -> httpx.Response:
        return self.http.get(f"/api/v5/{path}" + (f"?{query}" if query else ""))

    def post(self, path: str, payload: object, **extra: str) -> httpx.Response:
        body = payload if isinstance(payload, str) else json.dumps(payload)
        request_path = f"/api/v5/{path}"
        return self.http.post(request_path, content=body.encode(),
                              headers={**self.headers("POST", request_path, body), **extra})

    def data(self, response: httpx.Response) -> list[dict[str, Any]]:
        body = response.json()
        assert body["code"] in ("0", "1", "2"), body
        rows: list[dict[str, Any]] = body["data"]
        return rows
