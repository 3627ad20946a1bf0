"""Benchmark the OKX adapter's order lifecycle against ccxt and python-okx on the simulator.

Run from the project root:
    .venv/bin/python -m bench.okx_adapter [--rounds 500] [--warmup 50] [--transports default,httpx]

One lifecycle = place a post-only limit order far from the market, GET it, cancel it, GET it.
Rounds of each client are interleaved so drift hits them alike. Clients:
  raw-socket    a blocking socket writing hand-signed HTTP/1.1 (the server + loopback floor);
  ccxt-raw      ccxt.async_support.okx, rate limiter off, its implicit endpoint methods;
  ccxt          the same client through its unified API (create/fetch/cancel/fetch order);
  python-okx    python-okx's TradeAPI (blocking httpx.Client, HTTP/2 off on plain http);
  bare-httpx    one httpx.AsyncClient, requests signed by hand, no checks, no evidence;
  adapter       ExchangeAdapter (pacing off, an in-memory evidence sink that only counts);
  adapter+file  the same with FileEvidenceSink (evidence on: the figure the target is about),
                one row per --transports entry;
  adapter-ws+file  orders over the private WS (bench/okx_ws_lifecycle.py): place, the
                `orders` push showing it live, cancel, the push showing it canceled.
Paired ratio = median over rounds of ours / theirs within the same round.
The simulator (uvicorn + httptools, rate limits off) runs in a child process.
"""

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import socket
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import attrs
import httpx

from adapters.clock import SystemClock
from adapters.okx import OkxConfig, OkxCredentials
from adapters.okx.rest import http_transport
from adapters.okx.signing import rest_headers, rest_timestamp
from bench import okx_contenders as contenders
from bench.okx_ws_lifecycle import ws_lifecycle
from domain.evidence import EvidenceRef
from domain.orders import Side
from entrypoints.container import okx_venue
from ports.evidence import ExchangeCallRecord, JsonValue, PackageManifest, SeedDocument
from ports.exchange import ExchangeAdapter
from simulator.embedded import EmbeddedSimulator

BTC = "BTC-USDT-SWAP"
CREDS = OkxCredentials(api_key="benchKey1", secret="benchSecret2", passphrase="benchPass3")
Lifecycle = Callable[[int], Awaitable[None]]
TRANSPORTS = ("default", "httpx", "httpx-aiohttp")


class CountingSink:
    """An EvidenceSink that stores nothing and only counts: the adapter's own cost without
    storage (the FileEvidenceSink row adds storage back)."""

    def __init__(self) -> None:
        self.count = 0

    @property
    def run_dir(self) -> Path:
        return Path("/nonexistent/bench-run")

    def record_call(self, record: ExchangeCallRecord) -> EvidenceRef:
        self.count += 1
        return EvidenceRef("bench", self.count)

    def write_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        return self.record_call(ExchangeCallRecord("doc", name.value, {}, None, "ok", 0, 0.0))

    def append_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        return self.write_document(name, document)

    def write_text(self, name: SeedDocument, text: str) -> EvidenceRef:
        return self.write_document(name, text)

    def flush(self) -> None:
        return None

    def read_back(self, ref: EvidenceRef) -> bool:
        return False  # this sink keeps nothing

    def package(self) -> PackageManifest:
        return PackageManifest(self.run_dir, ())


