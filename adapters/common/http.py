"""One HTTP exchange as the adapters see it: send on a keep-alive httpx client or transport, read
the body with a size cap, parse JSON, and describe the answer for the evidence record.

The venues describe a request as an Outgoing and deliver() it: on the aiohttp transport straight
through AiohttpTransport.fetch, with no httpx.Request or httpx.Response built (≈ a tenth of a
call's CPU, BENCHMARKS.md); on any other httpx transport (httpx's own stack, the replay, test
doubles) as the httpx.Request it describes.

Nothing here judges the answer: each venue's errors.py maps a Reply to its outcomes.
"""

import json
import re
import ssl
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import attrs
import httpx
import orjson

# aiohttp is imported by the first AiohttpTransport built (http_transport): a command on httpx's
# stack never loads it (~0.1 s of a one-shot command's start, issue 14 P3)
AIO_MODULE = "adapters.common.aio_transport"

# An exchange's largest answers (every instrument, 1,500 klines) are well under 1 MiB
MAX_BODY = 16 * 1024 * 1024
# how much of a non-JSON body the evidence keeps
MAX_TEXT = 2000
REDACTED = "[redacted]"


@attrs.frozen
class Reply:
    """What came back for one HTTP request; failure is set when nothing did."""

    http_status: int | None
    payload: Any
    text: str
    failure: str | None = None
    # case-insensitive either way: httpx.Headers, or aiohttp's CIMultiDictProxy from deliver()
    headers: Mapping[str, str] | None = None

    def header(self, name: str) -> str | None:
        return None if self.headers is None else self.headers.get(name)


def url_on(base: httpx.URL, target: str) -> httpx.URL:
    """base with its path and query replaced by target ("/path?query", already percent-encoded
    by the caller, the exact bytes that were signed).

    httpx.URL.copy_with re-validates every character (~30 µs a URL, an eighth of what the
    engine adds to an order call); the parsed form is a NamedTuple, so the parts are swapped in
    directly. A test holds this equal to copy_with's answer, so an httpx upgrade that changes
    the internals fails there, not at the exchange.
    """
    path, _, query = target.partition("?")
    parsed = getattr(base, "_uri_reference", None)
    # dot segments are normalized by httpx; the exchanges' paths never have them
    if parsed is None or not hasattr(parsed, "_replace") or "/." in path:
        return base.copy_with(raw_path=target.encode("ascii"))
    url = httpx.URL.__new__(httpx.URL)
    url._uri_reference = parsed._replace(path=path, query=query if "?" in target else None)
    return url


@attrs.frozen
class Outgoing:
    """A request built in full by a venue: base is the venue's parsed REST URL, origin its
    scheme://host[:port] as text, target the path and query to put on it (percent-encoded: the
    exact bytes that were signed)."""

    method: str
    base: httpx.URL
    origin: str
    target: str
    headers: dict[str, str]
    body: bytes
    timeout: dict[str, float | None]

    def to_httpx(self) -> httpx.Request:
        # Host and Content-Length are the venue's to set: httpx's `content=` path re-derives
        # and merges default headers, twice the cost of the rest
        request = httpx.Request(self.method, url_on(self.base, self.target),
                                headers=self.headers, stream=httpx.ByteStream(self.body),
                                extensions={"timeout": self.timeout})
        request.read()  # the body is in memory: request.content is there for every transport
        return request

    def headers_doc(self, secret: frozenset[str]) -> dict[str, str]:
        """The headers for the evidence record, named in lower case (as httpx names them),
        with the values of the lower-case names in secret redacted."""
        shown = {}
        for name, value in self.headers.items():
            low = name.lower()
            shown[low] = REDACTED if low in secret else value
        return shown


# value types orjson writes as json.dumps does (ints past 64 bits make orjson raise: json.dumps)
_FLAT = frozenset({str, bool, int, type(None)})


def json_body(body: Any) -> bytes:
    """json.dumps(body, separators=(",", ":")) as UTF-8: the exact bytes signed and sent.

    A flat object of strings, booleans, integers and nulls (every order, cancel and amend body)
    is written by orjson (≈ 4x faster) when that gives the same bytes: the text is ASCII with
    no backslash and no DEL, so every string was printable ASCII, which json.dumps writes as
    itself too (it escapes non-ASCII, control characters and DEL; orjson writes the first and
    last raw). Any other body (floats, whose form differs, lists, subclasses) goes to
    json.dumps. A hypothesis test holds the two equal."""
    if type(body) is dict:
        for value in body.values():
            if type(value) not in _FLAT:
                break
        else:
            try:
                data = orjson.dumps(body)
            except TypeError:  # a key that is not text, an integer past 64 bits
                data = b"\\"
            if data.isascii() and b"\\" not in data and b"\x7f" not in data:
                return data
    return json.dumps(body, separators=(",", ":")).encode()


def query_string(params: Mapping[str, str]) -> str:
    """urlencode(params, safe=","): the exact text signed and sent. Names and values made only
    of characters urlencode leaves as they are (ids, symbols, numbers) are joined directly."""
    try:
        plain = _UNQUOTED.fullmatch("".join(params) + "".join(params.values())) is not None
    except TypeError:  # a value that is not text: urlencode's str() of it
        plain = False
    if plain:
        return "&".join(f"{name}={value}" for name, value in params.items())
    return urlencode(dict(params), safe=",")


