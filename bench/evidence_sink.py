"""Benchmark FileEvidenceSink.record_call: group commit against an fsync-every-record floor.

Run from the project root:
    .venv/bin/python -m bench.evidence_sink [--records 20000] [--floor-records 2000]
                                            [--rounds 3] [--dir DIR]

Prints records/s, p50/p99 per-call latency and CPU time per record, per round, for
  group-commit   the sink as shipped: records reach the OS at once, fsync every 10 ms;
  no-fsync       the same sink with fsync deferred to close(): the cost of redaction,
                 serialization, hashing and write() alone;
  fsync-each     the sink's own serialized lines appended with os.fsync after every one: the
                 floor any sink that fsynced each record would sit under (it skips all the
                 sink's other work);
and the time close() takes to make the tail durable. DIR must be on a real disk (tmpfs makes
fsync a no-op); the default is a temporary directory under the system temp.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from adapters.clock import SystemClock
from adapters.evidence import FileEvidenceSink
from ports.evidence import ExchangeCallRecord


def sample_record(n: int) -> ExchangeCallRecord:
    # shaped like a signed GET order status: ~700 bytes serialized
    return ExchangeCallRecord(
        kind="http", endpoint="GET /api/v5/trade/order",
        request={"method": "GET", "path": "/api/v5/trade/order",
                 "query": {"instId": "BTC-USDT-SWAP", "clOrdId": f"pxprintent{n:08d}01"},
                 "headers": {"OK-ACCESS-KEY": "k" * 36, "OK-ACCESS-SIGN": "s" * 44,
                             "OK-ACCESS-PASSPHRASE": "p" * 12,
                             "OK-ACCESS-TIMESTAMP": "2025-11-22T02:53:20.000Z"},
                 "body": ""},
        response={"status": 200, "body": {"code": "0", "msg": "", "data": [{
            "instId": "BTC-USDT-SWAP", "ordId": str(600000000000000000 + n),
            "clOrdId": f"pxprintent{n:08d}01", "state": "live", "px": "25500.0",
            "sz": "0.01", "accFillSz": "0", "avgPx": "", "uTime": "1763780000000"}]}},
        outcome="ok", wall_ms=1_763_780_000_000 + n, mono_s=1000.0 + n / 1000,
        clock_offset_ms=-12, extra={"attempt": 1})


def percentiles(samples_s: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples_s, n=100, method="inclusive")
    return cuts[49] * 1e6, cuts[98] * 1e6


def bench_sink(run_dir: Path, records: int,
               interval_s: float) -> tuple[list[float], float, float, float]:
    sink = FileEvidenceSink(run_dir, clock=SystemClock(), labels={"probe": True},
                            fsync_interval_s=interval_s, secrets=["k" * 36])
    prepared = [sample_record(n) for n in range(records)]
    latencies = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for record in prepared:
        t0 = time.perf_counter()
        sink.record_call(record)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    # CPU time of this process (the fsync thread included): what other load on the machine
    # does not inflate, unlike the wall-clock rate
    cpu = time.process_time() - cpu_start
    t0 = time.perf_counter()
    sink.close()
    return latencies, elapsed, time.perf_counter() - t0, cpu


def bench_fsync_each(path: Path, lines: list[bytes]) -> tuple[list[float], float]:
    latencies = []
    with open(path, "ab", buffering=0) as f:
        start = time.perf_counter()
        for line in lines:
            t0 = time.perf_counter()
            f.write(line)
            os.fsync(f.fileno())
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
    return latencies, elapsed


def report(name: str, latencies: list[float], elapsed: float, cpu: float | None = None) -> None:
    p50, p99 = percentiles(latencies)
    line = (f"{name:<14} {len(latencies):>7} records  {len(latencies) / elapsed:>10,.0f} rec/s  "
            f"p50 {p50:>8.1f} us  p99 {p99:>8.1f} us")
    if cpu:
        line += (f"  CPU {cpu / len(latencies) * 1e6:5.1f} us/rec "
                 f"({len(latencies) / cpu:,.0f} rec per CPU-s)")
    print(line)


def one_round(base: Path, records: int, floor_records: int) -> None:
    latencies, elapsed, close_s, cpu = bench_sink(base / "group", records, 0.010)
    report("group-commit", latencies, elapsed, cpu)
    latencies, elapsed, _, cpu = bench_sink(base / "deferred", records, 3600.0)
    report("no-fsync", latencies, elapsed, cpu)
    shard = base / "group" / "m_execution_raw_part_0001.jsonl"
    lines = shard.read_bytes().splitlines(keepends=True)[:floor_records]
    floor, floor_elapsed = bench_fsync_each(base / "floor.jsonl", lines)
    report("fsync-each", floor, floor_elapsed)
    print(f"{'':<14} line ~{len(lines[0])} bytes; group-commit close() {close_s * 1e3:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--floor-records", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    for n in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory(dir=args.dir, prefix="evidence-bench-") as tmp:
            print(f"round {n} in {tmp}")
            one_round(Path(tmp), args.records, args.floor_records)


if __name__ == "__main__":
    main()
