"""new_run_dir: a fresh, time-named directory per run, never an existing one."""

import threading
from pathlib import Path

import pytest

from adapters.evidence import new_run_dir
from adapters.evidence.run_dir import utc_iso_ms
from tests.fakes import FakeClock


def test_the_name_is_utc_time_prefix_and_a_counter(tmp_path: Path) -> None:
    clock = FakeClock(start_ms=1_795_317_540_000)  # 2026-11-22T03:19:00Z
    first = new_run_dir(tmp_path / "runs", clock, "probe")
    second = new_run_dir(tmp_path / "runs", clock, "probe")
    assert first.name == "20261122T031900Z_probe_1" and first.is_dir()
    assert second.name == "20261122T031900Z_probe_2"


def test_an_existing_directory_is_skipped_not_reused(tmp_path: Path) -> None:
    clock = FakeClock(start_ms=1_795_317_540_000)
    taken = tmp_path / "20261122T031900Z_probe_1"
    taken.mkdir()
    (taken / "m_execution_raw_part_0001.jsonl").write_text("earlier run\n")
    assert new_run_dir(tmp_path, clock, "probe").name == "20261122T031900Z_probe_2"


def test_runs_started_together_get_different_directories(tmp_path: Path) -> None:
    clock = FakeClock(start_ms=1_795_317_540_000)
    made: list[Path] = []
    threads = [threading.Thread(target=lambda: made.append(new_run_dir(tmp_path, clock, "live")))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(made)) == 8


@pytest.mark.parametrize("prefix", ["", "a/b", "..", "has_underscore", "x" * 41, "sp ace"])
def test_a_prefix_that_is_not_a_plain_word_is_refused(tmp_path: Path, prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        new_run_dir(tmp_path, FakeClock(), prefix)
    assert list(tmp_path.iterdir()) == []


def test_iso_time_is_utc_with_milliseconds() -> None:
    assert utc_iso_ms(1_763_780_000_007) == "2025-11-22T02:53:20.007Z"
