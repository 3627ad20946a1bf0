"""Benchmark the protection path against the simulator, with a round-trip floor in the same run.

Run from the project root:
    .venv/bin/python -m bench.protection [--stops 200] [--flattens 10] [--opens 50]

  floor       one signed GET (account/config) through the adapter: the round trip every
              figure below is counted in;
  confirm     place_and_confirm_stop on an open position: algo stop placed, seen among the
              open algo orders (the 1-second sentinel's normal case), then cancelled;
  flatten     OpenPosition with the simulator hiding the stop for 1,500 ms: time from the stop's
              acknowledgement to the acknowledgement of the reduce-only market order that
              flattens the position (the sentinel's deadline is 1,000 ms);
  open        OpenPosition with a market entry, from the call to the answer that first shows
              its stop among the open algo orders (issue 14 P2: target 4 RTT + 20 ms), with
              the number of exchange calls it took and how many round trips they made one
              after another (calls in flight together share one);
  streams     (--ws-opens) what a one-shot command would pay for pushes (ws_start), and the
              same open on an engine whose streams are up (a running `watch`): the fill and
              the stop raced between the REST read and the push; confirmed at the first.
The simulator (uvicorn + httptools, rate limits off) runs in a child process.
"""

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import statistics
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any

from adapters.binance import BinanceConfig
from adapters.clock import SystemClock
from adapters.okx import OkxConfig
from application.open_position import OpenPositionCommand
from bench.binance_adapter import BTC as BINANCE_BTC
from bench.binance_adapter import CREDS as BINANCE_CREDS
from bench.binance_adapter import serve as serve_binance
from bench.okx_adapter import BTC, CREDS, serve
from domain.algo import AlgoStopIntent
from domain.orders import OrderIntent, OrdType, PositionSide, Side
from domain.params import Params
from entrypoints.container import UseCases, binance_venue, okx_venue
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


def use_cases(exchange: ExchangeAdapter, clock: SystemClock,
              sink: InMemoryEvidenceSink) -> UseCases:
    """The use-cases wired as the CLI wires them, on this exchange (state in memory)."""
    return UseCases(exchange=exchange, sink=sink, store=InMemoryStateStore(), clock=clock,
                    params=Params())


async def confirm(exchange: ExchangeAdapter, clock: SystemClock, n: int) -> list[float]:
    spec = (await exchange.get_instruments()).find(BTC)
    assert spec is not None
    await exchange.submit_order(OrderIntent(spec, Side.BUY, OrdType.MARKET, D("0.10"), None,
                                            False, "benchEntry1"))
    stop_path = use_cases(exchange, clock, InMemoryEvidenceSink()).stop_path()
    out = []
    for i in range(n):
        intent = AlgoStopIntent(spec, Side.SELL, D("0.10"), D("20000.0"), f"benchSL{i}")
        start = time.perf_counter()
        seen = await stop_path.send(intent, deadline_ms=1000)
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
        done = await use_cases(exchange, clock, sink).open_position().execute(
            OpenPositionCommand.of(BTC, PositionSide.LONG, D("0.10"), D("29400.0"),
                                   D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), f"bf{i}"))
    assert done.status == "flattened", done
    stop = next(r for r in sink.records if r.endpoint.endswith("trade/order-algo"))
    flat = next(r for r in sink.records if r.endpoint.endswith("trade/order")
                and "pxFL" in json.dumps(r.request.get("body")))
    return (flat.mono_s - stop.mono_s) * 1000


