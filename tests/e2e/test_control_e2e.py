"""One engine, many operator commands (issue 13): with `watch` running and holding the store,
`status` reads its snapshot and `close` / `halt` / `resume` are run by the watch itself and
printed by the caller as if it had run them; what happened is checked at the exchange."""

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from application.open_position import OpenPositionCommand
from domain.orders import PositionSide
from entrypoints.container import Application
from entrypoints.control import is_answering, socket_path
from tests.cli.conftest import run_cli
from tests.e2e.harness import SYMBOL, world
from tests.e2e.test_crash_recovery import wait_for

D = Decimal


def test_commands_beside_a_running_watch_are_run_by_it(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        state_path = tmp_path / "state" / "state.json"
        config = tmp_path / "engine.toml"
        config.write_text(f'runs_dir = "{tmp_path / "runs"}"\nstate_path = "{state_path}"\n')
        env = {**os.environ, **w.env(), "PROMETHEUS_CONFIG": str(config),
               "PROMETHEUS_VENUE": "okx-demo"}

        async def open_(c: Application) -> Any:
            return await c.use_cases.open_position().execute(OpenPositionCommand.of(
                SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"), D("30300.0"), D("0.04"),
                D("30600.0"), D("0.03"), "ctl1"))
        assert w.run(open_).status == "opened"
        engine = subprocess.Popen([sys.executable, "-m", "entrypoints", "watch", "--run-for",
                                   "120", "--json"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        sock = socket_path(state_path)
        try:
            assert wait_for(lambda: sock.exists() and is_answering(sock), 60)
            cli_env = {**w.env(), "PROMETHEUS_CONFIG": str(config),
                       "PROMETHEUS_VENUE": "okx-demo"}
            looked = run_cli(["status", "--json"], cli_env)
            assert looked.code == 0
            (row,) = looked.payload["symbols"]
            assert row["stage"] == "PRE_TP1" and row["symbol_state"]["position_state"][
                "intent_id"] == "ctl1"
            closed = run_cli(["close", "--symbol", SYMBOL, "--json"], cli_env)
            assert closed.code == 0, closed
            doc = closed.payload
            assert (doc["command"], doc["status"], doc["exit"]) == ("close", "closed", "DONE")
            # the watch's run directory holds it: the engine ran it
            assert "_watch_" in str(doc["run_dir"])
            assert not any(p.pos for p in w.sim.core.state.account.positions.values())
            assert not w.open_algos()
            halted = run_cli(["halt", "--reason", "beside watch", "--json"], cli_env)
            assert halted.code == 0 and halted.payload["command"] == "halt"
            assert "_watch_" in str(halted.payload["run_dir"])
            refused = run_cli(["open", "--symbol", SYMBOL, "--side", "long", "--qty", "0.10",
                               "--stop", "29400", "--tp1", "30300", "--tp1-qty", "0.04",
                               "--tp2", "30600", "--tp2-qty", "0.03", "--intent-id", "ctl2",
                               "--json"], cli_env)
            assert refused.code == 4 and "freeze" in str(refused.payload["reason"])
            assert w.orders_with("pxENctl200") == []
            # a human caller sees the engine's steps as they happen, on its own stderr
            human = run_cli(["open", "--symbol", SYMBOL, "--side", "long", "--qty", "0.10",
                             "--stop", "29400", "--tp1", "30300", "--tp1-qty", "0.04",
                             "--tp2", "30600", "--tp2-qty", "0.03", "--intent-id", "ctl4"],
                            cli_env)
            assert human.code == 4 and "rejected_by_gate" in human.stdout
            assert "gate: rejected (locked:" in human.stderr
            resumed = run_cli(["resume", "--json"], cli_env)
            assert resumed.code == 0 and resumed.payload["symbols"] == [SYMBOL]
            # bad input is refused with exit 2 wherever it is found, and nothing is sent
            bad = run_cli(["open", "--symbol", SYMBOL, "--side", "long", "--qty", "0.105",
                           "--stop", "29400", "--tp1", "30300", "--tp1-qty", "0.04",
                           "--tp2", "30600", "--tp2-qty", "0.03", "--intent-id", "ctl3",
                           "--json"], cli_env)
            assert bad.code == 2 and "lotSz" in str(bad.payload)
            assert w.orders_with("pxENctl300") == []
        finally:
            engine.send_signal(signal.SIGTERM)
            out, _ = engine.communicate(timeout=30)
        assert not sock.exists()  # the watch took its socket away
        # --json: JSON Lines, one object per event as it happened, the result last
        lines = [json.loads(line) for line in out.decode().splitlines()]
        events = [line["event"] for line in lines[:-1]]
        (armed,) = [e for e in events if e.startswith("dead-man switch armed")]
        # OKX's timer has no tag: the operator is told it takes every pending order with it
        assert "account-wide" in armed and "any other software's" in armed, armed
        assert "dead-man switch disarmed (watch stopped)" in events
        assert any(e.startswith("calibrated BTC-USDT-SWAP: q95_1m") for e in events), events
        assert lines[-1]["command"] == "watch" and lines[-1]["exit_code"] == 143
