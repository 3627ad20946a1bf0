"""Kill the engine mid-position (SIGKILL, no cleanup) and start again: a position the store
proves was protected gets its stop back; one it does not is flattened (seed 001 §3)."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from application.open_position import OpenPosition, OpenPositionCommand, OpenPositionDone
from application.recover_protection import ProtectionRecovered, RecoverCommand, RecoverProtection
from domain.orders import PositionSide
from domain.state import PositionStage
from entrypoints.container import Application
from tests.e2e.harness import SYMBOL, world

D = Decimal


def wait_for(predicate: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def stored_position(state_path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(state_path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    position: dict[str, Any] = doc["symbols"].get(SYMBOL, {}).get("position_state", {})
    return position


def stop_id_allocated(state_path: Path) -> bool:
    """The engine persists a stop's client id before it sends the stop."""
    pos = stored_position(state_path)
    return pos.get("stage") == "PRE_TP1" and ["SL", 1] in pos.get("next_attempts", [])


def test_a_position_killed_before_its_stop_was_confirmed_is_flattened(tmp_path: Path) -> None:
    """Seed 001 §3: a position without a visible stop is a P0 flatten. The store does not prove
    this one was ever protected (the engine died between the entry fill and the stop), so
    recovery flattens it instead of re-creating a stop (issue 13)."""
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
        assert stored_position(state_path)["sl_confirmed"] is False
        w.sim.faults.clear(fault)

        async def restart(c: Application) -> ProtectionRecovered:
            use_case: RecoverProtection = c.use_cases.recover()
            return await use_case.execute(RecoverCommand((SYMBOL,)))
        recovered = w.run(restart, prefix="recover")
        assert all(p.pos == 0 for p in w.sim.core.state.account.positions.values())
        assert not w.open_algos()
        flatten = [o for o in w.sim.core.state.orders.values()
                   if o.cl_ord_id.startswith("pxFLkill1")]
        assert flatten and all(o.reduce_only for o in flatten)
    (row,) = [s for s in recovered.symbols if s.symbol == SYMBOL]
    assert any(a.startswith("stop missing: no confirmed stop on record") for a in row.actions)
    doc = json.loads(state_path.read_text())["symbols"][SYMBOL]
    assert doc["position_state"]["stage"] == PositionStage.FLAT.value
    assert doc["cooldown_until"]["loss"] > 0 and doc["cooldown_until"]["freeze"] > 0
    events = [json.loads(line) for line in
              (tmp_path / "state" / "events.jsonl").read_text().splitlines()]
    recover = [e for e in events if e.get("event_type") == "SL_RECOVER"
               and e["reason"].startswith("stop missing")]
    assert recover and recover[0]["client_ids"] and \
        all(c.startswith("pxFLkill1") for c in recover[0]["client_ids"])


def test_a_confirmed_stop_gone_while_the_engine_was_down_is_recreated(tmp_path: Path) -> None:
    """The store proves the position was protected until the engine stopped: the gap opened
    while it was away, and recovery places the stop again (issue 13's exception to §3)."""
    with world(tmp_path) as w:
        async def open_(c: Application) -> OpenPositionDone:
            use_case: OpenPosition = c.use_cases.open_position()
            return await use_case.execute(OpenPositionCommand.of(
                symbol=SYMBOL, side=PositionSide.LONG, qty=D("0.10"), stop_price=D("29400.0"),
                tp1_price=D("30300.0"), tp1_qty=D("0.04"), tp2_price=D("30600.0"),
                tp2_qty=D("0.03"), intent_id="gone1"))
        opened = w.run(open_, prefix="open")
        assert opened.state.position_state.sl_confirmed
        (stop,) = w.open_algos()
        # the stop disappears at the exchange while no engine runs
        w.sim.core.cancel_algos([{"instId": SYMBOL, "algoId": stop.algo_id}])
        assert not w.open_algos()

        async def restart(c: Application) -> ProtectionRecovered:
            use_case: RecoverProtection = c.use_cases.recover()
            return await use_case.execute(RecoverCommand((SYMBOL,)))
        recovered = w.run(restart, prefix="recover")
        (again,) = w.open_algos()
        assert again.sl_trigger_px == D("29400.0") and again.sz == D("0.10")
        assert again.algo_cl_ord_id != stop.algo_cl_ord_id
        assert any(p.pos == D("0.10") for p in w.sim.core.state.account.positions.values())
    (row,) = [s for s in recovered.symbols if s.symbol == SYMBOL]
    assert any("was confirmed before the engine stopped: re-create it" in a
               for a in row.actions)
