"""On Binance, a killed engine loses no stop, and a listen key that expires while `watch` runs
is made anew and the gap recovered. Real processes, real sockets, the real clock; every wait
is for a condition (the time limits only bound a failure)."""

import asyncio
import contextlib
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

from application.recover_protection import RecoverCommand
from application.watch import WatchCommand
from domain.state import PositionStage
from entrypoints.container import Application
from tests.e2e.binance_harness import SYMBOL, binance_world, long_cmd

D = Decimal


def wait_for(predicate: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


async def until(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Wait (without blocking the engine's loop) until the exchange shows what we wait for."""
    deadline = time.monotonic() + timeout_s
    while not await asyncio.to_thread(predicate):
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def stored_position(state_path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(state_path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return dict(doc["symbols"].get(SYMBOL, {}).get("position_state", {}))


def kill_open(w: Any, tmp_path: Path, intent: str, held: str) -> None:
    """Run `open` as its own process on binance-testnet (pointed at the simulator) and SIGKILL
    it while the exchange holds the request of fault `held`."""
    config = tmp_path / "engine.toml"
    config.write_text(f'runs_dir = "{tmp_path / "runs"}"\n'
                      f'state_path = "{tmp_path / "state" / "state.json"}"\n')
    env = {**os.environ, **w.env(), "PROMETHEUS_CONFIG": str(config)}
    engine = subprocess.Popen(
        [sys.executable, "-m", "entrypoints", "open", "--venue", "binance-testnet",
         "--symbol", SYMBOL, "--side", "long", "--qty", "0.010", "--stop", "29400",
         "--tp1", "30300", "--tp1-qty", "0.004", "--tp2", "30600", "--tp2-qty", "0.003",
         "--intent-id", intent, "--json"], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: any(f["id"] == held for f in w.sim.faults.fired()), 60), \
            (engine.stderr.read().decode()
             if engine.stderr and engine.poll() is not None else "not sent")
    finally:
        engine.send_signal(signal.SIGKILL)
        engine.wait(10)
    assert engine.returncode == -signal.SIGKILL
    w.sim.faults.clear(held)


async def restart(c: Application) -> Any:
    return await c.use_cases.recover().execute(RecoverCommand((SYMBOL,)))


def test_a_position_killed_before_its_stop_was_confirmed_is_flattened(tmp_path: Path) -> None:
    """Seed 001 §3: the store does not prove this position was ever protected (the engine died
    between the entry fill and the stop), so the restart flattens it and locks the symbol."""
    with binance_world(tmp_path, virtual=False, venue="binance-testnet") as w:
        # the stop request is held at the exchange long enough for the kill to land first
        held = w.sim.faults.inject("latency", "fapi/v1/algoOrder", method="POST", ms=20_000,
                                   times=1)
        kill_open(w, tmp_path, "kill1", held)
        assert w.position() == D("0.010")
        assert w.live_algos() == [], "the stop must not exist yet: the process died first"
        assert stored_position(tmp_path / "state" / "state.json")["sl_confirmed"] is False
        recovered = w.run(restart, prefix="recover")
        assert w.position() == 0 and w.live_algos() == []
        flatten = [o for o in w.admin("/sim/orders")["orders"]
                   if o["clOrdId"].startswith("pxFLkill1")]
        assert flatten and all(o["reduceOnly"] and o["side"] == "sell" for o in flatten)
    (row,) = [s for s in recovered.symbols if s.symbol == SYMBOL]
    assert any(a.startswith("stop missing: no confirmed stop on record") for a in row.actions)
    doc = json.loads((tmp_path / "state" / "state.json").read_text())["symbols"][SYMBOL]
    assert doc["position_state"]["stage"] == PositionStage.FLAT.value
    assert doc["cooldown_until"]["loss"] > 0 and doc["cooldown_until"]["freeze"] > 0


def test_a_killed_engine_finds_its_stop_in_open_algo_orders_after_the_restart(
        tmp_path: Path) -> None:
    """Killed after the stop was confirmed (while TP1 was being placed): the restart's recovery
    reads openAlgoOrders and keeps that stop: no second one, nothing flattened."""
    with binance_world(tmp_path, virtual=False, venue="binance-testnet") as w:
        # the entry passes; TP1 (the next POST /fapi/v1/order) is held until the kill
        held = w.sim.faults.inject("latency", "fapi/v1/order", method="POST", ms=20_000,
                                   times=1, skip=1)
        kill_open(w, tmp_path, "kill2", held)
        assert w.position() == D("0.010")
        (stop,) = w.live_algos()
        assert stop["algoClOrdId"] == "pxSLkill200"
        assert stored_position(tmp_path / "state" / "state.json")["sl_confirmed"] is True
        reads = len(w.requests("/fapi/v1/openAlgoOrders"))
        recovered = w.run(restart, prefix="recover")
        assert len(w.requests("/fapi/v1/openAlgoOrders")) > reads
        (kept,) = w.live_algos()
        assert (kept["algoClOrdId"], kept["sz"], kept["slTriggerPx"], kept["slTriggerPxType"],
                kept["reduceOnly"], kept["side"]) == ("pxSLkill200", "0.01", "29400", "mark",
                                                      True, "sell")
        assert w.position() == D("0.010")
    (row,) = [s for s in recovered.symbols if s.symbol == SYMBOL]
    assert not any("flatten" in a for a in row.actions), row.actions
    pos = stored_position(tmp_path / "state" / "state.json")
    assert pos["stage"] == PositionStage.PRE_TP1.value and pos["sl_confirmed"] is True
    assert pos["sl_algo"]["client_algo_id"] == "pxSLkill200"


def test_an_expired_listen_key_during_watch_is_made_anew_and_the_gap_recovered(
        tmp_path: Path) -> None:
    with binance_world(tmp_path, virtual=False) as w:
        async def open_(c: Application) -> Any:
            return await c.use_cases.open_position().execute(long_cmd("gap1"))
        assert w.run(open_).status == "opened"
        keys_before = len(w.requests("/fapi/v1/listenKey"))

        def algo_reads() -> int:
            return len(w.requests("/fapi/v1/openAlgoOrders"))

        def restored() -> bool:
            return [a["algoClOrdId"] for a in w.live_algos()] == ["pxSLgap101"]

        async def watch_through_a_gap(c: Application) -> int:
            reads = algo_reads()
            watch = asyncio.create_task(c.use_cases.watch().execute(WatchCommand((SYMBOL,))))
            await until(lambda: algo_reads() > reads)  # the start's recovery has looked
            refuse = w.sim.faults.inject("ws_refuse", "ws/user")
            w.sim.faults.inject("listen_key_expiry", "*")
            # the user stream is down (its reconnect refused): what happens now is not pushed
            await until(lambda: any(f["id"] == refuse for f in w.sim.faults.fired()))
            w.cancel_behind_the_engines_back("pxSLgap100")
            w.sim.faults.clear(refuse)
            await until(restored)
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
            return len(w.requests("/fapi/v1/listenKey"))

        keys_after = w.run(watch_through_a_gap, prefix="watch")
        assert keys_after > keys_before  # the expired key was made anew
        (stop,) = w.live_algos()
        assert (stop["sz"], stop["slTriggerPx"], stop["reduceOnly"]) == ("0.01", "29400", True)
        gone = [a for a in w.admin("/sim/algos")["algos"] if a["algoClOrdId"] == "pxSLgap100"]
        assert gone[0]["state"] == "canceled"