def signed(method: str, path: str, body: str) -> dict[str, str]:
    stamp = rest_timestamp(time.time_ns() // 1_000_000)
    return {**rest_headers(CREDS, stamp, method, path, body), "x-simulated-trading": "1"}


def order_body(cid: str) -> str:
    return json.dumps({"instId": BTC, "tdMode": "cross", "side": "buy", "ordType": "post_only",
                       "px": "20000", "sz": "1", "clOrdId": cid}, separators=(",", ":"))


class RawClient:
    def __init__(self, rest_url: str) -> None:
        host, port = rest_url.removeprefix("http://").split(":")
        self._sock = socket.create_connection((host, int(port)))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._file = self._sock.makefile("rb")

    def call(self, method: str, path: str, body: str = "") -> Any:
        headers = signed(method, path, body)
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in
                                                                   headers.items())]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n" + body).encode())
        length = 0
        while (line := self._file.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self._file.read(length))

    async def async_lifecycle(self, n: int) -> None:
        # blocking on purpose: nothing else runs on the loop while it is measured
        self.lifecycle(n)

    def lifecycle(self, n: int) -> None:
        cid = f"bnraw{n}"
        ord_id = self.call("POST", "/api/v5/trade/order", order_body(cid))["data"][0]["ordId"]
        query = f"/api/v5/trade/order?instId={BTC}&ordId={ord_id}"
        self.call("GET", query)
        self.call("POST", "/api/v5/trade/cancel-order",
                  json.dumps({"instId": BTC, "ordId": ord_id}, separators=(",", ":")))
        self.call("GET", query)


async def httpx_lifecycle(client: httpx.AsyncClient, n: int) -> None:
    async def call(method: str, path: str, body: str = "") -> Any:
        headers = signed(method, path, body)
        if body:
            headers["Content-Type"] = "application/json"
        response = await client.request(method, path, content=body or None, headers=headers)
        return response.json()

    ord_id = (await call("POST", "/api/v5/trade/order", order_body(f"bnhx{n}")))["data"][0][
        "ordId"]
    query = f"/api/v5/trade/order?instId={BTC}&ordId={ord_id}"
    await call("GET", query)
    await call("POST", "/api/v5/trade/cancel-order",
               json.dumps({"instId": BTC, "ordId": ord_id}, separators=(",", ":")))
    await call("GET", query)


def adapter_lifecycle(exchange: ExchangeAdapter, tag: str) -> Lifecycle:
    async def lifecycle(n: int) -> None:
        placed = await exchange.place_limit_postonly(
            symbol=BTC, side=Side.BUY, qty=Decimal("1"), price=Decimal("20000"),
            tif="post_only", reduce_only=False, client_order_id=f"bn{tag}{n}")
        await exchange.get_order_status(symbol=BTC, order_id=placed.order_id,
                                        client_order_id=None)
        await exchange.cancel_order(symbol=BTC, order_id=placed.order_id, client_order_id=None)
        await exchange.get_order_status(symbol=BTC, order_id=placed.order_id,
                                        client_order_id=None)
    return lifecycle


async def measure(clients: dict[str, Lifecycle], rounds: int,
                  warmup: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in clients}
    for n in range(warmup + rounds):
        for name, lifecycle in clients.items():
            start = time.perf_counter()
            await lifecycle(n)
            if n >= warmup:
                times[name].append((time.perf_counter() - start) * 1000)
    return times


def paired(ours: list[float], theirs: list[float]) -> tuple[float, float, float]:
    """Median, p25 and p75 over rounds of ours / theirs in the same round."""
    pairs = [a / b for a, b in zip(ours, theirs, strict=True)]
    if len(pairs) < 2:
        return pairs[0], pairs[0], pairs[0]
    quartiles = statistics.quantiles(pairs, n=4)
    return statistics.median(pairs), quartiles[0], quartiles[2]


def report(times: dict[str, list[float]]) -> None:
    floor = statistics.median(times["raw-socket"])
    print(f"{'client':<28}{'p50 ms':>9}{'p25 ms':>9}{'p75 ms':>9}{'p99 ms':>9}{'vs raw':>8}")
    for name, samples in times.items():
        cuts = statistics.quantiles(samples, n=100) if len(samples) > 1 else samples * 99
        p50 = statistics.median(samples)
        print(f"{name:<28}{p50:>9.3f}{cuts[24]:>9.3f}{cuts[74]:>9.3f}{cuts[98]:>9.3f}"
              f"{p50 / floor:>7.2f}x")
    for ours in (n for n in times if n.startswith("adapter")):
        for theirs in ("ccxt", "ccxt-raw"):
            if theirs in times:
                mid, low, high = paired(times[ours], times[theirs])
                print(f"paired ratio {ours} / {theirs}: {mid:.2f} (p25 {low:.2f}, "
                      f"p75 {high:.2f})")


