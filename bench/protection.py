"""Benchmark the protection path against the simulator, with a round-trip floor in the same run.

Run from the project root:
    .venv/bin/python -m bench.protection [--stops 200] [--flattens 10]

  floor       one signed GET (account/config) through the adapter: the round trip every
              figure below is counted in;
  confirm     place_and_confirm_stop on an open position: algo stop placed, seen among the
              open algo orders (the 1-second sentinel's normal case), then cancelled;
  flatten     OpenPosition with the simulator hiding the stop for 1,500 ms: time from the stop's
              acknowledgement to the acknowledgement of the reduce-only market order that
              flattens the position (the sentinel's deadline is 1,000 ms).
The simulator (uvicorn + httptools, rate limits off) runs in a child process.
"""

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
import urllib.request
from decimal import Decimal
from typing import Any

from adapters.clock import SystemClock
from adapters.okx import OkxConfig
from application.open_position import OpenPosition, OpenPositionCommand
from application.protection import place_and_confirm_stop
from bench.okx_adapter import BTC, CREDS, serve
from domain.algo import AlgoStopIntent
from domain.orders import OrderIntent, OrdType, PositionSide, Side
from domain.params import Params
from entrypoints.container import okx_venue
from ports.exchange import ExchangeAdapter
from tests.fakes import InMemoryEvidenceSink, InMemoryStateStore

D = Decimal


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def floor(exchange: ExchangeAdapter, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        await exchange.get_account_config()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def confirm(exchange: ExchangeAdapter, clock: SystemClock, n: int) -> list[float]:
    spec = (await exchange.get_instruments()).find(BTC)
    assert spec is not None
    await exchange.submit_order(OrderIntent(spec, Side.BUY, OrdType.MARKET, D("0.10"), None,
                                            False, "benchEntry1"))
    out = []
    for i in range(n):
        intent = AlgoStopIntent(spec, Side.SELL, D("0.10"), D("20000.0"), f"benchSL{i}")
        start = time.perf_counter()
        seen = await place_and_confirm_stop(exchange, clock, intent=intent, deadline_ms=1000)
        out.append((time.perf_counter() - start) * 1000)
        assert seen.confirmed, seen.reason
        await exchange.cancel_algo(symbol=BTC, algo_id=seen.algo_id, client_algo_id=None)
    return out


def inject_invisible_stop(rest_url: str) -> None:
    body = json.dumps({"kind": "algo_visibility_delay", "target": "trade/order-algo",
                       "times": 1, "params": {"ms": 1500}}).encode()
    request = urllib.request.Request(f"{rest_url}/sim/faults", body,
                                     {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()


async def flatten_once(rest_url: str, config: OkxConfig, i: int) -> float:
    clock, sink = SystemClock(), InMemoryEvidenceSink()
    inject_invisible_stop(rest_url)
    async with okx_venue(config, CREDS, clock, sink).exchange() as exchange:
        done = await OpenPosition(exchange, InMemoryStateStore(), clock, Params()).execute(
            OpenPositionCommand.of(BTC, PositionSide.LONG, D("0.10"), D("29400.0"),
                                D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), f"bf{i}"))
    assert done.status == "flattened", done
    stop = next(r for r in sink.records if r.endpoint.endswith("trade/order-algo"))
    flat = next(r for r in sink.records if r.endpoint.endswith("trade/order")
                and "pxFL" in json.dumps(r.request.get("body")))
    return (flat.mono_s - stop.mono_s) * 1000


async def run(rest_url: str, ws_url: str, stops: int, flattens: int) -> dict[str, Any]:
    config = OkxConfig(rest_url=rest_url, ws_url=ws_url, demo=True, pacing=False)
    clock = SystemClock()
    async with okx_venue(config, CREDS, clock, InMemoryEvidenceSink()).exchange() as exchange:
        rtt = await floor(exchange, 200)
        confirms = await confirm(exchange, clock, stops)
    flat = [await flatten_once(rest_url, config, i) for i in range(flattens)]
    return {"rtt": rtt, "confirm": confirms, "flatten": flat}


def report(results: dict[str, Any]) -> None:
    rtt = statistics.median(results["rtt"])
    print(f"{'measure':<34}{'p50 ms':>9}{'p99/max ms':>12}{'p50 in RTTs':>13}")
    for name, values in (("floor: signed GET (RTT)", results["rtt"]),
                         ("stop placed and seen open", results["confirm"]),
                         ("invisible stop -> flatten acked", results["flatten"])):
        p50 = statistics.median(values)
        tail = max(values) if len(values) < 100 else pct(values, .99)
        print(f"{name:<34}{p50:>9.2f}{tail:>12.2f}{p50 / rtt:>13.1f}")
    over = [v - 1000 for v in results["flatten"]]
    print(f"flatten after the 1,000 ms deadline: median {statistics.median(over):.1f} ms, "
          f"max {max(over):.1f} ms = {max(over) / rtt:.1f} RTT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=200)
    parser.add_argument("--flattens", type=int, default=10)
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(theirs,), daemon=True)
    server.start()
    try:
        rest_url, ws_url = ours.recv()
        report(asyncio.run(run(rest_url, ws_url, args.stops, args.flattens)))
    finally:
        ours.send("stop")
        server.join(10)


if __name__ == "__main__":
    main()