def admin(rest_url: str, path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(f"{rest_url}{path}", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()


OKX_ALGO = ("trade/order-algo", "orders-algo-pending")
BINANCE_ALGO = ("POST /fapi/v1/algoOrder", "GET /fapi/v1/openAlgoOrders")


def confirmed_at(sink: InMemoryEvidenceSink, first: int, intent_id: str,
                 algo: tuple[str, str] = OKX_ALGO) -> tuple[float, int, int]:
    """When (monotonic s) the answer that first showed the stop among the open algo orders came
    back, how many exchange calls were answered by then, and how many round trips they took
    one after another (round_trips). algo: the stop placement's and the open algo list's
    endpoints."""
    placed = False
    rest = [r for r in sink.records[first:] if not r.kind.startswith("ws")]  # calls only
    for count, record in enumerate(rest, start=1):
        body = json.dumps(record.response)
        placed = placed or record.endpoint.endswith(algo[0])
        if placed and algo[1] in record.endpoint and intent_id in body:
            return answered(record), count, round_trips(rest[:count])
    raise AssertionError(f"no confirming answer among {len(sink.records)} records")


def answered(record: Any) -> float:
    return float(record.mono_s + float(record.response["elapsed_ms"]) / 1000)


def round_trips(calls: list[Any]) -> int:
    """The longest chain of calls each sent after the previous one's answer: calls sent while
    others were in flight share their round trip."""
    depth: list[int] = []
    for i, call in enumerate(calls):
        before = [depth[j] for j, other in enumerate(calls[:i])
                  if answered(other) <= call.mono_s]
        depth.append(1 + max(before, default=0))
    return max(depth, default=0)


@contextlib.asynccontextmanager
async def warm_okx_venue(rest_url: str, config: OkxConfig
                         ) -> AsyncIterator[tuple[ExchangeAdapter, SystemClock,
                                                  InMemoryEvidenceSink]]:
    """A reset simulator at 30000 and an OKX venue as a running engine has it before an open."""
    admin(rest_url, "/sim/reset", {})
    admin(rest_url, "/sim/price", {"instId": BTC, "last": "30000"})
    # the simulator builds its candle history (30 days of 1m bars) on the first read that
    # needs it, the ticker's 24h figures: ~4.5 ms of its own that OKX does not have (it was
    # half of a one-shot open's time). Read once here, past the engine, so the open measures
    # the engine's path and the simulator as it is after running a while.
    urllib.request.urlopen(f"{rest_url}/api/v5/market/ticker?instId={BTC}", timeout=5).read()
    clock, sink = SystemClock(), InMemoryEvidenceSink()
    async with okx_venue(config, CREDS, clock, sink).exchange() as exchange:
        # clock sync and four warm keep-alive connections, as a running engine has them (the
        # gate's reads go out together)
        await asyncio.gather(*(exchange.get_account_config() for _ in range(4)))
        # the symbol already at the tier's leverage, as after the engine's first open on it
        # (the reset put it back to the simulator's default; a differing one costs one more
        # round trip, set-leverage)
        await exchange.set_leverage(BTC, Params().tiers.A.leverage)
        yield exchange, clock, sink


async def open_to_stop_once(rest_url: str, config: OkxConfig,
                            i: int) -> tuple[float, int, int]:
    """OpenPosition with a market entry, from the call to the answer that shows its stop; the
    simulator is reset first, so each run opens a fresh position."""
    async with warm_okx_venue(rest_url, config) as (exchange, clock, sink):
        first = len(sink.records)
        start = clock.monotonic()
        done = await use_cases(exchange, clock, sink).open_position().execute(
            OpenPositionCommand.of(BTC, PositionSide.LONG, D("0.10"), D("29400.0"),
                                   D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), f"bo{i}"))
    assert done.status == "opened", done
    seen, calls, trips = confirmed_at(sink, first, f"bo{i}")
    return (seen - start) * 1000, calls, trips


async def ws_start_cost(config: OkxConfig, n: int) -> list[float]:
    """What a one-shot command would pay to see pushes: ws_start (private and business
    connections: upgrade, login, subscribe each) on a venue whose REST side is warm and
    whose clock is synced."""
    out = []
    for _ in range(n):
        clock, sink = SystemClock(), InMemoryEvidenceSink()
        async with okx_venue(config, CREDS, clock, sink).exchange() as exchange:
            await exchange.get_account_config()
            start = clock.monotonic()
            await exchange.ws_start()
            out.append((clock.monotonic() - start) * 1000)
            await exchange.ws_stop()
    return out


def pushed_at(sink: InMemoryEvidenceSink, first: int, needle: str, state: str) -> float | None:
    """When (monotonic s) the first pushed frame naming needle in state arrived."""
    for record in sink.records[first:]:
        if record.kind != "ws_in":
            continue
        text = json.dumps(record.response)
        if needle in text and f'"state": "{state}"' in text:
            return float(record.mono_s)
    return None


def rest_answer(sink: InMemoryEvidenceSink, first: int, endpoint: str,
                needle: str) -> float | None:
    """When the first REST answer from endpoint naming needle came back (None: not sent)."""
    for record in sink.records[first:]:
        if record.kind != "ws_in" and record.endpoint.endswith(endpoint) and \
                needle in json.dumps(record.response):
            return answered(record)
    return None


def timeline(sink: InMemoryEvidenceSink, first: int, start: float,
             found: dict[str, float | None]) -> dict[str, float]:
    """ms from the call to each event seen; the stop is confirmed by whichever of its poll
    answer and its push came first; the REST calls answered by then, and their round trips."""
    got = {k: v for k, v in found.items() if v is not None}
    confirmed = min(got[k] for k in ("stop_poll", "stop_push") if k in got)
    calls = [r for r in sink.records[first:]
             if not r.kind.startswith("ws") and answered(r) <= confirmed]
    out = {k: (v - start) * 1000 for k, v in got.items()}
    out.update(confirmed=(confirmed - start) * 1000, calls=len(calls),
               round_trips=round_trips(calls))
    return out


async def streams_open_once(rest_url: str, config: OkxConfig, i: int) -> dict[str, float]:
    """The open of open_to_stop_once on an engine whose streams are up (a running `watch`
    handed the command over its control socket): the entry's fill and the stop's visibility
    are each raced between a REST read and the push (application/push_race.py). Returns, in
    ms from the call, when each REST answer and each push came back, when the engine had the
    stop confirmed (the first of the poll's answer and the push), and the round trips of the
    calls answered by then. A read that a push already queued made unnecessary is not sent:
    its time is missing."""
    async with warm_okx_venue(rest_url, config) as (exchange, clock, sink):
        await exchange.ws_start()
        first = len(sink.records)
        start = clock.monotonic()
        done = await use_cases(exchange, clock, sink).open_position().execute(
            OpenPositionCommand.of(BTC, PositionSide.LONG, D("0.10"), D("29400.0"),
                                   D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), f"bw{i}"))
        await exchange.ws_stop()
    assert done.status == "opened", done
    entry, stop = f"pxENbw{i}00", f"pxSLbw{i}00"
    polled = [r for r in sink.records[first:] if r.endpoint.endswith(OKX_ALGO[1])
              and stop in json.dumps(r.response)]
    found = {"entry_ack": rest_answer(sink, first, "trade/order", entry),
             "entry_status": rest_answer(sink, first, "trade/order", '"state": "filled"'),
             "stop_ack": rest_answer(sink, first, "trade/order-algo", stop),
             "stop_poll": answered(polled[0]) if polled else None,
             "entry_push": pushed_at(sink, first, entry, "filled"),
             "stop_push": pushed_at(sink, first, stop, "live")}
    return timeline(sink, first, start, found)


