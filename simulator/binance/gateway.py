"""The Binance REST gateway: a raw ASGI app for /fapi/*, with faults around it.

Per request: read body; latency; fail early for unprocessed faults; route; parameters from the
query and a form body; note a signature on a public call; weight and order counts (429/418);
authenticate; call; then the faults that act after processing. Every answer carries
X-MBX-USED-WEIGHT-1M (and the order counts on order endpoints).
"""

import asyncio
import json
import time
from typing import Any

from simulator.binance.auth import BinanceKeys, check_key, params_of, verify_signed
from simulator.binance.errors import BinanceError
from simulator.binance.limits import banned
from simulator.binance.routes import PATHS, ROUTES, Call, Route
from simulator.faults import Fault
from simulator.runtime import SimRuntime
from simulator.wire.transport import drop, read_body

JSON = (b"content-type", b"application/json")
Response = tuple[int, bytes, list[tuple[bytes, bytes]]]
EARLY_OR_LATE = ("http_5xx", "busy", "rate_limit", "malformed", "send_status_unknown",
                 "unknown_error")


def _dumps(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def _error(err: BinanceError, extra: list[tuple[bytes, bytes]] | None = None) -> Response:
    headers = [JSON, *(extra or [])]
    if err.retry_after is not None:
        headers.append((b"retry-after", str(err.retry_after).encode()))
    return err.http_status, _dumps(err.body()), headers


class BinanceGateway:
    def __init__(self, runtime: SimRuntime) -> None:
        self.rt = runtime
        assert runtime.binance_api is not None and runtime.binance_keys is not None
        self.api = runtime.binance_api
        self.keys = BinanceKeys(runtime.settings.api_key, runtime.settings.secret)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        headers = dict(scope["headers"])
        body = await read_body(receive)
        received_ms = self.rt.core.now_ms()
        subject = path.lstrip("/")
        faults = self.rt.faults
        latency = faults.take("latency", subject, method)
        if latency is not None:
            await asyncio.sleep(int(str(latency.params["ms"])) / 1000)
        early, late = self._pick_faults(subject, method)
        if early is not None:
            response = self._fault_response(early, None, scope)
        else:
            response = self._handle(scope, path, method, headers, body)
            if late is not None and late.kind == "drop_after_accept":
                self._journal(scope, headers, body, received_ms, response, "dropped")
                await drop(late, receive, send)
                return
            if late is not None:
                response = self._fault_response(late, response, scope)
        self._journal(scope, headers, body, received_ms, response, "")
        status, payload, extra = response
        await send({"type": "http.response.start", "status": status,
                    "headers": [*extra, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    def _handle(self, scope: dict[str, Any], path: str, method: str,
                headers: dict[bytes, bytes], body: bytes) -> Response:
        route = ROUTES.get((method, path))
        if route is None:
            status = 405 if path in PATHS else 404
            return status, _dumps({"code": -1099, "msg": "Not found, unauthenticated, or "
                                                         "unauthorized."}), [JSON]
        query: bytes = scope["query_string"]
        form = headers.get(b"content-type", b"").startswith(b"application/x-www-form")
        params = params_of(query, body, form or (bool(body) and method != "GET"))
        client = scope.get("client") or ("?", 0)
        try:
            usage = self._charge(route, params, str(client[0]))
        except BinanceError as err:
            return _error(err)
        try:
            self._authenticate(route, scope, headers, query, body, params)
            payload = route.handler(Call(self.api, self._listen_keys(), self.rt.faults, method,
                                         path, params))
        except BinanceError as err:
            return _error(err, usage.headers)
        return 200, _dumps(payload), [JSON, *usage.headers]

    def _listen_keys(self) -> Any:
        return self.rt.binance_keys

    def _charge(self, route: Route, params: dict[str, str], ip: str) -> Any:
        limits = self.rt.binance_limits
        assert limits is not None
        return limits.charge(ip, self.keys.api_key, route.weight(params), route.orders(params))

    def _authenticate(self, route: Route, scope: dict[str, Any], headers: dict[bytes, bytes],
                      query: bytes, body: bytes, params: dict[str, str]) -> None:
        if route.security == "public":
            if "signature" in params:
                self.rt.record_violation({
                    "ts": self.rt.core.now_ms(), "method": scope["method"],
                    "path": scope["path"], "query": query.decode("latin-1"),
                    "headers": sorted(k.decode("latin-1") for k in headers
                                      if k.startswith(b"x-mbx-"))})
            return
        if route.security == "key":
            check_key(headers, self.keys)
            return
        verify_signed(headers, query, body, params, self.keys, self.rt.core.now_ms(),
                      check_time=self.rt.settings.auth_window_ms is not None)

    def _pick_faults(self, subject: str, method: str) -> tuple[Fault | None, Fault | None]:
        for kind in EARLY_OR_LATE:
            fault = self.rt.faults.take(kind, subject, method)
            if fault is None:
                continue
            processed = fault.params.get("processed", False)
            return (None, fault) if processed else (fault, None)
        return None, self.rt.faults.take("drop_after_accept", subject, method)

    def _fault_response(self, fault: Fault, processed: Response | None,
                        scope: dict[str, Any]) -> Response:
        status = int(str(fault.params.get("status", 500)))
        if fault.kind == "http_5xx":
            return status, _dumps(BinanceError(-1000).body()), [JSON]
        if fault.kind == "busy":
            return 503, _dumps({"code": -1008, "msg": "Server is currently overloaded with "
                                "other requests. Please try again in a few minutes."}), [JSON]
        if fault.kind == "send_status_unknown":
            return _error(BinanceError(-1007))
        if fault.kind == "unknown_error":
            return 503, _dumps({"code": -1000, "msg": "Unknown error, please check your "
                                "request or try again later."}), [JSON]
        if fault.kind == "rate_limit":
            return self._limited(status, scope)
        return _malformed(fault, processed)

    def _limited(self, status: int, scope: dict[str, Any]) -> Response:
        limits = self.rt.binance_limits
        client = scope.get("client") or ("?", 0)
        if limits is not None:
            limits.strike(str(client[0]))
        if status == 418:
            now = time.time()
            return _error(banned(now + 120, now))
        return _error(BinanceError(-1003, 2400, http_status=429, retry_after=60))

    def _journal(self, scope: dict[str, Any], headers: dict[bytes, bytes], body: bytes,
                 received_ms: int, response: Response, note: str) -> None:
        status, payload, _ = response
        self.rt.record_request((received_ms, scope["method"], scope["path"],
                                scope["query_string"], tuple(headers), None, None,
                                body[:4000], status,
                                payload[:4000], note))


def _malformed(fault: Fault, processed: Response | None) -> Response:
    status = int(str(fault.params["status"]))
    kind = fault.params["body"]
    if kind == "html":
        page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad " \
               b"Gateway</h1></body></html>"
        return status, page, [(b"content-type", b"text/html")]
    if kind == "empty":
        return status, b"", [JSON]
    whole = processed[1] if processed else b'{"orderId":1,"symbol":"BTCUSDC","status":"NEW"}'
    return status, whole[: max(1, len(whole) // 2)], [JSON]
