"""ShockGuard and the dead-man switch against the simulator: q95 calibrated from the exchange's
mark klines, a jump beyond q95 x multiplier closes the runner at once, a smaller move does not;
resting orders die when the engine stops refreshing cancel-all-after, the stop stays."""

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

from application.manage_position import ManagePositionCommand
from application.open_position import OpenPositionCommand
from application.watch import WatchCommand
from domain.orders import PositionSide
from domain.params import Params
from domain.state import PositionStage
from entrypoints.container import Application
from tests.e2e.harness import SYMBOL, World, world

D = Decimal


def cmd(intent: str) -> OpenPositionCommand:
    return OpenPositionCommand.of(SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"),
                                  D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), intent)


def runner_only(w: World, intent: str) -> None:
    async def open_(c: Application) -> Any:
        return await c.use_cases.open_position().execute(cmd(intent))
    assert w.run(open_).status == "opened"
    w.sim.set_price(SYMBOL, D("30700"))           # both take-profits fill

    async def manage(c: Application) -> Any:
        return await c.use_cases.manage_position().execute(ManagePositionCommand(SYMBOL))
    assert w.run(manage).state.position_state.stage is PositionStage.RUNNER_ONLY


def test_a_jump_beyond_q95_times_the_multiplier_closes_the_runner_at_once(
        tmp_path: Path) -> None:
    # a virtual clock: the seeded price walk gives the history its moves (the calibration
    # needs them) while live prices move only when the test says
    with world(tmp_path, virtual_clock=True, price_walk=True) as w:
        runner_only(w, "sg1")
        multiplier = float(Params().shockguard.shock_multiplier)

        async def body(c: Application) -> Any:
            shock = c.use_cases.shock_watch()
            store = c.adapters.store()
            calibrated = await shock.calibrate_due((SYMBOL,))
            guard = store.get_symbol_state(SYMBOL).shockguard
            assert [s.kind for s in calibrated] == ["calibrated"]
            assert guard.q95_1m is not None and guard.q95_3m is not None
            assert guard.recalib_ts > 0
            assert await shock.calibrate_due((SYMBOL,)) == []   # not due again yet
            assert await shock.poll((SYMBOL,)) == []            # the first price: no move
            threshold = guard.q95_1m * multiplier
            # half the threshold: no shock
            w.sim.advance(1)
            w.sim.set_price(SYMBOL, D(round(30700 * math.exp(threshold / 2), 1)))
            assert await shock.poll((SYMBOL,)) == []
            assert store.get_symbol_state(SYMBOL).position_state.stage is \
                PositionStage.RUNNER_ONLY
            # twice the threshold against the lowest price of the last minute: SHOCK
            w.sim.advance(1)
            w.sim.set_price(SYMBOL, D(round(30700 * math.exp(threshold * 2), 1)))
            seen = await shock.poll((SYMBOL,))
            return seen, store.get_symbol_state(SYMBOL)
        seen, state = w.run(body)
        assert [s.kind for s in seen] == ["shock"]
        assert state.position_state.stage is PositionStage.FLAT
        assert state.last_regime.value == "SHOCK"
        assert state.shockguard.trigger_count_60m == 1
        (runner_close,) = w.orders_with("pxRMsg100")
        assert runner_close.reduce_only and runner_close.acc_fill_sz == D("0.03")
        assert not w.open_algos()


def test_an_engine_that_stops_refreshing_the_switch_loses_its_resting_orders_not_its_stop(
        tmp_path: Path) -> None:
    with world(tmp_path, virtual_clock=True) as w:
        async def open_(c: Application) -> Any:
            return await c.use_cases.open_position().execute(cmd("dm1"))
        assert w.run(open_).status == "opened"
        resting = [o.cl_ord_id for o in w.sim.core.state.orders.values() if o.state == "live"]
        assert sorted(resting) == ["pxT1dm100", "pxT2dm100"]
        # the engine dies after arming: its last words (the disarm) never reach the exchange
        w.sim.faults.inject("busy", "trade/cancel-all-after", processed=False, times=1,
                            skip=1)

        async def watch(c: Application) -> Any:
            return await c.use_cases.watch().execute(WatchCommand((SYMBOL,), run_for_s=0.3,
                                                                  dead_man_s=10))
        w.run(watch)
        assert w.sim.core.state.countdowns        # armed, and the disarm was lost
        w.sim.advance(9)
        assert all(o.state == "live" for o in w.sim.core.state.orders.values()
                   if o.cl_ord_id in resting)
        w.sim.advance(2)
        cancelled = {o.cl_ord_id: (o.state, o.cancel_source)
                     for o in w.sim.core.state.orders.values() if o.cl_ord_id in resting}
        assert cancelled == {cid: ("canceled", "20") for cid in resting}
        (stop,) = w.open_algos()
        assert stop.algo_cl_ord_id == "pxSLdm100"




def test_a_watch_stopped_on_purpose_disarms_the_switch_and_leaves_its_orders(
        tmp_path: Path) -> None:
    with world(tmp_path, virtual_clock=True) as w:
        async def open_(c: Application) -> Any:
            return await c.use_cases.open_position().execute(cmd("dm2"))
        assert w.run(open_).status == "opened"

        async def watch(c: Application) -> Any:
            return await c.use_cases.watch().execute(WatchCommand((SYMBOL,), run_for_s=0.3,
                                                                  dead_man_s=10))
        w.run(watch)
        armed = [r for r in w.sim.requests() if r["path"] == "/api/v5/trade/cancel-all-after"]
        assert [r["body"] for r in armed] == ['{"timeOut":"10"}', '{"timeOut":"0"}']
        assert not w.sim.core.state.countdowns
        w.sim.advance(30)
        assert sorted(o.cl_ord_id for o in w.sim.core.state.orders.values()
                      if o.state == "live") == ["pxT1dm200", "pxT2dm200"]
