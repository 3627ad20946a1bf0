"""The aiohttp-backed httpx transport and the prepared-URL helper the REST adapters send with.

A tiny asyncio server plays the exchange so each failure (refused, dropped after the request,
silent) can be produced exactly; both ways onto the transport, send() with an httpx.Request and
deliver() with an Outgoing (the adapters' hot path), must turn each into the failure the venues
judge by.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.common.aio_transport import AiohttpTransport
from adapters.common.http import MAX_BODY, Outgoing, Reply, deliver, origin_of, send, url_on

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head, await reader.readexactly(length)


class Server:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[tuple[bytes, bytes]] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handler, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()


def outgoing(url: str, method: str = "GET", body: bytes | None = None,
             read_s: float = 5.0) -> Outgoing:
    base = httpx.URL(url)
    host = base.netloc.decode("ascii")
    headers = {"Host": host}
    if body:
        headers |= {"OK-ACCESS-KEY": "k1", "Content-Type": "application/json",
                    "Content-Length": str(len(body))}
    return Outgoing(method, base, origin_of(base), base.raw_path.decode("ascii"), headers,
                    body or b"", httpx.Timeout(read_s, connect=2.0).as_dict())


PATHS = ["send", "deliver"]


async def exchange(path: str, transport: AiohttpTransport, url: str, method: str = "GET",
                   body: bytes | None = None, read_s: float = 5.0) -> Reply:
    """One request by either path onto the transport."""
    out = outgoing(url, method, body, read_s)
    return await (send(transport, out.to_httpx()) if path == "send" else deliver(transport, out))


def with_transport(test: Callable[[AiohttpTransport], Awaitable[None]]) -> None:
    async def run() -> None:
        made = AiohttpTransport()
        try:
            await test(made)
        finally:
            await made.aclose()
    asyncio.run(run())


@pytest.mark.parametrize("path", PATHS)
def test_a_post_goes_out_with_exactly_the_built_headers_and_body(path: str) -> None:
    async def test(transport: AiohttpTransport) -> None:
        seen: list[tuple[bytes, bytes]] = []

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                try:
                    seen.append(await read_request(reader))
                except asyncio.IncompleteReadError:
                    return
                body = b'{"code":"0","data":[{"ordId":"7"}]}'
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Seen: yes\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()

        async with Server(answer) as url:
            for n in range(2):
                reply = await exchange(path, transport, f"{url}/api/v5/trade/order?x={n}",
                                       "POST", b'{"sz":"1"}')
                assert reply.failure is None
                assert reply.http_status == 200
                assert reply.payload == {"code": "0", "data": [{"ordId": "7"}]}
                assert reply.header("x-seen") == "yes"
        assert len(seen) == 2
        head, body = seen[1]
        assert head.startswith(b"POST /api/v5/trade/order?x=1 HTTP/1.1\r\n")
        assert b"OK-ACCESS-KEY: k1\r\n" in head
        assert b"accept" not in head.lower() and b"user-agent" not in head.lower()
        assert body == b'{"sz":"1"}'

    with_transport(test)


@pytest.mark.parametrize("path", PATHS)
def test_a_refused_connection_is_a_connect_error(path: str) -> None:
    async def test(transport: AiohttpTransport) -> None:
        async def nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()

        async with Server(nothing) as url:
            pass  # closed again: the port now refuses
        reply = await exchange(path, transport, f"{url}/api/v5/public/time")
        assert reply.failure == "transport:ConnectError"
        assert (reply.http_status, reply.payload, reply.text) == (None, None, "")

    with_transport(test)


@pytest.mark.parametrize("path", PATHS)
def test_a_connection_dropped_after_the_request_is_not_a_connect_error(path: str) -> None:
    async def test(transport: AiohttpTransport) -> None:
        async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.close()

        async with Server(drop) as url:
            reply = await exchange(path, transport, f"{url}/api/v5/trade/order", "POST", b"{}")
        # the request reached the server: a write must be judged unknown, never "not sent"
        assert reply.failure is not None and "Connect" not in reply.failure
        assert reply.failure.startswith("transport:")

    with_transport(test)


@pytest.mark.parametrize("path", PATHS)
def test_a_silent_server_is_a_timeout(path: str) -> None:
    async def test(transport: AiohttpTransport) -> None:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            await asyncio.sleep(5)

        async with Server(silent) as url:
            reply = await exchange(path, transport, f"{url}/api/v5/trade/order", read_s=0.2)
        assert reply.failure == "timeout"
        assert (reply.http_status, reply.payload, reply.text) == (None, None, "")

    with_transport(test)


@pytest.mark.parametrize("path", PATHS)
def test_an_answer_past_the_size_cap_is_not_read(path: str) -> None:
    async def test(transport: AiohttpTransport) -> None:
        async def huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 2))
            chunk = b"x" * 65536
            with contextlib.suppress(ConnectionError):
                for _ in range(MAX_BODY // len(chunk) + 1):
                    writer.write(chunk)
                    await writer.drain()
            writer.close()

        async with Server(huge) as url:
            reply = await exchange(path, transport, f"{url}/api/v5/public/instruments")
        assert reply.http_status == 200 and reply.payload is None
        assert reply.text.startswith("<body larger than")
        assert reply.header("content-length") == str(MAX_BODY + 2)

    with_transport(test)


class NoHttpxObjects(AiohttpTransport):
    """The aiohttp transport with its httpx.Request door shut."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError("deliver() built an httpx.Request for the aiohttp transport")