def make_transport(name: str) -> httpx.AsyncBaseTransport | None:
    """An httpx transport by name: "default" is the adapter's own choice (OkxConfig.http_stack),
    "httpx" httpx's own httpcore stack; the others are candidates measured side by side."""
    if name == "default":
        return None
    if name == "httpx":
        return http_transport("httpx")
    if name == "httpx-aiohttp":
        # the httpx-aiohttp package, when installed (not a dependency: see BENCHMARKS.md)
        from httpx_aiohttp import AiohttpTransport  # type: ignore[import-not-found,unused-ignore]
        transport: httpx.AsyncBaseTransport = AiohttpTransport(trust_env=False)
        return transport
    raise SystemExit(f"unknown transport {name!r}; known: {', '.join(TRANSPORTS)}")


async def run(rest_url: str, ws_url: str, rounds: int, warmup: int,
              transports: tuple[str, ...]) -> None:
    from adapters.evidence import FileEvidenceSink
    raw = RawClient(rest_url)
    config = OkxConfig(rest_url=rest_url, ws_url=ws_url, demo=True, pacing=False)
    clock = SystemClock()
    keys = CREDS.values()
    cx = await contenders.ccxt_client(rest_url, *keys)
    with tempfile.TemporaryDirectory() as tmp, \
            FileEvidenceSink(Path(tmp) / "run", clock=clock, secrets=CREDS.values()) as sink, \
            contenders.python_okx_client(rest_url, *keys) as pyokx:
        async with httpx.AsyncClient(base_url=rest_url, trust_env=False) as bare, \
                okx_venue(config, CREDS, clock, CountingSink()).exchange() as adapter, \
                contextlib.AsyncExitStack() as stack:
            clients: dict[str, Lifecycle] = {
                "raw-socket": raw.async_lifecycle,
                "ccxt-raw": contenders.ccxt_raw_lifecycle(cx),
                "ccxt": contenders.ccxt_unified_lifecycle(cx),
                "python-okx": contenders.python_okx_lifecycle(pyokx),
                "bare-httpx": lambda n: httpx_lifecycle(bare, n),
                "adapter": adapter_lifecycle(adapter, "ad")}
            ws_config = attrs.evolve(config, ws_orders=True)
            clients["adapter-ws+file"] = await stack.enter_async_context(
                ws_lifecycle(okx_venue(ws_config, CREDS, clock, sink), "ws"))
            for i, name in enumerate(transports):
                filed = await stack.enter_async_context(okx_venue(
                    config, CREDS, clock, sink, transport=make_transport(name)).exchange())
                label = "adapter+file" if name == "default" else f"adapter+file[{name}]"
                clients[label] = adapter_lifecycle(filed, f"f{i}")
            try:
                report(await measure(clients, rounds, warmup))
            finally:
                await cx.close()


def serve(pipe: Connection) -> None:
    """The simulator in its own process, so its Python work does not share our GIL."""
    with EmbeddedSimulator(api_key="benchKey1", secret="benchSecret2", passphrase="benchPass3",
                           mode="demo", rate_limits=False, price_walk=False) as sim:
        sim.set_price(BTC, Decimal("30000"))
        pipe.send((sim.rest_url, sim.ws_url))
        pipe.recv()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--transports", default="default",
                        help=f"comma-separated adapter+file rows: {', '.join(TRANSPORTS)}")
    args = parser.parse_args()
    transports = tuple(t for t in args.transports.split(",") if t)
    for name in transports:
        make_transport(name)
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(theirs,), daemon=True)
    server.start()
    try:
        rest_url, ws_url = ours.recv()
        asyncio.run(run(rest_url, ws_url, args.rounds, args.warmup, transports))
    finally:
        ours.send("stop")
        server.join(10)


if __name__ == "__main__":
    main()
