"""httpx's stack for a plain-http REST URL (the loopback simulator) loads no CA bundle, and so
verifies nothing: a TLS connection through it is refused, never made unchecked."""

import asyncio
import ssl
from pathlib import Path

import httpx
import pytest

from adapters.common.http import http_transport
from tests.simulator.tls import write_self_signed


async def tls_server(certfile: str, keyfile: str) -> tuple[asyncio.Server, int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    return server, server.sockets[0].getsockname()[1]


async def fetch(transport: httpx.AsyncBaseTransport, url: str) -> int:
    async with httpx.AsyncClient(transport=transport) as client:
        return (await client.get(url)).status_code


def test_the_plain_http_transport_refuses_tls_that_a_trusting_one_accepts(
        tmp_path: Path) -> None:
    certfile, keyfile = write_self_signed(tmp_path)

    async def scenario() -> None:
        server, port = await tls_server(certfile, keyfile)
        url = f"https://127.0.0.1:{port}/api/v5/public/time"
        try:
            trusting = httpx.AsyncHTTPTransport(verify=ssl.create_default_context(
                cafile=certfile))
            assert await fetch(trusting, url) == 200  # the server answers a verified client
            plain = http_transport("httpx", "http://127.0.0.1:1")
            context = plain._pool._ssl_context  # type: ignore[attr-defined]  # httpcore's
            assert context.cert_store_stats()["x509_ca"] == 0  # no CA bundle loaded
            assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await fetch(plain, url)
            # an https venue's transport still checks against the system's CAs: the
            # self-signed certificate is refused there too
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await fetch(http_transport("httpx", "https://www.okx.com"), url)
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(scenario())
