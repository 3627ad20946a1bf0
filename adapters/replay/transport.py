"""An httpx transport that answers from a recording and never opens a socket.

The venue's own adapter (OkxRest, BinanceRest) runs on top of it, so its signing, parsing,
judging and evidence code all run over the recorded answers: a change anywhere in the engine
that alters a call shows as a divergence, not only a change in the use-cases.
"""

import json
from typing import Any
from urllib.parse import parse_qsl

import httpx

from adapters.replay.clock import ReplayClock
from adapters.replay.keys import ListenKeyStandIns
from adapters.replay.matching import CallKey, Matcher, canonical_fields
from adapters.replay.recording import RecordedCall

FORM = "application/x-www-form-urlencoded"
LISTEN_KEY_PATH_END = "/listenKey"  # Binance's POST/PUT /fapi/v1/listenKey


def key_of_request(request: httpx.Request,
                   keys: ListenKeyStandIns | None = None) -> CallKey:
    fields: dict[str, Any] = dict(request.url.params)
    body: Any = None
    content = request.content
    if content:
        if request.headers.get("content-type", "").startswith(FORM):
            fields.update(parse_qsl(content.decode(), keep_blank_values=True))
        else:
            try:
                body = json.loads(content)
            except ValueError:
                body = content.decode("utf-8", "replace")
    if keys:  # a listen key the replay handed out is compared as its recorded fingerprint
        fields, body = keys.as_recorded(fields), keys.as_recorded(body)
    return CallKey(request.method.upper(), request.url.path, canonical_fields(fields), body)


def _failure(call: RecordedCall, request: httpx.Request) -> Exception:
    error = str(call.response.get("error"))
    if error == "timeout":
        return httpx.ReadTimeout("replayed: the recorded request timed out", request=request)
    name = error.removeprefix("transport:")
    kind = getattr(httpx, name, None)
    if not (isinstance(kind, type) and issubclass(kind, httpx.TransportError)):
        kind = httpx.TransportError
    return kind(f"replayed: the recorded request failed ({error})", request=request)


def _response(call: RecordedCall, keys: ListenKeyStandIns) -> httpx.Response:
    body = call.response.get("body")
    if call.path.endswith(LISTEN_KEY_PATH_END):
        body = keys.hand_out(body)
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    headers = call.response.get("headers")
    return httpx.Response(int(call.response["http_status"]), content=content,
                          headers=dict(headers) if isinstance(headers, dict) else None)


class ReplayTransport(httpx.AsyncBaseTransport):
    def __init__(self, matcher: Matcher, clock: ReplayClock,
                 keys: ListenKeyStandIns | None = None) -> None:
        self._matcher = matcher
        self._clock = clock
        self.keys = keys if keys is not None else ListenKeyStandIns()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        call = self._matcher.match(key_of_request(request, self.keys))
        self._clock.at_least(call.wall_ms, call.mono_s)
        self._clock.answered(call.wall_ms + call.elapsed_s * 1000, call.mono_s + call.elapsed_s)
        if call.response.get("http_status") is None:
            raise _failure(call, request)
        return _response(call, self.keys)
