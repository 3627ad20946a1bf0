"""bench.replay runs end to end with tiny counts, so it cannot rot (no timing is asserted)."""

import sys

import pytest

from bench import replay as bench_replay


def test_bench_replay_runs_with_tiny_counts(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["bench.replay", "--calls", "30", "--rounds", "1",
                                      "--sessions", "1"])
    bench_replay.main()
    out = capsys.readouterr().out
    for line in ("floor", "load", "exchange", "client", "command"):
        assert f"  {line}" in out
    assert "recording: 32 records (30 REST calls)" in out
