"""Benchmark RecoverProtection at scale: N symbols, each with a position and no stop (issue 14 P4).

Run from the project root:
    .venv/bin/python -m bench.recovery_scale [--symbols 100] [--runs 1] [--venue okx|binance]
                                             [--okx-algo-basis uid|instId]

The simulator (the venue's face, uvicorn + httptools, the venue's rate limits ON) runs in a
child process with N extra swaps (OKX: USDT swaps; Binance: USDC perpetuals). Before each run
it is reset and every swap gets a long position of one lot opened by a market order the
engine never saw, so each is an unknown position without a stop: recovery must read it, place
the default stop (an algo conditional, reduce-only, mark price) and see it among the open
algo orders. Measured: the wall time of one RecoverProtection.execute over all of them, the
requests per endpoint, and the rate-limit answers, which must be zero (OKX 50011; Binance
-1003 weight, -1015 orders). Afterwards the exchange itself is asked whether every position
has exactly one stop.

The floor is the venue's documented limits (fact sheets), not the machine. OKX: one algo
placement per request at 20 per 2 s per account means N stops take at least
(ceil(N / 20) - 1) x 2 s. Binance: 300 orders per 10 s (1,200 a minute) and a weight of
2,400 a minute; 100 stops fit in one 10 s window, so its limits set no floor at this size.

`--okx-algo-basis instId` is a what-if for this run only: OKX's fact sheet gives `order-algo`
(and `cancel-algos`, in the same row) 20 per 2 s without saying what is counted, and the
engine and the simulator read it the safer way, per account (uid). With instId both the
engine's pacer (adapters/okx/pacing.py LIMITS) and the simulator's rate limiter
(simulator/wire/ratelimit.py LIMITS) count those two endpoints per instrument instead, in this
process and the simulator's, so the run shows the engine's own recovery time when OKX's limit
is not the floor. No setting of the engine changes.
"""

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import statistics
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any

import attrs

from adapters.binance import BinanceConfig, BinanceCredentials
from adapters.clock import SystemClock
from adapters.okx import OkxConfig, OkxCredentials, pacing
from application.recover_protection import ProtectionRecovered, RecoverCommand
from domain.params import Params
from entrypoints.container import UseCases, binance_venue, okx_venue
from simulator.core.instruments import Instrument, binance_instruments, default_instruments
from simulator.core.state import CoreConfig
from simulator.embedded import EmbeddedSimulator
from simulator.wire import ratelimit
from tests.fakes import InMemoryEvidenceSink, InMemoryStateStore

CREDS = OkxCredentials(api_key="benchKey1", secret="benchSecret2", passphrase="benchPass3")
BINANCE_CREDS = BinanceCredentials(api_key="benchKey1", secret="benchSecret2")
ALGO_PLACEMENTS_PER_2S = 20  # POST trade/order-algo, per account (fact sheet)
BINANCE_ORDERS_PER_10S = 300  # the ORDERS limit of exchangeInfo.rateLimits (fact sheet)
LOT = {"okx": "1", "binance": "0.1"}
RATE_LIMITED = {"okx": ('"50011"',), "binance": ('"-1003"', '"-1015"')}
# the endpoints the what-if counts per instrument (one row of the fact sheet's limits)
ALGO_WRITES = ("trade/order-algo", "trade/cancel-algos")
ALGO_BASES = ("uid", "instId")
PLACEMENT = {"okx": "POST /api/v5/trade/order-algo", "binance": "POST /fapi/v1/algoOrder"}
# reads of the open algo orders (the sentinels' and the stray sweep's)
ALGO_READ = {"okx": "GET /api/v5/trade/orders-algo-pending",
             "binance": "GET /fapi/v1/openAlgoOrders"}


@contextlib.contextmanager
def okx_algo_basis(basis: str) -> Iterator[None]:
    """For the block only, the engine's pacer and the simulator's limiter of this process count
    OKX's algo writes per instrument (basis "instId"); "uid" leaves both as they are."""
    if basis not in ALGO_BASES:
        raise ValueError(f"basis must be one of {ALGO_BASES}, not {basis!r}")
    engine, exchange = pacing.LIMITS, ratelimit.LIMITS
    if basis == "instId":
        pacing.LIMITS = {endpoint: attrs.evolve(limit, scope="instId")
                         if endpoint.removeprefix("POST /api/v5/") in ALGO_WRITES else limit
                         for endpoint, limit in engine.items()}
        ratelimit.LIMITS = {key: (rule[0], "inst") if key[0] == "POST" and key[1] in ALGO_WRITES
                            else rule for key, rule in exchange.items()}
    try:
        yield
    finally:
        pacing.LIMITS, ratelimit.LIMITS = engine, exchange


