"""≥ 200 SIGKILLs of a real engine process at points of order flow, evidence append and state
flush (tests/crash/harness.py): after each, the state loads, the killed run verifies or shows
only crash remnants, and `recover` leaves every position under exactly one stop."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crash.harness import run_lanes

KILLS = 200
SEED = 20261130


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    # tmpfs when there is one: a SIGKILL loses nothing the OS already has, so fsync's cost on
    # disk would only slow the test down, not change what it proves
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="prometheus-crash-") as scratch:
            yield Path(scratch)
    else:
        yield tmp_path


@pytest.mark.slow
def test_the_engine_survives_200_kills_at_every_kind_of_write(workdir: Path) -> None:
    tally = run_lanes(workdir, SEED, KILLS, lanes=2)
    summary = tally.summary()
    assert tally.violations == [], "\n".join(tally.violations[:10])
    assert tally.killed >= KILLS, summary
    assert all(tally.kills[kind] > 0 for kind in ("evidence", "state", "order", "time")), summary
    # the kills did land mid-write: torn tails and unpackaged runs, each read as a crash
    assert tally.remnants["torn last line"] > 0 and tally.remnants["no package"] > 0, summary
    assert set(tally.crash_runs) <= {"unfinished", "intact", "empty"}, summary
    print(summary)
