"""A raw httpx Binance client for wire tests, with its own (independent) request signing:
parameters in the query (as the official SDK sends them) or in a form body (as ccxt does)."""

import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx


def binance_sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class BinanceHttp:
    def __init__(self, base_url: str, key: str, secret: str, now_ms: Callable[[], int]) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=5.0)
        self.key, self.secret, self.now_ms = key, secret, now_ms

    def close(self) -> None:
        self.http.close()

    def public(self, path: str, **params: object) -> httpx.Response:
        return self.http.get(path, params={k: str(v) for k, v in params.items()})

    def signed(self, method: str, path: str, *, form: bool = False, **params: object
               ) -> httpx.Response:
        params.setdefault("timestamp", self.now_ms())
        payload = urlencode({k: str(v) for k, v in params.items()})
        signed = f"{payload}&signature={binance_sign(self.secret, payload)}"
        headers = {"X-MBX-APIKEY": self.key}
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return self.http.request(method, path, content=signed.encode(), headers=headers)
        return self.http.request(method, f"{path}?{signed}", headers=headers)

    def ok(self, method: str, path: str, **params: Any) -> Any:
        response = self.signed(method, path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def code(self, method: str, path: str, **params: Any) -> int:
        response = self.signed(method, path, **params)
        assert response.status_code != 200, response.text
        return int(response.json()["code"])
