"""The REST gateway: a raw ASGI app for /api/v5/* (thin and fast), with faults around it.

Order of work per request: read body; note public calls carrying OK-ACCESS-* headers; apply
latency; fail early for unprocessed faults; route; rate-limit; authenticate; parse; call the
handler; then the faults that act after processing (lost response, replaced body).
"""

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from simulator.core.errors import ApiError
from simulator.faults import Fault
from simulator.runtime import SimRuntime
from simulator.wire import envelope
from simulator.wire.auth import verify_rest
from simulator.wire.ratelimit import ORDER_COUNTED
from simulator.wire.routes import PATHS, PRIVATE, PUBLIC, Req
from simulator.wire.transport import drop, read_body

PREFIX = "/api/v5/"
JSON = [(b"content-type", b"application/json")]
Response = tuple[int, bytes, list[tuple[bytes, bytes]]]


def _json(status: int, payload: object) -> Response:
    return status, envelope.dumps(payload), JSON


def _api_error(err: ApiError) -> Response:
    return _json(err.http_status, envelope.error(err))


class RestGateway:
    def __init__(self, runtime: SimRuntime) -> None:
        self.rt = runtime

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path: str = scope["path"][len(PREFIX):]
        method: str = scope["method"]
        headers = dict(scope["headers"])
        body = await read_body(receive)
        if path.startswith(("public/", "market/")):
            self._check_public(scope, headers)
        received_ms = self.rt.core.now_ms()
        in_time_us = time.time_ns() // 1000
        faults = self.rt.faults
        latency = faults.take("latency", path, method)
        if latency is not None:
            await asyncio.sleep(int(str(latency.params["ms"])) / 1000)
        early, late = self._pick_faults(path, method)
        if early is not None:
            response = _fault_response(early, None)
        else:
            response = self._handle(scope, path, method, headers, body, received_ms,
                                    in_time_us)
            if late is not None and late.kind == "drop_after_accept":
                self._journal(scope, headers, body, received_ms, response, "dropped")
                await drop(late, receive, send)
                return
            if late is not None:
                response = _fault_response(late, response)
        self._journal(scope, headers, body, received_ms, response, "")
        status, payload, extra = response
        await send({"type": "http.response.start", "status": status,
                    "headers": [*extra, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    def _handle(self, scope: dict[str, Any], path: str, method: str,
                headers: dict[bytes, bytes], body: bytes, received_ms: int,
                in_time_us: int) -> Response:
        handler = PUBLIC.get((method, path)) or PRIVATE.get((method, path))
        if handler is None:
            if path in PATHS:
                return _api_error(ApiError("50115"))
            return _json(404, envelope.gateway(404, "Not Found"))
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        try:
            if (method, path) in PRIVATE:
                self._authenticate(scope, method, headers, body)
            parsed = _parse_body(method, headers, body)
            exp_time = _exp_time(headers)
            self._rate_limit(scope, method, path, query, parsed)
            req = Req(method, path, dict(query.items()), parsed, exp_time,
                      exp_time is not None and received_ms > exp_time, in_time_us)
            return _json(200, handler(self.rt, req))
        except ApiError as err:
            return _api_error(err)

    def _authenticate(self, scope: dict[str, Any], method: str, headers: dict[bytes, bytes],
                      body: bytes) -> None:
        request_path = scope.get("raw_path") or scope["path"].encode()
        if scope["query_string"]:
            request_path += b"?" + scope["query_string"]
        verify_rest(headers, method, request_path, body, self.rt.credentials,
                    self.rt.core.now_ms(), self.rt.demo, self.rt.settings.auth_window_ms)

    def _rate_limit(self, scope: dict[str, Any], method: str, path: str,
                    query: dict[str, str], parsed: object) -> None:
        if not self.rt.limiter.enabled:
            return
        items = parsed if isinstance(parsed, list) else [parsed or query]
        inst_ids = [str(i.get("instId", "")) for i in items if isinstance(i, dict)]
        client = scope.get("client") or ("?", 0)
        who = self.rt.credentials.api_key if (method, path) in PRIVATE else str(client[0])
        if not self.rt.limiter.allow(method, path, who, inst_ids, query.get("instType", "")):
            # a request-count limit is the gateway's HTTP 429; the per-order count of the
            # batch endpoints is OKX's documented HTTP 200 form with the full envelope
            raise ApiError("50011", http_status=200 if path in ORDER_COUNTED else 429)

    def _check_public(self, scope: dict[str, Any], headers: dict[bytes, bytes]) -> None:
        signed = sorted(k.decode("latin-1") for k in headers if k.startswith(b"ok-access-"))
        if signed:
            self.rt.record_violation({
                "ts": self.rt.core.now_ms(), "method": scope["method"], "path": scope["path"],
                "query": scope["query_string"].decode("latin-1"), "headers": signed})

    def _pick_faults(self, path: str, method: str) -> tuple[Fault | None, Fault | None]:
        """(fault answered instead of the call, fault applied after the call ran)."""
        for kind in ("http_5xx", "busy", "rate_limit", "malformed", "send_status_unknown",
                     "unknown_error"):
            fault = self.rt.faults.take(kind, path, method)
            if fault is None:
                continue
            if fault.params.get("processed"):
                return None, fault
            return fault, None
        return None, self.rt.faults.take("drop_after_accept", path, method)

    def _journal(self, scope: dict[str, Any], headers: dict[bytes, bytes], body: bytes,
                 received_ms: int, response: Response, note: str) -> None:
        status, payload, _ = response
        # raw now, decoded when read: the journal must cost the hot path next to nothing
        self.rt.record_request((received_ms, scope["method"], scope["path"],
                                scope["query_string"], tuple(headers), headers.get(b"exptime"),
                                headers.get(b"x-simulated-trading"), body[:4000], status,
                                payload[:4000], note))


def _parse_body(method: str, headers: dict[bytes, bytes], body: bytes) -> object:
    if method != "POST":
        return None
    if not headers.get(b"content-type", b"").lower().startswith(b"application/json"):
        raise ApiError("50006")
    if not body.strip():
        raise ApiError("50000")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError("50002") from None


def _exp_time(headers: dict[bytes, bytes]) -> int | None:
    raw = headers.get(b"exptime")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise ApiError("50036")
    return int(raw)


def _fault_response(fault: Fault, processed: Response | None) -> Response:
    if fault.kind == "http_5xx":
        status = int(str(fault.params["status"]))
        return _json(status, envelope.gateway(status, "Internal Server Error"))
    if fault.kind == "busy":
        return _api_error(ApiError("50001"))
    if fault.kind == "send_status_unknown":
        return _api_error(ApiError("50004"))
    if fault.kind == "unknown_error":
        return _api_error(ApiError("50026"))
    if fault.kind == "rate_limit":
        return _api_error(ApiError("50011", http_status=int(str(fault.params["status"]))))
    status = int(str(fault.params["status"]))
    kind = fault.params["body"]
    if kind == "html":
        page = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad " \
               b"Gateway</h1></center><hr><center>cloudflare</center></body></html>"
        return status, page, [(b"content-type", b"text/html")]
    if kind == "empty":
        return status, b"", JSON
    whole = processed[1] if processed else b'{"code":"0","msg":"","data":[{"ordId":"1"}]}'
    return status, whole[: max(1, len(whole) // 2)], JSON
