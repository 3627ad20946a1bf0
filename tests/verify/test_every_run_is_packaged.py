"""Every command's run directory is packaged when it ends: after a result, an error, Ctrl-C
(SIGINT) or SIGTERM; and each one verifies."""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.evidence.audit import audit_run
from adapters.state.lock import StoreLock
from entrypoints.cli import app
from tests.e2e.harness import SYMBOL, World, world

OPEN = ["open", "--symbol", SYMBOL, "--side", "long", "--qty", "0.10", "--stop", "29400.0",
        "--tp1", "30300.0", "--tp1-qty", "0.04", "--tp2", "30600.0", "--tp2-qty", "0.03"]


def cli(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def engine_env(w: World, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "engine.toml"
    config.write_text(f'runs_dir = "{tmp_path / "runs"}"\n'
                      f'state_path = "{tmp_path / "state" / "state.json"}"\n')
    return {**w.env(), "PROMETHEUS_CONFIG": str(config), "PROMETHEUS_VENUE": "okx-demo"}


def test_each_command_leaves_a_packaged_run_that_verifies(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        env = engine_env(w, tmp_path)
        steps = [[*OPEN, "--intent-id", "pk1"], ["status"], ["manage", "--symbol", SYMBOL],
                 ["regime", "--symbol", SYMBOL, "--new", "TREND"], ["recover"],
                 ["watch", "--run-for", "0.2"], ["close", "--symbol", SYMBOL], ["selfcheck"],
                 ["probe"]]
        run_dirs = []
        for args in steps:
            code, out = cli(env, *args)
            assert code == 0, (args, out)
            run_dirs.append(Path(out["run_dir"]))
    assert len(set(run_dirs)) == len(steps)
    for run_dir, args in zip(run_dirs, steps, strict=True):
        report = audit_run(run_dir)
        assert report.sealed and report.status == "intact", (args[0], report.findings)
        assert report.chain.records > 0


def test_a_command_that_fails_after_its_run_began_is_packaged_too(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        env = engine_env(w, tmp_path)
        lock = StoreLock(tmp_path / "state" / "state.json.lock")
        lock.acquire()  # as if another engine held the store
        try:
            # recover needs the lock (status would read a snapshot: issue 13)
            code, out = cli(env, "recover")
        finally:
            lock.release()
    assert code == 2 and "locked" in out["error"]
    report = audit_run(Path(out["run_dir"]))
    assert report.sealed and report.status == "intact"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_watch_stopped_by_a_signal_is_packaged(tmp_path: Path, signum: int,
                                                 code: int) -> None:
    with world(tmp_path) as w:
        # faulthandler: a watch that does not stop is made to print its threads' stacks
        env = {**os.environ, **engine_env(w, tmp_path), "PYTHONFAULTHANDLER": "1"}
        watch = subprocess.Popen([sys.executable, "-m", "entrypoints", "watch", "--json"],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        try:
            # the watch has subscribed to order pushes once it is running
            assert _wait(lambda: w.sim.ws_subscribers("orders") > 0)
            watch.send_signal(signum)
            try:
                out, err = watch.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                watch.send_signal(signal.SIGABRT)
                _, stacks = watch.communicate(timeout=10)
                pytest.fail(f"watch still running 30 s after signal {signum}:\n{stacks}")
        finally:
            watch.kill()
    assert watch.returncode == code, err
    payload = json.loads(out.splitlines()[-1])  # JSON Lines: the events, the result last
    assert payload["exit_code"] == code and payload["error"] in ("interrupted",
                                                                "terminated by SIGTERM")
    report = audit_run(Path(payload["run_dir"]))
    assert report.sealed and report.status == "intact", report.findings
    assert report.chain.records > 0


def _wait(predicate: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