@contextlib.asynccontextmanager
async def warm_binance_venue(rest_url: str, config: BinanceConfig
                             ) -> AsyncIterator[tuple[ExchangeAdapter, SystemClock,
                                                      InMemoryEvidenceSink]]:
    """A reset simulator at 30000 and a Binance venue as a running engine has it: exchangeInfo
    kept (at most 60 s old), the clock measured, the position mode read, the leverage set."""
    admin(rest_url, "/sim/reset", {})
    admin(rest_url, "/sim/price", {"instId": BINANCE_BTC, "last": "30000"})
    clock, sink = SystemClock(), InMemoryEvidenceSink()
    async with binance_venue(config, BINANCE_CREDS, clock, sink).exchange() as exchange:
        await exchange.get_account_config()
        await asyncio.gather(exchange.get_instrument(BINANCE_BTC),
                             *(exchange.get_balances() for _ in range(4)))
        await exchange.set_leverage(BINANCE_BTC, Params().tiers.A.leverage)
        yield exchange, clock, sink


async def binance_open_once(rest_url: str, config: BinanceConfig, i: int
                            ) -> tuple[float, int, int]:
    """The same open on the simulator's Binance face, its venue warm as a running engine's."""
    async with warm_binance_venue(rest_url, config) as (exchange, clock, sink):
        first = len(sink.records)
        start = clock.monotonic()
        done = await use_cases(exchange, clock, sink).open_position().execute(
            OpenPositionCommand.of(BINANCE_BTC, PositionSide.LONG, D("0.010"), D("29400.0"),
                                   D("30300.0"), D("0.004"), D("30600.0"), D("0.003"),
                                   f"bb{i}"))
    assert done.status == "opened", done
    seen, calls, trips = confirmed_at(sink, first, f"bb{i}", BINANCE_ALGO)
    return (seen - start) * 1000, calls, trips


def binance_pushed_at(sink: InMemoryEvidenceSink, first: int, needle: str,
                      status: str) -> float | None:
    """When the first user-data frame naming needle with status X came back."""
    for record in sink.records[first:]:
        text = json.dumps(record.response)
        if record.kind == "ws_in" and needle in text and f'"X": "{status}"' in text:
            return float(record.mono_s)
    return None


