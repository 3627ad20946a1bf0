"""Benchmark the simulator's two faces on loopback: is it ever what limits an engine benchmark?

Run from the project root:
    .venv/bin/python -m bench.sim_throughput [--orders 20000] [--connections 8]
                                             [--gets 3000] [--rounds 3]

The simulator (rate limits off, wall clock) and a floor server run as child processes, so the
client below does not share their interpreter; every figure comes from the same hand-written
keep-alive HTTP/1.1 client over raw sockets (a few microseconds of client work per call):

  floor          a bare ASGI app on the same uvicorn + httptools stack answering fixed bytes:
                 what loopback + uvicorn cost before any simulator code runs;
  public/time    the simulator's cheapest unsigned endpoint;
  signed GET     GET /api/v5/account/balance, signed, one connection, sequential: p50/p99;
  placements     POST /api/v5/trade/order (limit buy far below market, signed, unique clOrdId),
                 from --connections connections at once: orders accepted per second;
  market placements, both faces: the same count of signed market orders, buy and sell in
                 turn (each one fills), on OKX (POST /api/v5/trade/order) and on Binance
                 (POST /fapi/v1/order, HMAC over the query, unique newClientOrderId). Binance
                 caps resting orders at 200 a symbol, so orders that fill are what both faces
                 can be driven with at this volume.

Throughputs are also given as ratios to the floor measured in the same round.
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

KEY, SECRET, PASSPHRASE = "bench-key", "bench-secret", "bench-pass"
HOST = "127.0.0.1"


# -- child processes ----------------------------------------------------------------------
def serve_simulator() -> None:
    from simulator.runtime import SimRuntime, SimSettings
    from simulator.server import bind, make_server

    sock = bind(HOST, 0)
    print(sock.getsockname()[1], flush=True)
    settings = SimSettings(api_key=KEY, secret=SECRET, passphrase=PASSPHRASE, mode="demo",
                           rate_limits=False)
    make_server(SimRuntime(settings)).run(sockets=[sock])


def serve_binance() -> None:
    from simulator.runtime import SimRuntime, SimSettings
    from simulator.server import bind, make_server

    sock = bind(HOST, 0)
    print(sock.getsockname()[1], flush=True)
    settings = SimSettings(api_key=KEY, secret=SECRET, passphrase="", rate_limits=False,
                           exchange="binance")
    make_server(SimRuntime(settings)).run(sockets=[sock])


def serve_floor() -> None:
    import uvicorn

    body = b'{"code":"0","msg":"","data":[{"ts":"1700000000000"}]}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]

    async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": body})  # type: ignore[operator]

    from simulator.server import bind

    sock = bind(HOST, 0)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, http="httptools", lifespan="off", log_level="warning",
                            access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def spawn(mode: str) -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen([sys.executable, "-m", "bench.sim_throughput", mode],
                             stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert child.stdout is not None
    return child, int(child.stdout.readline())


# -- the client -----------------------------------------------------------------------------
def signed_headers(method: str, path: str, body: str = "") -> str:
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    mac = hmac.new(SECRET.encode(), (stamp + method + path + body).encode(), hashlib.sha256)
    sign = base64.b64encode(mac.digest()).decode()
    return (f"OK-ACCESS-KEY: {KEY}\r\nOK-ACCESS-SIGN: {sign}\r\nOK-ACCESS-TIMESTAMP: {stamp}\r\n"
            f"OK-ACCESS-PASSPHRASE: {PASSPHRASE}\r\nx-simulated-trading: 1\r\n")


def request_bytes(method: str, path: str, body: str = "", signed: bool = False) -> bytes:
    extra = signed_headers(method, path, body) if signed else ""
    head = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n{extra}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body.encode()


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> "Connection":
        return cls(*await asyncio.open_connection(HOST, port))

    async def call(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def throughput(port: int, total: int, connections: int,
                     make: "object") -> tuple[float, int]:
    """Calls per second over `connections` concurrent keep-alive connections; failures."""
    conns = [await Connection.open(port) for _ in range(connections)]
    failures = 0
    per_conn = total // connections

    async def worker(index: int, conn: Connection) -> None:
        nonlocal failures
        for n in range(per_conn):
            status, body = await conn.call(make(index * per_conn + n))  # type: ignore[operator]
            if status != 200 or b'"sCode":"51' in body or b'"code":"5' in body:
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i, c) for i, c in enumerate(conns)))
    elapsed = time.perf_counter() - started
    for conn in conns:
        conn.close()
    return per_conn * connections / elapsed, failures


async def latencies(port: int, count: int) -> list[float]:
    conn = await Connection.open(port)
    path = "/api/v5/account/balance"
    samples = []
    for _ in range(count):
        raw = request_bytes("GET", path, signed=True)
        started = time.perf_counter()
        status, _ = await conn.call(raw)
        samples.append(time.perf_counter() - started)
        assert status == 200
    conn.close()
    return samples


_ORDER_IDS = itertools.count()


def order(n: int) -> bytes:
    # a fresh clOrdId per call across rounds: a duplicate of a live one would be refused
    body = json.dumps({"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy",
                       "ordType": "limit", "px": "1000", "sz": "0.01",
                       "clOrdId": f"bench{next(_ORDER_IDS)}"}, separators=(",", ":"))
    return request_bytes("POST", "/api/v5/trade/order", body, signed=True)


def okx_market(n: int) -> bytes:
    body = json.dumps({"instId": "BTC-USDT-SWAP", "tdMode": "cross",
                       "side": "buy" if n % 2 == 0 else "sell", "ordType": "market",
                       "sz": "0.01", "clOrdId": f"benchm{next(_ORDER_IDS)}"},
                      separators=(",", ":"))
    return request_bytes("POST", "/api/v5/trade/order", body, signed=True)


def binance_market(n: int) -> bytes:
    query = urlencode({"symbol": "BTCUSDC", "side": "BUY" if n % 2 == 0 else "SELL",
                       "type": "MARKET", "quantity": "0.001",
                       "newClientOrderId": f"bench-{next(_ORDER_IDS)}",
                       "timestamp": int(time.time() * 1000)})
    signature = hmac.new(SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
    return (f"POST /fapi/v1/order?{query}&signature={signature} HTTP/1.1\r\nHost: {HOST}\r\n"
            f"X-MBX-APIKEY: {KEY}\r\nContent-Length: 0\r\n\r\n").encode()


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def one_round(sim_port: int, floor_port: int, binance_port: int,
                    args: argparse.Namespace) -> dict:
    plain = request_bytes("GET", "/api/v5/public/time")
    floor, _ = await throughput(floor_port, args.gets * 4, args.connections, lambda n: plain)
    public, _ = await throughput(sim_port, args.gets * 4, args.connections, lambda n: plain)
    floor_lat = await latencies_floor(floor_port, args.gets)
    signed = await latencies(sim_port, args.gets)
    placements, failed = await throughput(sim_port, args.orders, args.connections, order)
    okx_fills, okx_failed = await throughput(sim_port, args.orders, args.connections,
                                             okx_market)
    bnc_fills, bnc_failed = await throughput(binance_port, args.orders, args.connections,
                                             binance_market)
    return {"floor_rps": floor, "public_rps": public, "placements_ps": placements,
            "placement_failures": failed, "okx_market_ps": okx_fills,
            "okx_market_failures": okx_failed, "binance_market_ps": bnc_fills,
            "binance_market_failures": bnc_failed, "floor_p50_ms": pct(floor_lat, 0.5),
            "floor_p99_ms": pct(floor_lat, 0.99), "signed_get_p50_ms": pct(signed, 0.5),
            "signed_get_p99_ms": pct(signed, 0.99)}


async def latencies_floor(port: int, count: int) -> list[float]:
    conn = await Connection.open(port)
    raw = request_bytes("GET", "/api/v5/public/time")
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await conn.call(raw)
        samples.append(time.perf_counter() - started)
    conn.close()
    return samples


def describe(r: dict[str, float]) -> str:
    return (f"floor {r['floor_rps']:,.0f} req/s | public/time {r['public_rps']:,.0f} req/s "
            f"({r['public_rps'] / r['floor_rps']:.2f}x) | placements "
            f"{r['placements_ps']:,.0f}/s ({r['placements_ps'] / r['floor_rps']:.2f}x floor, "
            f"{r['placement_failures']:.0f} refused) | signed GET p50 "
            f"{r['signed_get_p50_ms']:.3f} ms p99 {r['signed_get_p99_ms']:.3f} ms (floor p50 "
            f"{r['floor_p50_ms']:.3f} p99 {r['floor_p99_ms']:.3f}; "
            f"{r['signed_get_p50_ms'] / r['floor_p50_ms']:.2f}x) | market placements OKX "
            f"{r['okx_market_ps']:,.0f}/s ({r['okx_market_ps'] / r['floor_rps']:.2f}x, "
            f"{r['okx_market_failures']:.0f} refused) Binance {r['binance_market_ps']:,.0f}/s "
            f"({r['binance_market_ps'] / r['floor_rps']:.2f}x, "
            f"{r['binance_market_failures']:.0f} refused)")


def main() -> None:
    if sys.argv[1:2] == ["serve-simulator"]:
        serve_simulator()
        return
    if sys.argv[1:2] == ["serve-floor"]:
        serve_floor()
        return
    if sys.argv[1:2] == ["serve-binance"]:
        serve_binance()
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--gets", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sim, sim_port = spawn("serve-simulator")
    floor, floor_port = spawn("serve-floor")
    binance, binance_port = spawn("serve-binance")
    try:
        time.sleep(0.5)
        print(f"cpus={os.cpu_count()} orders={args.orders} connections={args.connections} "
              f"gets={args.gets}")
        rounds = []
        for number in range(1, args.rounds + 1):
            rounds.append(asyncio.run(one_round(sim_port, floor_port, binance_port, args)))
            print(f"round {number}: {describe(rounds[-1])}")
        medians = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
        print(f"median: {describe(medians)}")
    finally:
        for child in (sim, floor, binance):
            child.terminate()
            child.wait(timeout=10)


if __name__ == "__main__":
    main()