# what quote_plus(safe=",") keeps: letters, digits, _.-~ and the comma
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~,-]*")


def origin_of(base: httpx.URL) -> str:
    """scheme://host[:port] of a parsed base URL, as text."""
    return f"{base.scheme}://{base.netloc.decode('ascii')}"


async def deliver(via: httpx.AsyncClient | httpx.AsyncBaseTransport, out: Outgoing) -> Reply:
    """Send out once, as send() does; on the aiohttp transport without httpx objects."""
    aio = sys.modules.get(AIO_MODULE)  # no AiohttpTransport exists before its module loads
    if aio is None or not isinstance(via, aio.AiohttpTransport):
        return await send(via, out.to_httpx())
    try:
        status, headers, content = await via.fetch(out.method, out.origin + out.target,
                                                   out.headers, out.body, out.timeout,
                                                   MAX_BODY)
    except httpx.TimeoutException:
        return Reply(None, None, "", "timeout")
    except httpx.HTTPError as exc:
        return Reply(None, None, "", f"transport:{type(exc).__name__}")
    return _reply(status, headers, content)


async def send(via: httpx.AsyncClient | httpx.AsyncBaseTransport,
               request: httpx.Request) -> Reply:
    """Send once; a transport failure or timeout becomes a Reply with failure set.

    Given a transport, the request goes to it directly: the client's layers (auth, redirects,
    cookies, hooks) do nothing for a fully built exchange request and cost ~20 % of a call."""
    try:
        if isinstance(via, httpx.AsyncClient):
            response = await via.send(request, stream=True)
        else:
            response = await via.handle_async_request(request)
        try:
            content = await _read_capped(response)
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        return Reply(None, None, "", "timeout")
    except httpx.HTTPError as exc:
        return Reply(None, None, "", f"transport:{type(exc).__name__}")
    return _reply(response.status_code, response.headers, content)


def _reply(status: int, headers: Mapping[str, str], content: bytes | None) -> Reply:
    if content is None:
        # an answer, but not one we read: a protocol error for a read, Unknown for a write
        return Reply(status, None, f"<body larger than {MAX_BODY} bytes>", headers=headers)
    try:
        payload = parse_json(content)
    except ValueError:
        return Reply(status, None, content.decode("utf-8", "replace"), headers=headers)
    return Reply(status, payload, "", headers=headers)


def parse_json(content: bytes) -> Any:
    """json.loads(content), read by orjson (≈ 4x faster) wherever that gives the same value.

    orjson refuses what json.loads takes beyond strict JSON (NaN, 1e400, lone surrogates,
    UTF-16, a BOM): those go to json.loads. It reads integers outside 64 bits as floats, where
    json.loads keeps them exact: a text with a number of 19 digits or more (OKX sends numbers
    as strings, but a venue may not) goes to json.loads too. Raises ValueError as json.loads."""
    if _no_long_number(content):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass
    return json.loads(content)


# every digit as 0, whitespace dropped: a number token of 19+ digits then shows as one of
# _LONG_NUMBERS (ids of 19 digits inside strings only cost the slower parser)
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG = b"0" * 19
_LONG_NUMBERS = (b":" + _LONG, b"," + _LONG, b"[" + _LONG, b"-" + _LONG)


def _no_long_number(content: bytes) -> bool:
    squeezed = content.translate(_ZEROS, b" \t\r\n")
    return not (squeezed.startswith(_LONG) or _LONG_NUMBERS[0] in squeezed
                or _LONG_NUMBERS[1] in squeezed or _LONG_NUMBERS[2] in squeezed
                or _LONG_NUMBERS[3] in squeezed)


async def _read_capped(response: httpx.Response) -> bytes | None:
    """The body, or None once it passes MAX_BODY (so a runaway answer cannot exhaust memory)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def response_doc(reply: Reply, elapsed_ms: float,
                 headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The response half of an evidence record (headers: the few worth keeping)."""
    if reply.failure is not None:
        return {"http_status": None, "error": reply.failure, "elapsed_ms": round(elapsed_ms, 3)}
    body = reply.payload if reply.payload is not None else reply.text[:MAX_TEXT]
    doc = {"http_status": reply.http_status, "body": body, "elapsed_ms": round(elapsed_ms, 3)}
    if headers:
        doc["headers"] = headers
    return doc


def http_transport(stack: str, base_url: str = "") -> httpx.AsyncBaseTransport:
    """The transport under every REST call: "aiohttp" (the default, see BENCHMARKS.md) or
    "httpx" (httpx's own httpcore stack).

    base_url is the venue's REST URL. On plain http (the loopback simulator) httpx's stack
    loads no CA bundle, ~35 ms of a one-shot command's start (issue 14 P3): its context holds
    no CA, so a TLS connection through it fails verification instead of going unchecked."""
    if stack == "httpx":
        verify: ssl.SSLContext | bool = True
        if base_url.startswith("http://"):
            verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return httpx.AsyncHTTPTransport(trust_env=False, verify=verify)
    from adapters.common.aio_transport import AiohttpTransport

    return AiohttpTransport()
