"""An httpx transport that carries requests on one aiohttp session (keep-alive pool).

The adapters' requests reach it as httpx.Request objects (handle_async_request: any httpx
transport can stand in) or, on the hot path, as plain method, URL, headers and body (fetch, used
by adapters.common.http.deliver), which builds no httpx.Request or httpx.Response (issue 14 P1).
Measured on the simulator (BENCHMARKS.md, "Transport choice"), httpx's own stack
(AsyncClient.send -> httpcore -> h11 -> anyio) costs about twice aiohttp's per call, which is
most of what the engine adds to a round trip next to the exchange. The bridge is ours rather
than the httpx-aiohttp package because that package (0.2.0) turns every aiohttp connection
error, including a connection lost after the request went out, into httpx.ConnectTimeout, and
parses the URL afresh on every call.

Errors keep httpx's meaning: a failure to connect is httpx.ConnectError / ConnectTimeout
(nothing was sent), anything after that is httpx.ReadError / ReadTimeout / RemoteProtocolError
(the request may have reached the exchange: callers treat a write as unknown).
"""

import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import httpx
import yarl

CHUNK = 64 * 1024


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(CHUNK):
                yield chunk
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One lazily opened aiohttp.ClientSession (it must be made inside the running loop)."""

    def __init__(self, *, max_connections: int = 100, keepalive_s: float = 60.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._limit = max_connections
        self._keepalive_s = keepalive_s
        self._ssl: ssl.SSLContext | bool = ssl_context or True
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[Any, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        # the system resolver (getaddrinfo on the loop's executor), not aiodns when installed:
        # pycares leaves a thread running after the loop ends, and a process that forks
        # (the crash tests' fork server) must have none
        connector = aiohttp.TCPConnector(limit=self._limit, keepalive_timeout=self._keepalive_s,
                                         ssl=self._ssl,
                                         resolver=aiohttp.ThreadedResolver())
        # no cookies kept, no proxy from the environment, no automatic Accept-Encoding:
        # the adapters send exactly the headers they built (and recorded as evidence)
        self._session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False,
            skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"), auto_decompress=False)
        return self._session

    def _timeout(self, extension: dict[str, float | None]) -> aiohttp.ClientTimeout:
        key = (extension.get("connect"), extension.get("read"), extension.get("pool"))
        found = self._timeouts.get(key)
        if found is None:
            found = aiohttp.ClientTimeout(total=None, sock_connect=key[0], sock_read=key[1],
                                          connect=key[2])
            self._timeouts[key] = found
        return found

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._request(request.method, yarl.URL(str(request.url), encoded=True),
                                       [(k.decode("latin-1"), v.decode("latin-1"))
                                        for k, v in request.headers.raw],
                                       request.content, request.extensions.get("timeout", {}))
        return httpx.Response(response.status, headers=response.raw_headers,
                              stream=_Body(response), request=request)

    async def fetch(self, method: str, url: str, headers: Mapping[str, str], body: bytes,
                    timeout: dict[str, float | None],
                    max_body: int) -> tuple[int, Mapping[str, str], bytes | None]:
        """One exchange without httpx objects (adapters.common.http.deliver): the status, the
        headers (case-insensitive) and the body, None once it passes max_body. url is
        absolute and already percent-encoded (the exact bytes that were signed). Failures are
        raised as handle_async_request raises them."""
        response = await self._request(method, yarl.URL(url, encoded=True), headers, body,
                                       timeout)
        try:
            chunks: list[bytes] = []
            size = 0
            try:
                stream = response.content
                if stream.is_eof():
                    # a small answer arrives with its headers: all of it is in memory already,
                    # taken without the async iteration (issue 14 P1)
                    whole = stream.read_nowait()
                    return response.status, response.headers, \
                        whole if len(whole) <= max_body else None
                async for chunk in stream.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > max_body:
                        return response.status, response.headers, None
                    chunks.append(chunk)
            except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
                raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
            except aiohttp.ClientError as exc:
                raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
        finally:
            response.release()
        return response.status, response.headers, b"".join(chunks)

    async def _request(self, method: str, url: yarl.URL,
                       headers: Mapping[str, str] | list[tuple[str, str]], body: bytes,
                       timeout: dict[str, float | None]) -> aiohttp.ClientResponse:
        session = self._session or self._open()
        try:
            return await session.request(method, url, headers=headers, data=body or None,
                                         allow_redirects=False, timeout=self._timeout(timeout))
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out") from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
        except aiohttp.ClientError as exc:
            # the request may have been written before the connection failed
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
