"""Kill the engine mid-position (SIGKILL, no cleanup) and start again: the stop comes back."""

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from application.recover_protection import RecoverCommand
from domain.state import PositionStage
from tests.e2e.harness import SYMBOL, world

D = Decimal


def wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def stored_position(state_path: Path) -> dict:
    try:
        doc = json.loads(state_path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return doc["symbols"].get(SYMBOL, {}).get("position_state", {})


def stop_id_allocated(state_path: Path) -> bool:
    """The engine persists a stop's client id before it sends the stop."""
    pos = stored_position(state_path)
    return pos.get("stage") == "PRE_TP1" and ["SL", 1] in pos.get("next_attempts", [])


def test_a_killed_engine_leaves_a_position_whose_stop_recovery_restores(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        # the stop request is held long enough for the kill to land before it is processed
        fault = w.sim.faults.inject("latency", "trade/order-algo", ms=20_000, times=1)
        config = tmp_path / "engine.toml"
        config.write_text(f'runs_dir = "{tmp_path / "runs"}"\n'
                          f'state_path = "{tmp_path / "state" / "state.json"}"\n')
        env = {**os.environ, **w.env(), "PROMETHEUS_CONFIG": str(config)}
        engine = subprocess.Popen(
            [sys.executable, "-m", "entrypoints", "open", "--venue", "okx-demo",
             "--symbol", SYMBOL, "--side", "long", "--qty", "0.10", "--stop", "29400.0",
             "--tp1", "30300.0", "--tp1-qty", "0.04", "--tp2", "30600.0", "--tp2-qty", "0.03",
             "--intent-id", "kill1", "--json"], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        state_path = tmp_path / "state" / "state.json"
        try:
            assert wait_for(lambda: stop_id_allocated(state_path), 30)
            time.sleep(0.3)  # the stop request is now held by the injected latency
        finally:
            engine.send_signal(signal.SIGKILL)
            engine.wait(10)
        assert engine.returncode == -signal.SIGKILL
        positions = w.sim.core.state.account.positions
        assert any(p.pos == D("0.10") for p in positions.values())
        assert not w.open_algos(), "the stop must not exist yet: the process died first"
        w.sim.faults.clear(fault)

        async def restart(c):
            return await c.use_cases.recover().execute(RecoverCommand((SYMBOL,)))
        recovered = w.run(restart, prefix="recover")
        (stop,) = w.open_algos()
        assert stop.sl_trigger_px == D("29400.0") and stop.sz == D("0.10")
        assert stop.reduce_only and stop.sl_trigger_px_type == "mark"
    (row,) = [s for s in recovered.symbols if s.symbol == SYMBOL]
    assert any("needs replacing" in a for a in row.actions)
    doc = json.loads(state_path.read_text())["symbols"][SYMBOL]["position_state"]
    assert doc["stage"] == PositionStage.PRE_TP1.value and doc["sl_confirmed"] is True
    assert doc["sl_algo"]["client_algo_id"] == stop.algo_cl_ord_id == "pxSLkill101"
