"""Benchmark RecoverProtection at scale: N symbols, each with a position and no stop (issue 14 P4).

Run from the project root:
    .venv/bin/python -m bench.recovery_scale [--symbols 100] [--runs 1]

The simulator (OKX face, uvicorn + httptools, OKX's rate limits ON) runs in a child process
with N extra USDT swaps. Before each run it is reset and every swap gets a long position of
one lot opened by a market order the engine never saw, so each is an unknown position without
a stop: recovery must read it, place the default stop (an algo conditional, reduce-only, mark
price) and see it among the open algo orders. Measured: the wall time of one
RecoverProtection.execute over all of them, the requests per endpoint, and the 50011 (rate
limit) answers, which must be zero. Afterwards the exchange itself is asked whether every
position has exactly one stop.

The floor is OKX's documented limits (fact sheet, rate limits), not the machine: one algo
placement per request at 20 per 2 s per account means N stops take at least
(ceil(N / 20) - 1) x 2 s, and every per-symbol read shares a bucket of 10-20 per 2 s.
"""

import argparse
import asyncio
import json
import math
import multiprocessing
import statistics
import time
import urllib.request
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any

from adapters.clock import SystemClock
from adapters.okx import OkxConfig, OkxCredentials
from application.recover_protection import ProtectionRecovered, RecoverCommand
from domain.params import Params
from entrypoints.container import UseCases, okx_venue
from simulator.core.instruments import Instrument, default_instruments
from simulator.core.state import CoreConfig
from simulator.embedded import EmbeddedSimulator
from tests.fakes import InMemoryEvidenceSink, InMemoryStateStore

CREDS = OkxCredentials(api_key="benchKey1", secret="benchSecret2", passphrase="benchPass3")
ALGO_PLACEMENTS_PER_2S = 20  # POST trade/order-algo, per account (fact sheet)


def symbols(n: int) -> list[str]:
    return [f"R{i:03d}-USDT-SWAP" for i in range(n)]


def catalogue(n: int) -> list[Instrument]:
    base = default_instruments(0)
    btc = next(i for i in base if i.inst_id == "BTC-USDT-SWAP")
    extra = [replace(btc, inst_id=s, inst_id_code=20_000 + i, ct_val=Decimal(1),
                     tick_sz=Decimal("0.01"), start_price=Decimal(100))
             for i, s in enumerate(symbols(n))]
    return [*base, *extra]


def open_positions(sim: EmbeddedSimulator, n: int) -> None:
    """A long of one lot on every benchmark swap, placed behind the engine's back."""
    sim.reset()
    for s in symbols(n):
        sim.set_price(s, Decimal(100))
        (item,) = sim.core.place_orders([{"instId": s, "tdMode": "cross", "side": "buy",
                                          "ordType": "market", "sz": "1"}])
        assert item["sCode"] == "0", item


def serve(pipe: Connection, n: int) -> None:
    """The simulator in its own process, so its Python work does not share our GIL."""
    config = CoreConfig(seed=7, vol_per_step=0.0, instruments=catalogue(n))
    with EmbeddedSimulator(api_key=CREDS.api_key.reveal(), secret=CREDS.secret.reveal(),
                           passphrase=CREDS.passphrase.reveal(), mode="demo",
                           rate_limits=True, price_walk=False, core_config=config) as sim:
        pipe.send((sim.rest_url, sim.ws_url))
        while pipe.recv() == "positions":
            open_positions(sim, n)
            pipe.send("ready")


def admin(rest_url: str, path: str) -> Any:
    with urllib.request.urlopen(f"{rest_url}{path}", timeout=10) as answer:
        return json.loads(answer.read())


async def recover_once(rest_url: str, ws_url: str) -> tuple[float, ProtectionRecovered,
                                                            InMemoryEvidenceSink]:
    clock, sink = SystemClock(), InMemoryEvidenceSink()
    config = OkxConfig(rest_url=rest_url, ws_url=ws_url, demo=True)
    async with okx_venue(config, CREDS, clock, sink).exchange() as exchange:
        use_cases = UseCases(exchange=exchange, sink=sink, store=InMemoryStateStore(),
                             clock=clock, params=Params())
        recover = use_cases.recover()
        start = time.perf_counter()
        done = await recover.execute(RecoverCommand())
        elapsed = time.perf_counter() - start
    return elapsed, done, sink


def rate_limited(sink: InMemoryEvidenceSink) -> int:
    return sum('"50011"' in json.dumps(r.response, default=str) for r in sink.records)


def protected(rest_url: str, n: int) -> tuple[int, int]:
    """(positions with exactly one live reduce-only stop, positions) as the exchange sees them."""
    wanted = set(symbols(n))
    positions = [p for p in admin(rest_url, "/sim/positions")["positions"]
                 if p["instId"] in wanted and Decimal(p["pos"]) != 0]
    algos = Counter(a["instId"] for a in admin(rest_url, "/sim/algos")["algos"]
                    if a["instId"] in wanted and a["state"] == "live")
    return sum(algos[p["instId"]] == 1 for p in positions), len(positions)


def run(n: int, runs: int) -> dict[str, Any]:
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(theirs, n), daemon=True)
    server.start()
    out: dict[str, Any] = {"symbols": n, "seconds": [], "requests": Counter(),
                           "rate_limited": 0, "protected": [], "needs_attention": 0}
    try:
        rest_url, ws_url = ours.recv()
        for _ in range(runs):
            ours.send("positions")
            assert ours.recv() == "ready"
            elapsed, done, sink = asyncio.run(recover_once(rest_url, ws_url))
            out["seconds"].append(elapsed)
            out["requests"].update(r.endpoint for r in sink.records if r.kind == "rest")
            out["rate_limited"] += rate_limited(sink)
            out["needs_attention"] += sum(s.needs_attention for s in done.symbols)
            out["protected"].append(protected(rest_url, n))
    finally:
        ours.send("stop")
        server.join(10)
    return out


def report(result: dict[str, Any]) -> None:
    n, seconds = result["symbols"], result["seconds"]
    floor = (math.ceil(n / ALGO_PLACEMENTS_PER_2S) - 1) * 2.0
    print(f"RecoverProtection over {n} symbols with a position and no stop, "
          f"{len(seconds)} run(s), OKX rate limits on in the simulator")
    print(f"  wall time        median {statistics.median(seconds):.2f} s, "
          f"min {min(seconds):.2f} s, max {max(seconds):.2f} s")
    print(f"  floor (20 algo placements / 2 s): {floor:.1f} s")
    print(f"  50011 answers    {result['rate_limited']}")
    print(f"  protected        {result['protected']} (positions with one live stop, positions)")
    print(f"  needing attention {result['needs_attention']}")
    runs = len(seconds)
    for endpoint, count in sorted(result["requests"].items(), key=lambda kv: -kv[1]):
        print(f"  {count / runs:>6.0f} x {endpoint}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    report(run(args.symbols, args.runs))


if __name__ == "__main__":
    main()
