"""Benchmark the recorded-replay exchange: records replayed per second (issue 10: ≥ 10,000).

Run from the project root:
    .venv/bin/python -m bench.replay [--calls 20000] [--rounds 3] [--sessions 5]

Measured in the same run:

  floor      read every shard and json.loads every line: the least any replay must do;
  load       load_recording: the shards read into recorded calls (adapters/replay);
  exchange   load + every recorded call handed to ReplayTransport again, in order, as the
             httpx.Request the adapter would send (built beforehand): matching, the clock and
             the answer rebuilt, what the replay exchange itself costs a record;
  client     the same through an httpx.AsyncClient (what the adapters send through): httpx's
             own request/response handling on top, which a live call pays too;
  command    `prometheus-exec replay` of each recorded session in tests/replays/ (the engine's
             whole command on top: container, use-case, adapter parsing, the replayed run's
             own evidence written and packaged), records of the recording per second.

The recording for floor/load/exchange is built with the real FileEvidenceSink (REST records
shaped like the engine's: a placement, a status lookup, an instruments list).
"""

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from adapters.evidence.chain import list_shards
from adapters.replay import Matcher, ReplayClock, ReplayTransport, load_recording
from adapters.replay.recording import Recording
from bench.verify_throughput import build
from entrypoints.replay import replay_run

SESSIONS = Path(__file__).resolve().parents[1] / "tests" / "replays"


def floor(run_dir: Path) -> None:
    for _, path in list_shards(run_dir):
        for line in path.read_bytes().splitlines():
            json.loads(line)


def _transport(recording: Recording) -> tuple[Matcher, ReplayTransport]:
    matcher = Matcher(recording.calls)
    clock = ReplayClock(recording.start_wall_ms, recording.start_mono_s, matcher.next_call)
    return matcher, ReplayTransport(matcher, clock)


def requests_of(recording: Recording) -> list[httpx.Request]:
    return [httpx.Request(c.method, f"http://replay.invalid{c.path}", params=dict(c.params))
            for c in recording.calls]


def serve_direct(run_dir: Path, requests: list[httpx.Request]) -> int:
    """Load the recording and hand it every request in order, as the adapter's client would."""
    recording = load_recording(run_dir)
    matcher, transport = _transport(recording)

    async def go() -> None:
        for request in requests:
            response = await transport.handle_async_request(request)
            await response.aread()
    asyncio.run(go())
    assert matcher.finish() is None and matcher.matched == len(recording.calls)
    return matcher.matched


def serve_client(run_dir: Path) -> int:
    """The same through an httpx.AsyncClient, answers parsed as JSON."""
    recording = load_recording(run_dir)
    matcher, transport = _transport(recording)

    async def go() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://replay.invalid") as c:
            for call in recording.calls:
                response = await c.request(call.method, call.path, params=dict(call.params))
                response.json()
    asyncio.run(go())
    assert matcher.finish() is None and matcher.matched == len(recording.calls)
    return matcher.matched


def timed(fn: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def sessions(count: int) -> list[Path]:
    found = sorted(p.parent for p in SESSIONS.glob("*/run_manifest.json"))
    return found[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prometheus-replay-bench-") as scratch:
        run_dir = Path(scratch) / "run"
        build(run_dir, args.calls)
        recording = load_recording(run_dir)
        records, requests = recording.records, requests_of(recording)
        results = {
            "floor": timed(lambda: floor(run_dir), args.rounds),
            "load": timed(lambda: load_recording(run_dir), args.rounds),
            "exchange": timed(lambda: serve_direct(run_dir, requests), args.rounds),
            "client": timed(lambda: serve_client(run_dir), args.rounds),
        }
    print(f"recording: {records} records ({args.calls} REST calls); best of {args.rounds}")
    base = results["floor"]
    for name, seconds in results.items():
        print(f"  {name:<9} {records / seconds:10,.0f} records/s  {seconds:7.3f} s  "
              f"{seconds / base:5.2f}x the floor's time")
    chosen = sessions(args.sessions)
    total_records, total_s = 0, 0.0
    for run in chosen:
        recorded = load_recording(run).records
        seconds = timed(lambda run=run: _reproduce(run), args.rounds)
        total_records += recorded
        total_s += seconds
        print(f"  command   {run.name:<22} {recorded:4d} records  {seconds * 1000:7.1f} ms  "
              f"{recorded / seconds:8,.0f} records/s")
    if chosen:
        print(f"  command   all {len(chosen)} sessions: {total_records / total_s:,.0f} records/s")


def _reproduce(run: Path) -> None:
    code, _, human = replay_run(run)
    assert code == 0, human


if __name__ == "__main__":
    main()
