"""CLI start-up: `prometheus-exec --help` against its floor, `python -c "import httpx, typer"`
(the two libraries every command needs), each a fresh interpreter. Issue 14 P3's target:
--help within 1.3x the floor. Rounds alternate the two so load drifts hit both alike; the
medians are compared.

    .venv/bin/python -m bench.startup [--rounds 15]
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 1.3
FLOOR = [sys.executable, "-c", "import httpx, typer"]
CASES = {"--help": [sys.executable, "-m", "entrypoints", "--help"],
         "--version": [sys.executable, "-m", "entrypoints", "--version"],
         "import entrypoints.cli": [sys.executable, "-c", "import entrypoints.cli"]}


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=Path(__file__).resolve().parent.parent)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    samples: dict[str, list[float]] = {"floor": [], **{name: [] for name in CASES}}
    for argv in (FLOOR, *CASES.values()):
        timed(argv)  # warm the file cache once
    for _ in range(rounds):
        samples["floor"].append(timed(FLOOR))
        for name, argv in CASES.items():
            samples[name].append(timed(argv))
    floor = statistics.median(samples["floor"])
    print(f"| measure | median of {rounds} | vs floor |\n|---|---:|---:|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1000:.0f} ms | {median / floor:.2f}x |")
    ratio = statistics.median(samples["--help"]) / floor
    print(f"--help is {ratio:.2f}x the floor (target <= {TARGET}x): "
          f"{'met' if ratio <= TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
