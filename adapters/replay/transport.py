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
# the body as JSON again: the adapter parses it into the same values the recording holds
# (parsed from JSON, so without cycles: the circular-reference check is a third of the cost)
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False,
                           check_circular=False).encode
LISTEN_KEY_PATH_END = "/listenKey"  # Binance's POST/PUT /fapi/v1/listenKey


def _fields(text: str) -> dict[str, str]:
    """A query or form body as fields: plain pairs split directly, escaped ones decoded
    (parse_qsl costs several times more, and exchange fields are seldom escaped)."""
    if "%" in text or "+" in text:
        return dict(parse_qsl(text, keep_blank_values=True))
    found: dict[str, str] = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            found[name] = value
    return found


def key_of_request(request: httpx.Request,
                   keys: ListenKeyStandIns | None = None) -> CallKey:
    query = request.url.query
    fields: dict[str, Any] = _fields(query.decode("ascii")) if query else {}
    body: Any = None
    content = request.content
    if content:
        if request.headers.get("content-type", "").startswith(FORM):
            fields.update(_fields(content.decode()))
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
    content = body.encode() if isinstance(body, str) else _encode(body).encode()
    headers = call.response.get("headers")
    response = httpx.Response(int(call.response["http_status"]),
                              stream=httpx.ByteStream(content),
                              headers=headers if isinstance(headers, dict) else None)
    # already read, as Response(content=...) leaves it, without running the bytes through
    # httpx's decoder chain (ten times the cost of everything else here); should httpx stop
    # honouring it, the stream above still serves the same bytes
    response._content = content
    return response


class ReplayTransport(httpx.AsyncBaseTransport):
    def __init__(self, matcher: Matcher, clock: ReplayClock,
                 keys: ListenKeyStandIns | None = None) -> None:
        self._matcher = matcher
        self._clock = clock
        self.keys = keys if keys is not None else ListenKeyStandIns()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        call = self._matcher.match(key_of_request(request, self.keys))
        self._clock.at_least(call.wall_ms, call.mono_s)
        elapsed_s = call.elapsed_s
        self._clock.answered(call.wall_ms + elapsed_s * 1000, call.mono_s + elapsed_s)
        if call.response.get("http_status") is None:
            raise _failure(call, request)
        return _response(call, self.keys)
