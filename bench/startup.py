"""CLI start-up, each measure a fresh interpreter, against the floors of issue 14 P3:

- `prometheus-exec --help` (module and console script) against `python -c "import httpx,
  typer"` (the two libraries every command needs); target 1.3x.
- `prometheus-exec status` on the embedded simulator against that floor plus one probe round
  trip: a fresh `python -c` that imports httpx and typer and GETs OKX's public time from a
  simulator this bench keeps running; target 1.3x.
- the embedded simulator's own floor, against the same: that `python -c` importing, starting
  and stopping an EmbeddedSimulator around its GET (no command on it can be faster).
- `prometheus-exec status --venue okx-demo` against a simulator this bench keeps running (its
  keys and URLs in the environment, as a user points the engine at a host): the engine's own
  start and its reads, without starting a simulator. OKX allows 10 public/time a 2 s per IP and
  the simulator enforces it, so runs in a burst would meet 50011 and retry with back-off (a
  status reads public/time for its clock offset); that simulator's rate-limit windows are
  cleared before each of these runs (no other measure uses it), and the 429 answers it gave are
  counted and printed, so the figure is start-up, not the rate limit.

Rounds alternate all measures so load drifts hit them alike; medians are compared, with the
25th and 75th percentiles as the spread. Commands run in a scratch directory (status writes
its read-only run there), with bytecode caching on as a user has it (a PYTHONDONTWRITEBYTECODE
in the caller's environment is dropped: it made every project module compile from source on
every start, while the floor's libraries come precompiled from site-packages).

    .venv/bin/python -m bench.startup [--rounds 15]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simulator.embedded import EmbeddedSimulator

TARGET = 1.3
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
SCRIPT = str(Path(sys.executable).with_name("prometheus-exec"))
FLOOR = [sys.executable, "-c", "import httpx, typer"]
RTT_FLOOR = "import httpx, typer; httpx.get({url!r}).raise_for_status()"
# what any command on an embedded simulator pays before its own work: the floor plus importing,
# starting and stopping the simulator around one probe round trip (the design's own floor)
SIM_FLOOR = ("import httpx, typer\n"
             "from simulator.embedded import EmbeddedSimulator\n"
             "sim = EmbeddedSimulator(seed=7).start()\n"
             "httpx.get(sim.rest_url + '/api/v5/public/time').raise_for_status()\n"
             "sim.stop()")
CASES = {"--help": [sys.executable, "-m", "entrypoints", "--help"],
         "console script --help": [SCRIPT, "--help"],
         "--version": [sys.executable, "-m", "entrypoints", "--version"],
         "import entrypoints.cli": [sys.executable, "-c", "import entrypoints.cli"],
         "embedded simulator floor (start, one GET, stop)": [sys.executable, "-c", SIM_FLOOR],
         "status (embedded simulator)": [SCRIPT, "status"]}
RUNNING = "status on a running simulator (okx-demo venue)"
KEYS = {"api_key": "benchKey01", "secret": "benchSecret01", "passphrase": "benchPass01"}


def okx_demo_env(sim: EmbeddedSimulator) -> dict[str, str]:
    return {**{k: v for k, v in ENV.items() if not k.startswith(("OKX_", "PROMETHEUS_"))},
            "OKX_API_KEY": KEYS["api_key"], "OKX_API_SECRET": KEYS["secret"],
            "OKX_API_PASSPHRASE": KEYS["passphrase"], "OKX_REST_URL": sim.rest_url,
            "OKX_WS_URL": sim.ws_url}


def timed(argv: list[str], cwd: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=cwd, env=ENV if env is None else env)
    return time.perf_counter() - started


def spread(values: list[float]) -> str:
    q1, median, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return f"{median * 1000:.0f} ms | {q1 * 1000:.0f}-{q3 * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    with EmbeddedSimulator(seed=7) as sim, EmbeddedSimulator(**KEYS, seed=7) as demo, \
            tempfile.TemporaryDirectory() as scratch:
        floors = {"floor": FLOOR, "floor + one round trip": [
            sys.executable, "-c", RTT_FLOOR.format(url=f"{sim.rest_url}/api/v5/public/time")]}
        argvs = {**floors, **CASES, RUNNING: [SCRIPT, "status", "--venue", "okx-demo"]}
        envs = {RUNNING: okx_demo_env(demo)}
        samples: dict[str, list[float]] = {name: [] for name in argvs}
        for round_ in range(rounds + 1):  # round 0 warms the file cache and is dropped
            for name, argv in argvs.items():
                if name == RUNNING:
                    demo.runtime.limiter.reset()
                elapsed = timed(argv, scratch, envs.get(name))
                if round_:
                    samples[name].append(elapsed)
        limited = sum(1 for request in demo.runtime.requests() if request["status"] == 429)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"| measure | median of {rounds} | p25-p75 | vs its floor |\n|---|---:|---:|---:|")
    for name, values in samples.items():
        on_sim = name.startswith(("status", "embedded"))
        floor = medians["floor + one round trip" if on_sim else "floor"]
        print(f"| {name} | {spread(values)} | {medians[name] / floor:.2f}x |")
    for name, floor in (("--help", "floor"), ("status (embedded simulator)",
                                              "floor + one round trip")):
        ratio = medians[name] / medians[floor]
        print(f"{name} is {ratio:.2f}x {floor} (target <= {TARGET}x): "
              f"{'met' if ratio <= TARGET else 'NOT met'}")
    print(f"rate-limit answers (429/50011) to the okx-demo status runs: {limited}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
