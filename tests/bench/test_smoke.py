"""Every benchmark runs end to end with tiny counts (bench/__main__.py SMOKE_ARGS), so none
rots as the code under it changes. Nothing here looks at a timing: only that each bench ran
and printed the rows and ratios it exists to print."""

import os
import subprocess
from pathlib import Path

import pytest

from bench.__main__ import SMOKE_ARGS, command

ROOT = Path(__file__).resolve().parents[2]
# what each bench's output must name (its floor and the ratios it is read for)
EXPECTED = {
    "sim_throughput": ("floor",),
    "okx_adapter": ("raw-socket", "ccxt-raw", "python-okx", "adapter-ws+file",
                    "paired ratio adapter+file / ccxt:",
                    "paired ratio adapter-ws+file / ccxt-raw:"),
    "binance_adapter": ("raw-socket", "paired ratio adapter+file / ccxt"),
    "protection": ("floor: signed GET (RTT)", "open (market) -> stop seen",
                   "target 4 RTT + 20 ms", "Binance: floor signed GET", "round trips",
                   "ws_start", "streams up: the push came first",
                   "Binance: one-shot cost of the pushes"),
    "evidence_sink": ("group-commit", "fsync-each"),
    "verify_throughput": ("floor",),
    "profile_okx": ("(ours)", "lifecycles"),
    "recovery_scale": ("floor (20 algo placements / 2 s)", "rate-limit answers", "protected"),
    "replay": ("floor", "exchange", "client"),
    "startup": ("| floor |", "--help is", "| status on a running simulator (okx-demo venue) |",
                "rate-limit answers (429/50011) to the okx-demo status runs: 0"),
    "startup_split": ("status: its imports", "status: the command's work",
                      "imports beyond the floor", "by package: ", "attrs classes built",
                      "builtins.compile"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMOKE_ARGS))
def test_bench_runs_with_tiny_counts(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(command(name, smoke=True), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    for text in EXPECTED[name]:
        assert text in done.stdout, f"{name} printed no {text!r}:\n{done.stdout[-3000:]}"
