"""bench.invariants: the summary line counts how many algo-visibility-delay draws were the 60 s
variant (the one only a cancel by client id outlasts), and the bench runs end to end."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.invariants.machine import LONG_DELAY_MS, Tally, _fault_shape
from tests.invariants.world import BINANCE, OKX

ROOT = Path(__file__).resolve().parents[2]


def test_only_the_60_s_visibility_delay_is_counted_as_long(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Tally, "faults", {})
    monkeypatch.setattr(Tally, "long_delays", 0)
    for face in (OKX, BINANCE):
        for variant in range(4):
            _, params = _fault_shape("algo_visibility_delay", variant, face)
            Tally.fault("algo_visibility_delay", params)
    # other faults with a delay in ms are not visibility delays
    Tally.fault("latency", {"ms": LONG_DELAY_MS})
    Tally.fault("clock_skew", {"ms": 5000})
    assert Tally.long_delays == 2
    assert Tally.faults == {"algo_visibility_delay": 8, "latency": 1, "clock_skew": 1}


@pytest.mark.slow
def test_the_summary_line_says_how_many_delays_were_the_60_s_variant(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench.invariants", "--sequences", "3",
                           "--steps", "6", "--seed", "3"], cwd=ROOT, capture_output=True,
                          text=True, timeout=240, check=False,
                          env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    summary, *_ = done.stdout.splitlines()
    counted = re.search(r"60 s visibility delays (\d+) of (\d+)", summary)
    assert counted is not None, summary
    faults = re.search(r"algo_visibility_delay (\d+)", done.stdout.split("faults", 1)[1])
    drawn = int(faults.group(1)) if faults else 0
    assert int(counted.group(2)) == drawn and int(counted.group(1)) <= drawn, done.stdout
