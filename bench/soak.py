"""Soak: thousands of position lifecycles in one engine process, with random exchange faults,
then a thousand kills (not CI: minutes to hours).

Run from the project root:
    .venv/bin/python -m bench.soak [--lifecycles 10000] [--kills 1000] [--seed 1]

Phase 1, one long-lived process: each lifecycle is `open` → (a price move) → `manage` or
`regime` → `close`, each a real CLI command run in this process (container, adapter, evidence
sink, state store built and closed per command, as `prometheus-exec` does), with 0-2 random
simulator faults armed. After each lifecycle, at the exchange (admin API): every position under
exactly one stop, none on a flat instrument, no client id behind two orders (a command that
exited non-zero gets one fault-free `recover` first); every run directory verifies intact.
RSS and open file descriptors are sampled every --sample lifecycles; growth after the warm-up
(--warmup lifecycles) must stay under 10 %.

Phase 2: tests/crash/harness.py with --kills SIGKILLs (fork server, seeded kill points), in
two lanes side by side.

The simulator runs in its own process (virtual clock: prices move only when told).
"""

import argparse
import contextlib
import gc
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.evidence.audit import INTACT, audit_run
from adapters.evidence.findings import Severity
from tests.crash.exchange_view import ExchangeView, protection_problems
from tests.crash.harness import run_lanes
from tests.crash.processes import SimServer, engine_env

SYMBOL = "BTC-USDT-SWAP"
# (kind, target, params): faults that make answers late, lost, refused, partial or garbled
FAULTS: list[tuple[str, str, dict[str, Any]]] = [
    ("latency", "trade/*", {"ms": 150}),
    ("latency", "*", {"ms": 40}),
    ("http_5xx", "trade/order", {"processed": True}),
    ("http_5xx", "trade/order-algo", {"processed": False}),
    ("busy", "trade/cancel-algos", {}),
    ("drop_after_accept", "trade/order", {"mode": "reset"}),
    ("drop_after_accept", "trade/order-algo", {"mode": "reset"}),
    ("malformed", "trade/orders-algo-pending", {"body": "truncated"}),
    ("malformed", "account/positions", {"body": "html", "status": 502}),
    ("rate_limit", "trade/order", {}),
    ("partial_fill", SYMBOL, {"ratio": 0.5}),
    ("fill_race_cancel", "trade/cancel-order", {}),
    ("algo_visibility_delay", "trade/order-algo", {"ms": 1500}),
]


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class Soak:
    def __init__(self, workdir: Path, sim: SimServer, seed: int) -> None:
        from entrypoints.cli import app

        self.app = app
        self.workdir = workdir
        self.view = ExchangeView(sim.url)
        self.rng = random.Random(seed)
        self.sim = sim
        self.epoch = 0
        self.violations: list[str] = []
        self.exits: dict[str, int] = {}
        self.faults_armed = 0
        self._new_epoch()

    def _new_epoch(self) -> None:
        # a fresh store when flat: a loss cooldown would refuse opens for 30 minutes
        self.epoch += 1
        config = self.workdir / "engine.toml"
        state = self.workdir / "state" / f"e{self.epoch}" / "state.json"
        config.write_text(f'runs_dir = "{self.workdir / "runs"}"\nstate_path = "{state}"\n')
        self.env = engine_env(self.sim, config)

    def cli(self, *argv: str) -> tuple[int, dict[str, Any]]:
        out = io.StringIO()
        saved = dict(os.environ)
        os.environ.update(self.env)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                code = self.app(args=[*argv, "--json"], standalone_mode=False)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        lines = out.getvalue().strip().splitlines()
        payload = json.loads(lines[-1]) if lines else {}
        key = f"{argv[0]}:{code}"
        self.exits[key] = self.exits.get(key, 0) + 1
        return int(code or 0), payload

    def lifecycle(self, n: int) -> None:
        self._arm_faults()
        mark = self.view.mark(SYMBOL)
        side = self.rng.choice(["long", "short"])
        sign = Decimal(1 if side == "long" else -1)

        def px(pct: str) -> str:
            return str((mark * (1 + sign * Decimal(pct))).quantize(Decimal("0.1")))
        codes = [self.cli("open", "--symbol", SYMBOL, "--side", side, "--qty", "0.10",
                          "--stop", px("-0.02"), "--tp1", px("0.01"), "--tp1-qty", "0.04",
                          "--tp2", px("0.02"), "--tp2-qty", "0.03", "--intent-id",
                          f"s{self.epoch}n{n}")]
        self._move_price(mark)
        if self.rng.random() < 0.5:
            bar = (self.view.mark(SYMBOL) * Decimal("1.001")).quantize(Decimal("0.1"))
            codes.append(self.cli("manage", "--symbol", SYMBOL, "--bar-close", str(bar)))
        else:
            codes.append(self.cli("regime", "--symbol", SYMBOL, "--new",
                                  self.rng.choice(["SHOCK", "CHOP", "TREND", "RANGE"])))
        codes.append(self.cli("close", "--symbol", SYMBOL))
        self.view.http.delete("/sim/faults").raise_for_status()
        self._check(n, codes)

    @staticmethod
    def _exits_of(codes: list[tuple[int, dict[str, Any]]]) -> list[str]:
        return [f"{p.get('command')}:{code}" for code, p in codes]

    def _arm_faults(self) -> None:
        self.armed: list[str] = []
        for _ in range(self.rng.choice([0, 0, 1, 1, 2])):
            kind, target, params = self.rng.choice(FAULTS)
            self.armed.append(f"{kind}@{target}")
            self.view.http.post("/sim/faults", json={
                "kind": kind, "target": target, "times": 1, "skip": self.rng.randint(0, 3),
                "params": params}).raise_for_status()
            self.faults_armed += 1

    def _move_price(self, mark: Decimal) -> None:
        step = Decimal(1 + self.rng.uniform(-0.015, 0.015))
        self.view.set_price(SYMBOL, (mark * step).quantize(Decimal("0.1")))

    def _check(self, n: int, codes: list[tuple[int, dict[str, Any]]]) -> None:
        problems = protection_problems(self.view)
        if problems and any(code for code, _ in codes):
            self.cli("recover")  # a command that said "not done" gets one clean recovery
            problems = protection_problems(self.view)
        for _, payload in codes:
            run_dir = payload.get("run_dir")
            if run_dir:
                problems += self._verified(Path(run_dir))
        for problem in problems:
            self.violations.append(f"lifecycle {n}: {problem}")
            print(f"  VIOLATION lifecycle {n}: {problem} (exits {self._exits_of(codes)}, "
                  f"faults {self.armed})", flush=True)
        if not self.view.positions():
            if self.rng.random() < 0.8:
                self._new_epoch()
            if n % 200 == 0:
                self.view.reset()
        shutil.rmtree(self.workdir / "runs", ignore_errors=True)

    def _verified(self, run_dir: Path) -> list[str]:
        report = audit_run(run_dir)
        if report.status == INTACT:
            return []
        kept = self.workdir / "kept" / run_dir.name
        shutil.copytree(run_dir, kept, dirs_exist_ok=True)
        return [f"{run_dir.name} verifies {report.status} (kept in {kept}): "
                f"{[str(f) for f in report.findings if f.severity is not Severity.WARNING][:3]}"]


