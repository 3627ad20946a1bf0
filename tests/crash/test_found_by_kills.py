"""Counterexamples the kill harness found, shrunk to named regression tests."""

from decimal import Decimal
from pathlib import Path
from typing import Any

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
            return await c.use_cases.open_position().execute(OpenPositionCommand(
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
