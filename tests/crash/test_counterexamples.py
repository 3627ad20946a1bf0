"""Counterexamples the kill harness and the soak found, shrunk to named regression tests."""

from decimal import Decimal
from pathlib import Path
from typing import Any

from application.close_position import ClosePositionCommand
from application.open_position import OpenPositionCommand
from application.recover_protection import RecoverCommand
from domain.orders import PositionSide
from entrypoints.container import Application
from tests.e2e.harness import SYMBOL, world

D = Decimal


def test_recovery_that_flattens_an_unexplained_drop_leaves_no_stop_behind(
        tmp_path: Path) -> None:
    # Found at kill seed 2, cycle 44: `regime --new SHOCK` killed after its de-risk order filled
    # but before the state recorded it. Recovery read the smaller position as a stop trigger,
    # flattened the rest, then planned on the position snapshot taken before the flatten and
    # protected the vanished position with a fresh stop: flat, yet a live stop of ours.
    with world(tmp_path) as w:
        async def open_short(c: Application) -> Any:
            return await c.use_cases.open_position().execute(OpenPositionCommand.of(
                SYMBOL, PositionSide.SHORT, D("0.10"), D("30600.0"), D("29700.0"), D("0.04"),
                D("29400.0"), D("0.03"), "kill44"))
        assert w.run(open_short).status == "opened"
        # the de-risk fill the killed engine never recorded
        (ack,) = w.sim.core.place_orders([{"instId": SYMBOL, "tdMode": "cross", "side": "buy",
                                           "ordType": "market", "sz": "0.03",
                                           "reduceOnly": True, "clOrdId": "pxDRkill4400"}])
        assert ack["sCode"] == "0"

        async def recover(c: Application) -> Any:
            return await c.use_cases.recover().execute(RecoverCommand((SYMBOL,)))
        w.run(recover, prefix="recover")
        positions = [p for p in w.sim.core.state.account.positions.values() if p.pos != 0]
        live = w.open_algos()
    assert not positions, "recovery flattened the unexplained drop"
    assert live == [], f"flat, so no stop of ours may stay live: {live}"


def test_a_close_whose_order_fills_in_parts_leaves_no_stop_on_the_flat_symbol(
        tmp_path: Path) -> None:
    # Found by bench.soak (seed 1, lifecycle 144): a partial_fill fault on the close's market
    # order. The exchange went flat, but ClosePosition told the stage machine only the part of
    # the close it had counted, and the machine re-protected the "rest" with a new stop.
    with world(tmp_path) as w:
        async def open_long(c: Application) -> Any:
            return await c.use_cases.open_position().execute(OpenPositionCommand.of(
                SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"), D("30300.0"), D("0.04"),
                D("30600.0"), D("0.03"), "soak144"))
        assert w.run(open_long).status == "opened"
        w.sim.faults.inject("partial_fill", SYMBOL, ratio=0.5, times=1)

        async def close(c: Application) -> Any:
            return await c.use_cases.close_position().execute(ClosePositionCommand(SYMBOL))
        closed = w.run(close, prefix="close")
        positions = [p for p in w.sim.core.state.account.positions.values() if p.pos != 0]
        live = w.open_algos()
    assert closed.status == "closed" and not positions
    assert live == [], f"flat, so no stop of ours may stay live: {live}"
    assert closed.state.position_state.stage.value == "FLAT"