def soak(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    workdir.mkdir(parents=True)
    sim = SimServer(seed=args.seed)
    try:
        run = Soak(workdir, sim, args.seed)
        samples: list[tuple[int, int, int]] = []
        started = time.monotonic()
        for n in range(1, args.lifecycles + 1):
            run.lifecycle(n)
            if n % args.sample == 0 or n == args.lifecycles:
                gc.collect()
                samples.append((n, rss_kb(), open_fds()))
                print(f"  {n:>6} lifecycles  rss {samples[-1][1] / 1024:7.1f} MiB  "
                      f"fds {samples[-1][2]:>3}  violations {len(run.violations)}  "
                      f"{time.monotonic() - started:7.0f} s", flush=True)
        elapsed = time.monotonic() - started
    finally:
        sim.stop()
    after = [s for s in samples if s[0] >= args.warmup] or samples
    base = after[0]
    return {"lifecycles": args.lifecycles, "seconds": round(elapsed, 1),
            "faults_armed": run.faults_armed, "violations": run.violations,
            "exits": run.exits, "warmup_lifecycles": args.warmup,
            "rss_kb_after_warmup": base[1], "rss_kb_max_after": max(s[1] for s in after),
            "rss_kb_end": samples[-1][1],
            "rss_growth_pct": round(100 * (max(s[1] for s in after) - base[1]) / base[1], 2),
            "fds_after_warmup": base[2], "fds_max_after": max(s[2] for s in after),
            "fds_growth_pct": round(100 * (max(s[2] for s in after) - base[2]) / base[2], 2),
            "samples": samples}


def kills(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    workdir.mkdir(parents=True)
    started = time.monotonic()
    tally = run_lanes(workdir, args.seed, args.kills, lanes=2)
    return {**tally.summary(), "seconds": round(time.monotonic() - started, 1),
            "violation_list": tally.violations[:20]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=1_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--sample", type=int, default=250)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    base = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=base, prefix="prometheus-soak-") as scratch:
        print(f"phase 1: {args.lifecycles} lifecycles in one process", flush=True)
        first = soak(args, Path(scratch) / "soak") if args.lifecycles else {}
        print(json.dumps({k: v for k, v in first.items() if k != "samples"}, indent=1))
        print(f"phase 2: {args.kills} kills", flush=True)
        second = kills(args, Path(scratch) / "kills") if args.kills else {}
        print(json.dumps(second, indent=1))
    broken = (first.get("violations") or second.get("violations") or
              first.get("rss_growth_pct", 0) >= 10 or first.get("fds_growth_pct", 0) >= 10)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
