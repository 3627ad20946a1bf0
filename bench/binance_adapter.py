"""Benchmark the Binance adapter's order lifecycle against ccxt binanceusdm on the simulator.

Run from the project root:
    .venv/bin/python -m bench.binance_adapter [--rounds 500] [--warmup 50]

One lifecycle = place a post-only limit buy below the market, GET it, cancel it, GET it.
Rounds of each client are interleaved so drift hits them alike. Clients:
  raw-socket    a blocking socket writing hand-signed HTTP/1.1 (the server + loopback floor);
  ccxt          ccxt.async_support.binanceusdm, rate limiter off, its unified API
                (create_order / fetch_order / cancel_order / fetch_order);
  adapter       the Binance venue's ExchangeAdapter (pacing off like ccxt's limiter: the
                four clients share one key, so the account's order count would pace it; an
                evidence sink that only counts);
  adapter+file  the same with FileEvidenceSink writing hash-chained evidence to a temp
                dir (evidence on: the figure the target is about).
The paired ratio is the median over rounds of adapter+file / ccxt within the same round.
The simulator (uvicorn + httptools, rate limits off) runs in a child process.
"""

import argparse
import asyncio
import hashlib
import hmac
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
from urllib.parse import urlencode

from adapters.binance import BinanceConfig, BinanceCredentials
from adapters.clock import SystemClock
from bench.okx_adapter import CountingSink
from domain.orders import Side
from entrypoints.container import binance_venue
from ports.exchange import ExchangeAdapter
from simulator.embedded import EmbeddedSimulator

BTC = "BTCUSDC"
KEY, SECRET = "benchKey1", "benchSecret2"
CREDS = BinanceCredentials(api_key=KEY, secret=SECRET)
PRICE = "29000"
Lifecycle = Callable[[int], Awaitable[None]]