def test_deliver_on_the_aiohttp_transport_builds_no_httpx_request() -> None:
    async def run() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            body = b'{"code":"0"}'
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()

        transport = NoHttpxObjects()
        try:
            async with Server(answer) as url:
                reply = await deliver(transport, outgoing(f"{url}/api/v5/public/time"))
        finally:
            await transport.aclose()
        assert (reply.failure, reply.http_status, reply.payload) == (None, 200, {"code": "0"})

    asyncio.run(run())


def test_deliver_gives_any_other_transport_the_request_it_describes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": "0"}, headers={"X-Seen": "yes"})

    out = outgoing("http://127.0.0.1:9/api/v5/trade/order?instId=X", "POST", b'{"sz":"1"}')
    reply = asyncio.run(deliver(httpx.MockTransport(handler), out))
    assert (reply.http_status, reply.payload, reply.header("x-seen")) == (200, {"code": "0"},
                                                                          "yes")
    assert str(seen[0].url) == "http://127.0.0.1:9/api/v5/trade/order?instId=X"
    assert seen[0].content == b'{"sz":"1"}' and seen[0].headers["ok-access-key"] == "k1"


def test_the_evidence_headers_are_named_as_httpx_names_them_with_secrets_redacted() -> None:
    out = outgoing("http://127.0.0.1:1/api/v5/trade/order", "POST", b"{}")
    shown = out.headers_doc(frozenset({"ok-access-key"}))
    assert shown == {k: v for k, v in out.to_httpx().headers.items()} | {
        "ok-access-key": "[redacted]"}
    assert list(shown) == ["host", "ok-access-key", "content-type", "content-length"]


SAFE = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), max_size=12)


@given(segments=st.lists(st.text("abcxyz09_-~", min_size=1, max_size=8), min_size=1,
                         max_size=4),
       query=st.dictionaries(SAFE.filter(bool), SAFE, max_size=4),
       prefix=st.sampled_from(["", "/gw"]))
def test_url_on_equals_httpx_copy_with(segments: list[str], query: dict[str, str],
                                       prefix: str) -> None:
    base = httpx.URL(f"https://ex.example:8443{prefix}")
    path = prefix + "/" + "/".join(segments)
    target = f"{path}?{urlencode(query, safe=',')}" if query else path
    ours = url_on(base, target)
    theirs = base.copy_with(raw_path=target.encode("ascii"))
    assert ours == theirs
    assert ours.raw_path == theirs.raw_path == target.encode("ascii")
    assert str(ours) == str(theirs)
    assert httpx.Request("GET", ours).url == theirs


@pytest.mark.parametrize("framing", ["whole", "chunked", "slow"])
def test_fetch_reads_the_body_in_every_framing_and_caps_it(framing: str) -> None:
    """A small answer arrives with its headers (taken at once), a chunked one and one that
    comes later are read on: the same bytes each way, and the cap holds each way."""
    body = b'{"code":"0","data":[{"ordId":"12345678901234567890"}]}'

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            if framing == "chunked":
                half = len(body) // 2
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"%x\r\n%s\r\n" % (half, body[:half]))
                await writer.drain()
                await asyncio.sleep(0.01)
                writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body) - half, body[half:]))
            elif framing == "slow":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
                await writer.drain()
                await asyncio.sleep(0.01)
                writer.write(body)
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
            await writer.drain()

    async def test(transport: AiohttpTransport) -> None:
        async with Server(answer) as url:
            got = [await transport.fetch("GET", f"{url}/api/v5/trade/order", {}, b"",
                                         {"connect": 2.0, "read": 5.0, "pool": None}, cap)
                   for cap in (len(body), len(body) - 1)]
        assert [(status, content) for status, _, content in got] == [(200, body), (200, None)]

    with_transport(test)
