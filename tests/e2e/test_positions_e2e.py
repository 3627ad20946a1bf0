"""Position use-cases end to end: the real adapter against the simulator, faults injected."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from dependency_injector import providers

from application.manage_position import (
    ManagePositionCommand,
    PositionManaged,
    RegimeShiftCommand,
    RegimeShifted,
)
from application.open_position import OpenPosition, OpenPositionCommand, OpenPositionDone
from application.selfcheck import RunSelfCheck, SelfCheck, SelfCheckDone
from application.sentinel import POLL_INTERVAL_S
from domain.orders import PositionSide
from domain.regime import Regime
from domain.state import PositionStage
from entrypoints.container import Application
from tests.e2e.harness import SYMBOL, world
from tests.invariants.world import SimClock

D = Decimal


def long_cmd(intent: str) -> OpenPositionCommand:
    return OpenPositionCommand.of(SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"),
                               D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), intent)


def raw_records(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in
            (run_dir / "m_execution_raw_part_0001.jsonl").read_text().splitlines()]


def test_a_stop_invisible_for_1500_ms_is_flattened_within_the_deadline_plus_a_round_trip(
        tmp_path: Path) -> None:
    # the engine's clock is the simulator's virtual clock (its sleeps advance it), so the
    # deadline is measured in exchange time and CPU load cannot stretch or shrink it
    with world(tmp_path, virtual_clock=True) as w:
        w.sim.faults.inject("algo_visibility_delay", "trade/order-algo", ms=1500, times=1)
        container = w.container()
        container.core.clock.override(providers.Object(SimClock(w.sim)))

        async def body(c: Application) -> tuple[OpenPositionDone, OpenPositionDone]:
            opened = await c.use_cases.open_position().execute(long_cmd("inv1"))
            again = await c.use_cases.open_position().execute(long_cmd("inv2"))
            return opened, again
        from entrypoints.lifecycle import run
        opened, again = run(container, body)
        assert opened.status == "flattened"
        assert again.status == "rejected_by_gate" and "freeze" in again.reason
        assert not w.sim.core.state.account.positions or all(
            p.pos == 0 for p in w.sim.core.state.account.positions.values())
        (flatten,) = w.orders_with("pxFLinv100")
        assert flatten.reduce_only and flatten.state == "filled"
        assert flatten.acc_fill_sz == D("0.10")
        (stop,) = w.sim.core.state.algos.values()
        assert stop.algo_cl_ord_id == "pxSLinv100" and stop.state == "canceled"
        records = raw_records(container.adapters.run_dir())
    state = opened.state
    assert state.position_state.stage is PositionStage.FLAT
    locked_at = records[-1]["wall_ms"] // 1000
    # 30 min emergency locks; the loss lock may be longer when the flattened trade lost
    assert state.cooldown_until.freeze >= locked_at + 1799
    assert state.cooldown_until.loss >= locked_at + 1799
    stop_ack = next(r for r in records if r["endpoint"] == "POST /api/v5/trade/order-algo")
    flat_ack = next(r for r in records if r["endpoint"] == "POST /api/v5/trade/order"
                    and "pxFL" in json.dumps(r["request"]["body"]))
    elapsed_ms = (flat_ack["mono_s"] - stop_ack["mono_s"]) * 1000
    # a round trip costs no exchange time: the flatten leaves at the 1,000 ms deadline, at
    # most one visibility poll interval late
    assert 1000 <= elapsed_ms <= 1000 + POLL_INTERVAL_S * 1000, elapsed_ms


def test_a_lost_answer_to_an_accepted_entry_leaves_exactly_one_order(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.sim.faults.inject("drop_after_accept", "trade/order", times=1, mode="reset")

        async def body(c: Application) -> OpenPositionDone:
            use_case: OpenPosition = c.use_cases.open_position()
            return await use_case.execute(long_cmd("drop1"))
        done = w.run(body)
        assert done.status == "opened", done
        assert len(w.orders_with("pxENdrop100")) == 1
        (stop,) = w.open_algos()
        assert stop.algo_cl_ord_id == "pxSLdrop100" and stop.sl_trigger_px == D("29400.0")


def test_shock_with_a_runner_closes_it_at_once(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        async def open_(c: Application) -> OpenPositionDone:
            use_case: OpenPosition = c.use_cases.open_position()
            return await use_case.execute(long_cmd("run1"))
        assert w.run(open_).status == "opened"
        w.sim.set_price(SYMBOL, D("30700"))  # both take-profits fill

        async def manage_then_shock(c: Application) -> tuple[PositionManaged, RegimeShifted]:
            managed = await c.use_cases.manage_position().execute(
                ManagePositionCommand(SYMBOL))
            shocked = await c.use_cases.regime_shift().execute(
                RegimeShiftCommand(SYMBOL, Regime.SHOCK))
            return managed, shocked
        managed, shocked = w.run(manage_then_shock)
        assert managed.observed == ("Tp1Filled", "Tp2Filled")
        assert managed.state.position_state.stage is PositionStage.RUNNER_ONLY
        assert shocked.state.position_state.stage is PositionStage.FLAT
        (runner_close,) = w.orders_with("pxRMrun100")
        assert runner_close.reduce_only and runner_close.ord_type == "market"
        assert runner_close.acc_fill_sz == D("0.03")
        assert not w.open_algos()
        assert [name for _, name in shocked.steps][-1] == "EmitRegimeShiftLog"


def test_selfcheck_refuses_a_skewed_clock(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        async def check(c: Application) -> SelfCheckDone:
            use_case: SelfCheck = c.use_cases.selfcheck()
            return await use_case.execute(RunSelfCheck(
                "okx-demo", (SYMBOL,), "sc1", with_orders=True))
        healthy = w.run(check, uses_store=True)
        assert healthy.all_passed, healthy.checks
        w.sim.faults.inject("clock_skew", ms=5000)
        skewed = w.run(check, uses_store=True)
        failed = {c.name for c in skewed.checks if not c.passed}
        assert failed == {"rest connectivity and clock skew"}
