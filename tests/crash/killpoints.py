"""Kill points inside a forked engine process: SIGKILL itself at the Nth write of one kind.

Installed in the child only (never in the engine's code): the three kinds are the places a
crash can hurt most. "evidence" is an append to an evidence file (the raw log's shards and the
append-only seed documents); "state" is a state flush (the atomic replace of state.json) or an
event-log append; "order" is a trade request (POST /api/v5/trade/...). Modes say where in the
write the process dies:

- evidence: before the write, after a prefix of it (a torn line), after it;
- state: before the flush, after the temp file is written but before the rename, after it;
  for an event append: before, torn, after;
- order: before the request leaves, after the exchange answered but before the engine saw it.
"""

import json
import os
import signal
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx

from adapters.common.aio_transport import AiohttpTransport
from adapters.evidence.group_commit import AppendFile
from adapters.state import json_store

KINDS = ("evidence", "state", "order")
MODES = {"evidence": ("before", "torn", "after"), "state": ("before", "torn", "after"),
         "order": ("before", "after")}
TRADE_PREFIX = "/api/v5/trade/"


@attrs.frozen
class KillPlan:
    kind: str  # one of KINDS, or "none"
    n: int = 0  # die at the nth write of that kind (1-based)
    mode: str = "after"
    cut: float = 0.5  # torn writes keep this fraction of the bytes

    def as_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class Counter:
    plan: KillPlan
    counts: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(KINDS, 0))

    def hit(self, kind: str) -> bool:
        """Count one write of kind; True when this is the one to die at."""
        self.counts[kind] += 1
        return kind == self.plan.kind and self.counts[kind] == self.plan.n


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(plan: KillPlan) -> Counter:
    """Patch the write paths of this (forked) process; returns the live counter."""
    counter = Counter(plan)
    _patch_evidence(counter)
    _patch_state(counter)
    _patch_orders(counter)
    return counter


def _patch_evidence(counter: Counter) -> None:
    original = AppendFile.append

    def append(self: AppendFile, data: bytes) -> None:
        if counter.hit("evidence"):
            _die_during(counter.plan, lambda part: original(self, part), data)
        original(self, data)

    AppendFile.append = append  # type: ignore[method-assign]


def _patch_state(counter: Counter) -> None:
    names = vars(json_store)  # the store calls these through its module's globals
    flush = names["atomic_write_bytes"]
    append_line = names["append_event_line"]

    def atomic_write_bytes(path: Path, data: bytes, **kw: Any) -> None:
        if counter.hit("state"):
            if counter.plan.mode == "before":
                die()
            if counter.plan.mode == "torn":  # the temp file exists, the rename never happens
                fd, _ = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
                os.write(fd, data[: max(1, int(len(data) * counter.plan.cut))])
                die()
            flush(path, data, **kw)
            die()
        flush(path, data, **kw)

    def append_event_line(path: Path, line: bytes) -> None:
        if counter.hit("state"):
            _die_during(counter.plan, lambda part: append_line(path, part), line)
        append_line(path, line)

    names["atomic_write_bytes"] = atomic_write_bytes
    names["append_event_line"] = append_event_line


def _patch_orders(counter: Counter) -> None:
    # both seams a trade request can leave by: httpx.AsyncClient.send (the Binance venue) and
    # the transport the OKX venue sends on directly (adapters.common.http.send)
    def wrap(send: Any) -> Any:
        async def send_or_die(self: Any, request: httpx.Request, **kw: Any) -> httpx.Response:
            trade = request.method == "POST" and request.url.path.startswith(TRADE_PREFIX)
            chosen = trade and counter.hit("order")
            if chosen and counter.plan.mode == "before":
                die()
            response: httpx.Response = await send(self, request, **kw)
            if chosen:
                await response.aread()  # the exchange has answered; the engine never learns it
                die()
            return response
        return send_or_die

    httpx.AsyncClient.send = wrap(httpx.AsyncClient.send)  # type: ignore[method-assign]
    for transport in (AiohttpTransport, httpx.AsyncHTTPTransport):
        transport.handle_async_request = wrap(  # type: ignore[method-assign]
            transport.handle_async_request)

    # and the aiohttp transport's own seam, which adapters.common.http.deliver uses
    fetch = AiohttpTransport.fetch

    async def fetch_or_die(self: AiohttpTransport, method: str, url: str, *args: Any,
                           **kw: Any) -> tuple[int, Any, bytes | None]:
        trade = method == "POST" and urlsplit(url).path.startswith(TRADE_PREFIX)
        chosen = trade and counter.hit("order")
        if chosen and counter.plan.mode == "before":
            die()
        answer = await fetch(self, method, url, *args, **kw)
        if chosen:
            die()  # the exchange has answered (the body is read); the engine never learns it
        return answer

    AiohttpTransport.fetch = fetch_or_die  # type: ignore[method-assign]


def _die_during(plan: KillPlan, write: Any, data: bytes) -> None:
    if plan.mode == "torn":
        write(data[: max(1, int(len(data) * plan.cut))])
    elif plan.mode == "after":
        write(data)
    die()


def report(counter: Counter, fd: int) -> None:
    """Tell the fork server how many writes of each kind this child made."""
    os.write(fd, json.dumps(counter.counts).encode())