class RawClient:
    """Hand-signed HTTP/1.1 on a blocking keep-alive socket."""

    def __init__(self, rest_url: str) -> None:
        host, port = rest_url.removeprefix("http://").split(":")
        self._address = (host, int(port))
        self._connect()

    def _connect(self) -> None:
        self._sock = socket.create_connection(self._address)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._file = self._sock.makefile("rb")

    def call(self, method: str, path: str, params: dict[str, str]) -> Any:
        try:
            return self._call(method, path, params)
        except ConnectionError:
            # uvicorn closes a keep-alive connection idle for 5 s: connect again once
            self._connect()
            return self._call(method, path, params)

    def _call(self, method: str, path: str, params: dict[str, str]) -> Any:
        text = urlencode(params | {"timestamp": str(time.time_ns() // 1_000_000)})
        text += "&signature=" + hmac.new(SECRET.encode(), text.encode(),
                                         hashlib.sha256).hexdigest()
        body = text if method == "POST" else ""
        target = path if body else f"{path}?{text}"
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", f"X-MBX-APIKEY: {KEY}"]
        if body:
            lines += ["Content-Type: application/x-www-form-urlencoded",
                      f"Content-Length: {len(body)}"]
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n" + body).encode())
        length = 0
        head: list[bytes] = []
        while (line := self._file.readline()) not in (b"\r\n", b""):
            head.append(line)
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        if not head:
            raise ConnectionError("closed by the server")
        return json.loads(self._file.read(length))

    async def lifecycle(self, n: int) -> None:
        # blocking on purpose: nothing else runs on the loop while it is measured
        placed = self.call("POST", "/fapi/v1/order", {
            "symbol": BTC, "side": "BUY", "type": "LIMIT", "timeInForce": "GTX",
            "quantity": "0.01", "price": PRICE, "newClientOrderId": f"bnraw{n}"})
        order = {"symbol": BTC, "orderId": str(placed["orderId"])}
        self.call("GET", "/fapi/v1/order", order)
        self.call("DELETE", "/fapi/v1/order", order)
        self.call("GET", "/fapi/v1/order", order)


def ccxt_client(rest_url: str) -> Any:
    import ccxt.async_support as ccxt_async  # only the benchmark needs ccxt (a dev dependency)
    exchange = ccxt_async.binanceusdm({
        "apiKey": KEY, "secret": SECRET, "enableRateLimit": False,
        "options": {"fetchMarkets": {"types": ["linear"]}, "fetchCurrencies": False}})
    for name in list(exchange.urls["api"]):
        if name.startswith("fapi"):
            version = exchange.urls["api"][name].rsplit("/", 1)[1]
            exchange.urls["api"][name] = f"{rest_url}/fapi/{version}"
    return exchange


def ccxt_lifecycle(exchange: Any) -> Lifecycle:
    symbol = "BTC/USDC:USDC"

    async def lifecycle(n: int) -> None:
        order = await exchange.create_order(symbol, "limit", "buy", 0.01, float(PRICE),
                                            {"postOnly": True, "clientOrderId": f"bncx{n}"})
        await exchange.fetch_order(order["id"], symbol)
        await exchange.cancel_order(order["id"], symbol)
        await exchange.fetch_order(order["id"], symbol)
    return lifecycle


def adapter_lifecycle(exchange: ExchangeAdapter, tag: str) -> Lifecycle:
    async def lifecycle(n: int) -> None:
        placed = await exchange.place_limit_postonly(
            symbol=BTC, side=Side.BUY, qty=Decimal("0.01"), price=Decimal(PRICE),
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


def report(times: dict[str, list[float]]) -> None:
    floor = statistics.median(times["raw-socket"])
    print(f"{'client':<14}{'p50 ms':>9}{'p99 ms':>9}{'vs raw':>8}")
    for name, samples in times.items():
        p50 = statistics.median(samples)
        p99 = statistics.quantiles(samples, n=100)[98]
        print(f"{name:<14}{p50:>9.3f}{p99:>9.3f}{p50 / floor:>7.2f}x")
    for ours in ("adapter", "adapter+file"):
        pairs = [a / c for a, c in zip(times[ours], times["ccxt"], strict=True)]
        print(f"paired ratio {ours} / ccxt: median {statistics.median(pairs):.2f} "
              f"(p25 {statistics.quantiles(pairs, n=4)[0]:.2f}, "
              f"p75 {statistics.quantiles(pairs, n=4)[2]:.2f})")


async def run(rest_url: str, ws_url: str, rounds: int, warmup: int) -> None:
    clock = SystemClock()
    config = BinanceConfig(rest_url=rest_url, ws_url=ws_url, pacing=False)
    cx = ccxt_client(rest_url)
    await cx.load_markets()
    with tempfile.TemporaryDirectory() as tmp:
        from adapters.evidence import FileEvidenceSink
        with FileEvidenceSink(Path(tmp) / "run", clock=clock, secrets=CREDS.values()) as sink:
            async with binance_venue(config, CREDS, clock, CountingSink()).exchange() as adapter, \
                    binance_venue(config, CREDS, clock, sink).exchange() as filed:
                raw = RawClient(rest_url)
                clients: dict[str, Lifecycle] = {
                    "raw-socket": raw.lifecycle, "ccxt": ccxt_lifecycle(cx),
                    "adapter": adapter_lifecycle(adapter, "ad"),
                    "adapter+file": adapter_lifecycle(filed, "fs")}
                try:
                    report(await measure(clients, rounds, warmup))
                finally:
                    await cx.close()


def serve(pipe: Connection) -> None:
    """The simulator in its own process, so its Python work does not share our GIL."""
    with EmbeddedSimulator(api_key=KEY, secret=SECRET, exchange="binance", rate_limits=False,
                           price_walk=False) as sim:
        sim.set_price(BTC, Decimal("30000"))
        pipe.send((sim.rest_url, sim.ws_url))
        pipe.recv()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(theirs,), daemon=True)
    server.start()
    try:
        rest_url, ws_url = ours.recv()
        asyncio.run(run(rest_url, ws_url, args.rounds, args.warmup))
    finally:
        ours.send("stop")
        server.join(10)


if __name__ == "__main__":
    main()