async def binance_streams_open_once(rest_url: str, ws_url: str, config: BinanceConfig,
                                    i: int) -> dict[str, float]:
    """binance_open_once on an engine whose streams are up (a running `watch`): the user-data
    stream's ORDER_TRADE_UPDATE and ALGO_UPDATE race the status read and the open algo poll
    (application/push_race.py); the same times as streams_open_once."""
    async with warm_binance_venue(rest_url, config) as (exchange, clock, sink):
        began = clock.monotonic()
        await exchange.ws_start()
        ws_start_ms = (clock.monotonic() - began) * 1000
        first = len(sink.records)
        start = clock.monotonic()
        done = await use_cases(exchange, clock, sink).open_position().execute(
            OpenPositionCommand.of(BINANCE_BTC, PositionSide.LONG, D("0.010"), D("29400.0"),
                                   D("30300.0"), D("0.004"), D("30600.0"), D("0.003"),
                                   f"bs{i}"))
        await exchange.ws_stop()
    assert done.status == "opened", done
    entry, stop = f"pxENbs{i}00", f"pxSLbs{i}00"
    polled = [r for r in sink.records[first:] if r.endpoint.endswith(BINANCE_ALGO[1])
              and stop in json.dumps(r.response)]
    status = [r for r in sink.records[first:] if r.endpoint == "GET /fapi/v1/order"
              and '"FILLED"' in json.dumps(r.response) and entry in json.dumps(r.response)]
    found = {"entry_ack": rest_answer(sink, first, "POST /fapi/v1/order", entry),
             "entry_status": answered(status[0]) if status else None,
             "stop_ack": rest_answer(sink, first, BINANCE_ALGO[0], stop),
             "stop_poll": answered(polled[0]) if polled else None,
             "entry_push": binance_pushed_at(sink, first, entry, "FILLED"),
             "stop_push": binance_pushed_at(sink, first, stop, "NEW")}
    return timeline(sink, first, start, found) | {"ws_start": ws_start_ms}


async def run_binance(rest_url: str, ws_url: str, opens: int,
                      ws_opens: int = 0) -> dict[str, Any]:
    config = BinanceConfig(rest_url=rest_url, ws_url=ws_url, pacing=False)
    clock = SystemClock()
    async with binance_venue(config, BINANCE_CREDS, clock,
                             InMemoryEvidenceSink()).exchange() as exchange:
        await exchange.get_account_config()
        rtt = []
        for _ in range(200):
            started = time.perf_counter()
            await exchange.get_balances()
            rtt.append((time.perf_counter() - started) * 1000)
    opened = [await binance_open_once(rest_url, config, i) for i in range(opens)]
    streamed = [await binance_streams_open_once(rest_url, ws_url, config, i)
                for i in range(ws_opens)]
    return {"rtt": rtt, "open": [ms for ms, _, _ in opened],
            "open_calls": [n for _, n, _ in opened],
            "open_round_trips": [t for _, _, t in opened], "streamed": streamed,
            "ws_start": [r["ws_start"] for r in streamed]}


def report_binance(results: dict[str, Any]) -> None:
    rtt = statistics.median(results["rtt"])
    p50 = statistics.median(results["open"])
    budget = 4 * rtt + 20
    print(f"Binance: floor signed GET {rtt:.2f} ms; open (market) -> stop seen p50 {p50:.2f} "
          f"ms, max {max(results['open']):.2f} ms; "
          f"{statistics.median(results['open_calls']):.0f} exchange calls in "
          f"{statistics.median(results['open_round_trips']):.0f} round trips; target "
          f"{budget:.2f} ms; p50 = {p50 / budget:.2f}x the target")
    if results["streamed"]:
        print("Binance:", end=" ")
        report_streams(results, rtt, budget)


async def run(rest_url: str, ws_url: str, stops: int, flattens: int,
              opens: int, ws_opens: int = 0) -> dict[str, Any]:
    config = OkxConfig(rest_url=rest_url, ws_url=ws_url, demo=True, pacing=False)
    clock = SystemClock()
    async with okx_venue(config, CREDS, clock, InMemoryEvidenceSink()).exchange() as exchange:
        rtt = await floor(exchange, 200)
        confirms = await confirm(exchange, clock, stops)
    flat = [await flatten_once(rest_url, config, i) for i in range(flattens)]
    opened = [await open_to_stop_once(rest_url, config, i) for i in range(opens)]
    ws_starts = await ws_start_cost(config, ws_opens)
    streamed = [await streams_open_once(rest_url, config, i) for i in range(ws_opens)]
    return {"rtt": rtt, "confirm": confirms, "flatten": flat,
            "open": [ms for ms, _, _ in opened], "open_calls": [n for _, n, _ in opened],
            "open_round_trips": [t for _, _, t in opened], "ws_start": ws_starts,
            "streamed": streamed}


