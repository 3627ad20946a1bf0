"""A loopback HTTP proxy in front of the simulator that can spoil chosen answers.

The simulator's own faults cover HTML, truncated and empty bodies; answers with the wrong
types, missing fields, a huge body or bytes that are not UTF-8 need something in between.
Requests are forwarded unchanged (signatures stay valid) unless a tamper rule matches the path;
a matching request is answered by the proxy and never reaches the exchange. A held path keeps
its next request at the proxy until the test releases it: the engine is then known to be inside
that call (a fixed point in its sequence, not a guess by time) while the test changes the
exchange.
"""

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs
import httpx

HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}


@attrs.frozen
class Spoiled:
    status: int
    body: bytes
    content_type: str = "application/json"


@attrs.define
class Hold:
    """One request of a path kept at the proxy: `arrived` is set when it is there, and it goes
    on to the exchange when the test calls release() (or after limit_s, so a failed test
    cannot hang the engine forever)."""

    method: str | None = None  # None: any
    after: bool = False  # True: the exchange runs the call first, only its answer is held
    limit_s: float = 60.0
    arrived: threading.Event = attrs.field(factory=threading.Event)
    released: threading.Event = attrs.field(factory=threading.Event)

    def release(self) -> None:
        self.released.set()


def _bare(path: str) -> str:
    return path.split("?", 1)[0].removeprefix("/api/v5/")


@attrs.define
class Tamper:
    """path suffix (after /api/v5/) -> the answer to give instead of the exchange's."""

    rules: dict[str, Spoiled] = attrs.field(factory=dict)
    holds: dict[str, Hold] = attrs.field(factory=dict)
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def match(self, path: str) -> Spoiled | None:
        return self.rules.get(_bare(path))

    def hold(self, path: str, method: str | None = None, after: bool = False) -> Hold:
        """Hold the next request to path (after /api/v5/), or with after=True its answer
        once the exchange has run it; later ones pass."""
        held = Hold(method, after)
        with self.lock:
            self.holds[path] = held
        return held

    def take_hold(self, method: str, path: str) -> Hold | None:
        with self.lock:
            held = self.holds.get(_bare(path))
            if held is None or held.method not in (None, method):
                return None
            return self.holds.pop(_bare(path))

    def clear(self) -> None:
        self.rules.clear()
        with self.lock:
            for held in self.holds.values():
                held.release()
            self.holds.clear()


def _handler(upstream: str, tamper: Tamper) -> type[BaseHTTPRequestHandler]:
    # a fresh upstream connection per request: a pooled one idle past uvicorn's keep-alive
    # (5 s, reached under load after the huge-body case) can be closed by the simulator just
    # as the proxy reuses it, and the engine would see a reset that no exchange sent
    client = httpx.Client(base_url=upstream, timeout=10, trust_env=False,
                          limits=httpx.Limits(max_keepalive_connections=0))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            spoiled = tamper.match(self.path)
            if spoiled is not None:
                self._answer(spoiled.status, spoiled.body,
                             {"content-type": spoiled.content_type})
                return
            held = tamper.take_hold(self.command, self.path)
            if held is not None and not held.after:
                held.arrived.set()
                held.released.wait(held.limit_s)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            reply = client.request(self.command, self.path, headers=headers, content=body)
            if held is not None and held.after:
                held.arrived.set()
                held.released.wait(held.limit_s)
            self._answer(reply.status_code, reply.content,
                         {"content-type": reply.headers.get("content-type", "")})

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                # the engine stops reading a body over its cap and closes: its choice, not an
                # error of the proxy (a traceback here would land in the CLI's captured stderr)
                self.close_connection = True

        do_GET = _serve
        do_POST = _serve

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up mid-answer is not a failure of the proxy; anything else is
        still printed."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def tamper_proxy(upstream: str) -> Iterator[tuple[str, Tamper]]:
    """(base URL of the proxy, its rules); rules can change while it runs."""
    tamper = Tamper()
    server = _QuietServer(("127.0.0.1", 0), _handler(upstream, tamper))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tamper
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