def symbols(n: int, venue: str = "okx") -> list[str]:
    return [f"R{i:03d}USDC" if venue == "binance" else f"R{i:03d}-USDT-SWAP"
            for i in range(n)]


def catalogue(n: int, venue: str = "okx") -> list[Instrument]:
    if venue == "binance":
        base = binance_instruments(0)
        sol = next(i for i in base if i.inst_id == "SOLUSDC")
        extra = [replace(sol, inst_id=s, base=s[:-4], start_price=Decimal(100))
                 for s in symbols(n, venue)]
        return [*base, *extra]
    base = default_instruments(0)
    btc = next(i for i in base if i.inst_id == "BTC-USDT-SWAP")
    extra = [replace(btc, inst_id=s, inst_id_code=20_000 + i, ct_val=Decimal(1),
                     tick_sz=Decimal("0.01"), start_price=Decimal(100))
             for i, s in enumerate(symbols(n))]
    return [*base, *extra]


def open_positions(sim: EmbeddedSimulator, n: int, venue: str = "okx") -> None:
    """A long of one lot on every benchmark swap, placed behind the engine's back."""
    sim.reset()
    for s in symbols(n, venue):
        sim.set_price(s, Decimal(100))
        (item,) = sim.core.place_orders([{"instId": s, "tdMode": "cross", "side": "buy",
                                          "ordType": "market", "sz": LOT[venue]}])
        assert item["sCode"] == "0", item


def serve(pipe: Connection, n: int, venue: str = "okx", basis: str = "uid") -> None:
    """The simulator in its own process, so its Python work does not share our GIL."""
    config = CoreConfig(seed=7, vol_per_step=0.0, instruments=catalogue(n, venue))
    with okx_algo_basis(basis), EmbeddedSimulator(
            api_key=CREDS.api_key.reveal(), secret=CREDS.secret.reveal(),
            passphrase=CREDS.passphrase.reveal(), mode="demo", rate_limits=True,
            price_walk=False, core_config=config, exchange=venue) as sim:
        pipe.send((sim.rest_url, sim.ws_url))
        while pipe.recv() == "positions":
            open_positions(sim, n, venue)
            pipe.send("ready")


def admin(rest_url: str, path: str) -> Any:
    with urllib.request.urlopen(f"{rest_url}{path}", timeout=10) as answer:
        return json.loads(answer.read())


async def recover_once(rest_url: str, ws_url: str, venue: str = "okx", basis: str = "uid"
                       ) -> tuple[float, ProtectionRecovered, InMemoryEvidenceSink, float]:
    """(wall time, result, evidence, when the last stop placement was sent, in s from the
    start)."""
    with okx_algo_basis(basis):  # the pacer takes the limits when it is built
        return await _recover_once(rest_url, ws_url, venue)


async def _recover_once(rest_url: str, ws_url: str, venue: str
                        ) -> tuple[float, ProtectionRecovered, InMemoryEvidenceSink, float]:
    clock, sink = SystemClock(), InMemoryEvidenceSink()
    built: Any = (binance_venue(BinanceConfig(rest_url=rest_url, ws_url=ws_url),
                                BINANCE_CREDS, clock, sink) if venue == "binance" else
                  okx_venue(OkxConfig(rest_url=rest_url, ws_url=ws_url, demo=True), CREDS,
                            clock, sink))
    async with built.exchange() as exchange:
        use_cases = UseCases(exchange=exchange, sink=sink, store=InMemoryStateStore(),
                             clock=clock, params=Params())
        recover = use_cases.recover()
        start, start_mono = time.perf_counter(), clock.monotonic()
        done = await recover.execute(RecoverCommand())
        elapsed = time.perf_counter() - start
    sent = [r.mono_s for r in sink.records if r.endpoint == PLACEMENT[venue]]
    return elapsed, done, sink, (max(sent) - start_mono) if sent else 0.0


def rate_limited(sink: InMemoryEvidenceSink, venue: str = "okx") -> int:
    return sum(any(code in json.dumps(r.response, default=str) for code in RATE_LIMITED[venue])
               for r in sink.records)


