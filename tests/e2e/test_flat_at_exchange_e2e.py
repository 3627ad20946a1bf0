"""A position the exchange no longer holds while the store still has it open, and the events
that would explain the difference cannot be applied: recovery closes the stored trade from its
own side (the entry's), never from the now-flat exchange position, and records it from the
exchange's fills (found by lane cli as `watch` exiting 3 with "a flat position has no entry
side" after TP1 and a stop through breakeven)."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from application.manage_position import ManagePositionCommand
from application.open_position import OpenPositionCommand
from application.recover_protection import RecoverCommand
from domain.orders import PositionSide
from domain.state import PositionStage
from entrypoints.container import Application
from tests.e2e.harness import SYMBOL, world
from tests.e2e.test_rolling_e2e import realised_r

D = Decimal


def test_a_trade_the_exchange_closed_is_closed_from_its_entry_side(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        async def open_(c: Application) -> Any:
            return await c.use_cases.open_position().execute(OpenPositionCommand.of(
                SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"), D("30300.0"), D("0.04"),
                D("30600.0"), D("0.03"), "flat1"))
        assert w.run(open_).status == "opened"

        # the stored plan no longer matches what the exchange will fill for TP1 (as after a
        # resize the engine did not live to see through): its Tp1Filled cannot be applied
        async def skew(c: Application) -> None:
            store = c.adapters.store()
            state = store.get_symbol_state(SYMBOL)
            pos = state.position_state
            store.set_symbol_state(SYMBOL, attrs.evolve(state, position_state=attrs.evolve(
                pos, tp1_qty=D("0.05"), qty_runner=pos.qty_runner - D("0.01"))))
            store.flush()
        w.run(skew)
        w.sim.set_price(SYMBOL, D("30400"))    # TP1 fills 0.04 at the exchange
        w.sim.set_price(SYMBOL, D("29000"))    # the stop (0.10, reduce-only) closes the rest
        assert w.sim.core.admin_positions() == []   # flat at the exchange

        async def recover(c: Application) -> Any:
            done = await c.use_cases.recover().execute(RecoverCommand((SYMBOL,)))
            return done, c.adapters.store().get_symbol_state(SYMBOL)
        done, state = w.run(recover)
        assert done.needs_attention          # the unexplained close is said, not hidden
        assert state.position_state.stage is PositionStage.FLAT
        assert not w.open_algos()            # no stop of ours left behind
        # the trade is recorded from the exchange's fills: a LONG entry, sold in two parts
        health = state.health_roll
        assert health.trade_n == 1
        assert health.avg_r == pytest.approx(realised_r(w, "flat1"))
        assert health.win_rate == (1.0 if health.avg_r > 0 else 0.0)
        # TP1 filled, TP2 cancelled when the position went flat: two terminal limit orders
        quality = state.exec_quality_roll
        tps = [o for o in w.sim.core.state.orders.values() if o.cl_ord_id.startswith(
            ("pxT1flat1", "pxT2flat1"))]
        assert quality.sample_n == len(tps) == 2
        assert quality.fill_rate_30 == pytest.approx(float(
            sum(o.acc_fill_sz for o in tps) / sum(o.sz for o in tps)))
        assert quality.cancel_rate_30 == 0.5
        (row,) = [s for s in done.symbols if s.symbol == SYMBOL]
        assert any("holds nothing" in a for a in row.actions), row.actions

        async def manage(c: Application) -> Any:
            return await c.use_cases.manage_position().execute(ManagePositionCommand(SYMBOL))
        assert w.run(manage).state.position_state.stage is PositionStage.FLAT
