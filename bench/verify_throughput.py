"""Benchmark `prometheus-exec verify`: MB of run directory proven per second.

Run from the project root:
    .venv/bin/python -m bench.verify_throughput [--records 40000] [--rounds 3]

A run directory is built with the real FileEvidenceSink: a run manifest, then REST records
shaped like the engine's (an order placement, a status lookup, an instruments list), in 8 MiB
shards, packaged. Measured on it, in the same run:

  floor      read every file, SHA-256 it, json.loads every line: the least any check of sums
             and chain must do;
  sums       the package check alone (SHA256SUMS.txt and FILELIST.ls.txt against the files);
  chain      verify_chain alone (seq, prev_hash, index);
  verify     audit_run: everything verify does (package, chain, every record against its frozen
             schema, documents, manifest, credential scan, modes).
"""

import argparse
import hashlib
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.clock import SystemClock
from adapters.evidence.audit import INTACT, audit_run
from adapters.evidence.chain import verify_chain
from adapters.evidence.package_check import RunFiles, check_package
from adapters.evidence.sink import FileEvidenceSink
from ports.evidence import ExchangeCallRecord


def _no_fsync(fd: int) -> None:
    return None  # the build is not what is measured


def _records(n: int) -> Any:
    order = {"code": "0", "msg": "", "data": [{"ordId": "700000000000000123",
             "clOrdId": f"pxENbench{n:06d}00", "tag": "", "ts": "1796048037933", "sCode": "0",
             "sMsg": "Order placed"}], "inTime": "1796048037933000",
             "outTime": "1796048037935000"}
    status = {"code": "0", "msg": "", "data": [{"instId": "BTC-USDT-SWAP", "ordId":
              "700000000000000123", "clOrdId": f"pxENbench{n:06d}00", "state": "live",
              "side": "buy", "ordType": "limit", "sz": "0.10", "px": "25500",
              "accFillSz": "0", "avgPx": "", "reduceOnly": "false", "uTime": "1796048037935",
              "cTime": "1796048037933"}]}
    listing = {"code": "0", "msg": "", "data": [{"instType": "SWAP", "instId": f"X{i}-USDT-SWAP",
               "state": "live", "tickSz": "0.1", "lotSz": "0.01", "minSz": "0.01",
               "ctVal": "0.01"} for i in range(12)]}
    return [("POST /api/v5/trade/order", order), ("GET /api/v5/trade/order", status),
            ("GET /api/v5/public/instruments", listing)][n % 3]


def build(run_dir: Path, records: int) -> int:
    clock = SystemClock()
    sink = FileEvidenceSink(run_dir, clock=clock, labels={"bench": True}, fsync=_no_fsync)
    sink.begin_run({"command": "bench", "argv": ["bench"], "venue": "sim", "settings": {
        "venue": "sim", "symbols": ["BTC-USDT-SWAP"], "state_path": "state.json",
        "runs_dir": "runs", "rest_url": None, "ws_url": None, "demo": True, "td_mode": "cross",
        "write_deadline_ms": 5000, "credentials": "set"}, "params": {}, "engine_version": "0",
        "git": None, "pid": 1})
    for n in range(records):
        endpoint, body = _records(n)
        method, path = endpoint.split(" ")
        sink.record_call(ExchangeCallRecord(
            "rest", endpoint, {"method": method, "path": path, "query": {},
                               "headers": {"OK-ACCESS-KEY": "x", "OK-ACCESS-SIGN": "y"},
                               "body": None},
            {"http_status": 200, "body": body, "elapsed_ms": 1.2}, "ok", clock.now_ms(),
            clock.monotonic(), 0, {"attempt": 1, "exp_time_ms": None}))
    sink.finish({"command": "bench", "exit_code": 0})
    return sum(p.stat().st_size for p in run_dir.iterdir())


def floor(run_dir: Path) -> None:
    for path in sorted(run_dir.iterdir()):
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        if path.name.endswith(".jsonl"):
            for line in data.splitlines():
                json.loads(line)


def timed(fn: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prometheus-verify-bench-") as scratch:
        run_dir = Path(scratch) / "run"
        size = build(run_dir, args.records)
        report = audit_run(run_dir)
        assert report.status == INTACT, report.findings[:3]
        mib = size / 2**20
        results = {
            "floor": timed(lambda: floor(run_dir), args.rounds),
            "sums": timed(lambda: check_package(run_dir, RunFiles.scan(run_dir)), args.rounds),
            "chain": timed(lambda: verify_chain(run_dir), args.rounds),
            "verify": timed(lambda: audit_run(run_dir), args.rounds),
        }
    print(f"run directory: {args.records + 2} records, {mib:.1f} MiB, "
          f"{len(report.chain.shards)} shard(s); best of {args.rounds}")
    base = results["floor"]
    for name, seconds in results.items():
        print(f"  {name:<7} {mib / seconds:8.1f} MiB/s  {seconds:7.3f} s  "
              f"{seconds / base:5.2f}x the floor's time")


if __name__ == "__main__":
    main()