def protected(rest_url: str, n: int, venue: str = "okx") -> tuple[int, int]:
    """(positions with exactly one live reduce-only stop, positions) as the exchange sees them."""
    wanted = set(symbols(n, venue))
    positions = [p for p in admin(rest_url, "/sim/positions")["positions"]
                 if p["instId"] in wanted and Decimal(p["pos"]) != 0]
    algos = Counter(a["instId"] for a in admin(rest_url, "/sim/algos")["algos"]
                    if a["instId"] in wanted and a["state"] == "live")
    return sum(algos[p["instId"]] == 1 for p in positions), len(positions)


def run(n: int, runs: int, venue: str = "okx", basis: str = "uid") -> dict[str, Any]:
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(theirs, n, venue, basis), daemon=True)
    server.start()
    out: dict[str, Any] = {"symbols": n, "venue": venue, "basis": basis, "seconds": [],
                           "last_placement": [], "algo_reads": [], "requests": Counter(),
                           "rate_limited": 0, "protected": [], "needs_attention": 0}
    try:
        rest_url, ws_url = ours.recv()
        for _ in range(runs):
            ours.send("positions")
            assert ours.recv() == "ready"
            elapsed, done, sink, last = asyncio.run(
                recover_once(rest_url, ws_url, venue, basis))
            out["seconds"].append(elapsed)
            out["last_placement"].append(last)
            out["algo_reads"].append(sum(r.endpoint == ALGO_READ[venue] for r in sink.records))
            out["requests"].update(r.endpoint for r in sink.records if r.kind == "rest")
            out["rate_limited"] += rate_limited(sink, venue)
            out["needs_attention"] += sum(s.needs_attention for s in done.symbols)
            out["protected"].append(protected(rest_url, n, venue))
    finally:
        ours.send("stop")
        server.join(10)
    return out


def report(result: dict[str, Any]) -> None:
    n, seconds, venue = result["symbols"], result["seconds"], result.get("venue", "okx")
    if venue == "binance":
        floor = (math.ceil(n / (BINANCE_ORDERS_PER_10S * 0.9)) - 1) * 10.0
        limit = "270 orders / 10 s (90 % of 300)"
    elif result.get("basis", "uid") == "instId":  # one stop per instrument: no wait
        floor = (math.ceil(1 / ALGO_PLACEMENTS_PER_2S) - 1) * 2.0
        limit = "what-if: 20 algo placements / 2 s per instrument"
    else:
        floor = (math.ceil(n / ALGO_PLACEMENTS_PER_2S) - 1) * 2.0
        limit = "20 algo placements / 2 s"
    basis = f", OKX algo limit basis {result.get('basis', 'uid')}" if venue == "okx" else ""
    print(f"RecoverProtection over {n} symbols with a position and no stop, "
          f"{len(seconds)} run(s), {venue} rate limits on in the simulator{basis}")
    print(f"  wall time        {' '.join(f'{s:.2f}' for s in seconds)} s; median "
          f"{statistics.median(seconds):.2f} s, min {min(seconds):.2f} s, "
          f"max {max(seconds):.2f} s")
    if result.get("last_placement"):
        print(f"  last stop sent   {' '.join(f'{s:.2f}' for s in result['last_placement'])} s "
              f"after the start (the rest: its confirmation and the sentinel's reads)")
    if result.get("algo_reads"):
        limit_note = " (OKX: 20 per 2 s per account)" if venue == "okx" else ""
        print(f"  open-algo reads  {' '.join(map(str, result['algo_reads']))} per run"
              + limit_note)
    print(f"  floor ({limit}): {floor:.1f} s")
    print(f"  rate-limit answers {result['rate_limited']} "
          f"({', '.join(RATE_LIMITED[venue])})")
    print(f"  protected        {result['protected']} (positions with one live stop, positions)")
    print(f"  needing attention {result['needs_attention']}")
    runs = len(seconds)
    for endpoint, count in sorted(result["requests"].items(), key=lambda kv: -kv[1]):
        print(f"  {count / runs:>6.0f} x {endpoint}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--venue", choices=("okx", "binance"), default="okx")
    parser.add_argument("--okx-algo-basis", choices=ALGO_BASES, default="uid",
                        help="what-if: count OKX's order-algo and cancel-algos limit per "
                             "instrument (instId) in the engine's pacer and the simulator, for "
                             "this run only (default uid: the engine's and simulator's reading)")
    args = parser.parse_args()
    if args.venue != "okx" and args.okx_algo_basis != "uid":
        parser.error("--okx-algo-basis applies to --venue okx only")
    report(run(args.symbols, args.runs, args.venue, args.okx_algo_basis))


if __name__ == "__main__":
    main()
