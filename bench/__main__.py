"""Run every benchmark in turn and print its figures and ratios (results go to stdout).

    .venv/bin/python -m bench           # the counts BENCHMARKS.md was made with
    .venv/bin/python -m bench --smoke   # tiny counts: each bench runs end to end (no figures)

tests/bench/test_smoke.py runs each with SMOKE_ARGS so none rots.
"""

import subprocess
import sys

BENCHES = ("sim_throughput", "okx_adapter", "binance_adapter", "protection", "evidence_sink",
           "verify_throughput", "recovery_scale", "replay", "startup")
# what each bench is given for a smoke run: the least that still goes through every row
SMOKE_ARGS: dict[str, tuple[str, ...]] = {
    "sim_throughput": ("--orders", "200", "--connections", "2", "--gets", "50",
                       "--rounds", "1"),
    "okx_adapter": ("--rounds", "3", "--warmup", "1"),
    "binance_adapter": ("--rounds", "3", "--warmup", "1"),
    "protection": ("--stops", "3", "--flattens", "1", "--opens", "2", "--ws-opens", "2",
                   "--binance-opens", "2"),
    "evidence_sink": ("--records", "200", "--floor-records", "20", "--rounds", "1"),
    "verify_throughput": ("--records", "300", "--rounds", "1"),
    "profile_okx": ("--rounds", "5"),
    "recovery_scale": ("--symbols", "2"),
    "replay": ("--calls", "30", "--rounds", "1", "--sessions", "1"),
    "startup": ("--rounds", "1"),
    "startup_split": ("--rounds", "1"),
}


# a bench run a second time with these arguments added (a what-if BENCHMARKS.md records)
VARIANTS: dict[str, tuple[str, ...]] = {"recovery_scale": ("--okx-algo-basis", "instId")}


def command(name: str, smoke: bool, variant: tuple[str, ...] = ()) -> list[str]:
    return [sys.executable, "-m", f"bench.{name}", *(SMOKE_ARGS[name] if smoke else ()),
            *variant]


def main() -> int:
    smoke = "--smoke" in sys.argv[1:]
    failed = 0
    for name in BENCHES:
        for variant in ((), *((VARIANTS[name],) if name in VARIANTS else ())):
            print(f"\n=== {' '.join((f'bench.{name}', *variant))} ===", flush=True)
            failed += subprocess.run(command(name, smoke, variant), check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