def report(results: dict[str, Any]) -> None:
    rtt = statistics.median(results["rtt"])
    print(f"{'measure':<34}{'p50 ms':>9}{'p99/max ms':>12}{'p50 in RTTs':>13}")
    for name, values in (("floor: signed GET (RTT)", results["rtt"]),
                         ("stop placed and seen open", results["confirm"]),
                         ("open (market) -> stop seen", results["open"]),
                         ("invisible stop -> flatten acked", results["flatten"])):
        p50 = statistics.median(values)
        tail = max(values) if len(values) < 100 else pct(values, .99)
        print(f"{name:<34}{p50:>9.2f}{tail:>12.2f}{p50 / rtt:>13.1f}")
    calls = statistics.median(results["open_calls"])
    budget = 4 * rtt + 20
    trips = statistics.median(results["open_round_trips"])
    print(f"open -> stop seen: {calls:.0f} exchange calls in {trips:.0f} round trips; "
          f"target 4 RTT + 20 ms = {budget:.2f} ms;"
          f" p50 {statistics.median(results['open']):.2f} ms = "
          f"{statistics.median(results['open']) / budget:.2f}x the target")
    if results["streamed"]:
        report_streams(results, rtt, budget)
    over = [v - 1000 for v in results["flatten"]]
    print(f"flatten after the 1,000 ms deadline: median {statistics.median(over):.1f} ms, "
          f"max {max(over):.1f} ms = {max(over) / rtt:.1f} RTT")


def report_streams(results: dict[str, Any], rtt: float, budget: float) -> None:
    rows, ws = results["streamed"], results["ws_start"]
    med = statistics.median
    print(f"one-shot cost of the pushes: ws_start (private + business: upgrade, login, "
          f"subscribe) p50 {med(ws):.2f} ms = {med(ws) / rtt:.1f} RTT")
    for name in ("entry_ack", "entry_push", "entry_status", "stop_ack", "stop_push",
                 "stop_poll", "confirmed"):
        values = [r[name] for r in rows if name in r]
        if values:
            print(f"  streams up, {name:<13} n={len(values):<3} p50 {med(values):7.2f} ms "
                  f"from the call")
    fill_push = sum(r.get("entry_push", 1e9) < r.get("entry_status", 1e9) for r in rows)
    stop_push = sum(r.get("stop_push", 1e9) < r.get("stop_poll", 1e9) for r in rows)
    no_read = [sum(name not in r for r in rows) for name in ("entry_status", "stop_poll")]
    print(f"streams up: the push came first for the fill in {fill_push}/{len(rows)} (no status "
          f"read sent in {no_read[0]}), for the stop in {stop_push}/{len(rows)} (no poll sent "
          f"in {no_read[1]}); open -> stop confirmed p50 "
          f"{med([r['confirmed'] for r in rows]):.2f} ms = "
          f"{med([r['confirmed'] for r in rows]) / budget:.2f}x the target, "
          f"{med([r['calls'] for r in rows]):.0f} calls answered by then in "
          f"{med([r['round_trips'] for r in rows]):.0f} round trips")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=200)
    parser.add_argument("--flattens", type=int, default=10)
    parser.add_argument("--opens", type=int, default=50)
    parser.add_argument("--ws-opens", type=int, default=None,
                        help="opens with the streams up, as a running watch has them, and "
                             "as many ws_start measurements (default: as many as --opens)")
    parser.add_argument("--binance-opens", type=int, default=None,
                        help="opens on the Binance face (default: as many as --opens; 0: none)")
    args = parser.parse_args()
    with simulator(serve) as (rest_url, ws_url):
        ws_opens = args.opens if args.ws_opens is None else args.ws_opens
        report(asyncio.run(run(rest_url, ws_url, args.stops, args.flattens, args.opens,
                               ws_opens)))
    binance_opens = args.opens if args.binance_opens is None else args.binance_opens
    if binance_opens:
        with simulator(serve_binance) as (rest_url, ws_url):
            report_binance(asyncio.run(run_binance(rest_url, ws_url, binance_opens,
                                                   min(ws_opens, binance_opens))))


@contextlib.contextmanager
def simulator(target: Callable[[Connection], None]) -> Iterator[tuple[str, str]]:
    """A simulator in a child process (its Python work does not share our GIL)."""
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=target, args=(theirs,), daemon=True)
    server.start()
    try:
        yield ours.recv()
    finally:
        ours.send("stop")
        server.join(10)


if __name__ == "__main__":
    main()
