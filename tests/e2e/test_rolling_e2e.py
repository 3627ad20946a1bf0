"""Rolling blocks from the simulator's own fills: a losing trade and a winning one on the real
OKX adapter leave exactly the health_roll / exec_quality_roll a direct recomputation from the
exchange's fills gives, lock the losing template only, and `status` shows the full state."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from application.manage_position import ManagePositionCommand, RegimeShiftCommand
from application.open_position import OpenPositionCommand
from application.status import StatusCommand, SymbolStatus
from domain.orders import PositionSide
from domain.params import Params
from domain.regime import Regime
from domain.state import PositionStage
from entrypoints.container import Application
from entrypoints.exit_codes import ExitCode
from entrypoints.results import StatusResult, StatusRow, to_json
from simulator.core.market_views import ticker_view
from tests.e2e.harness import SYMBOL, World, world

D = Decimal
CT_VAL = D("0.01")
STOP = D("29400.0")


def cmd(intent: str, template: str) -> OpenPositionCommand:
    return OpenPositionCommand.of(SYMBOL, PositionSide.LONG, D("0.10"), STOP, D("30300.0"),
                                  D("0.04"), D("30600.0"), D("0.03"), intent,
                                  template=template)


def realised_r(w: World, intent: str) -> float:
    """(sells - buys) x ctVal + fees over the trade's fills, in R of the entry's fill."""
    ours = [f for f in w.sim.core.state.fills if f.inst_id == SYMBOL and intent in f.cl_ord_id]
    stop_child = [f for f in w.sim.core.state.fills if f.inst_id == SYMBOL and not f.cl_ord_id
                  and f.ts >= min(f.ts for f in ours)]
    fills = ours + stop_child
    entry = [f for f in ours if f.side == "buy"]
    qty = sum((f.fill_sz for f in entry), D(0))
    avg = sum((f.fill_px * f.fill_sz for f in entry), D(0)) / qty
    flow = sum((f.fill_px * f.fill_sz * (1 if f.side == "sell" else -1) for f in fills), D(0))
    pnl = flow * CT_VAL + sum((f.fee for f in fills), D(0))
    return float(pnl / (abs(avg - STOP) * qty * CT_VAL))


def test_a_loss_and_a_win_on_the_simulator_give_the_recomputed_blocks(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        async def open_(c: Application, intent: str, template: str) -> Any:
            return await c.use_cases.open_position().execute(cmd(intent, template))

        async def manage(c: Application) -> Any:
            return await c.use_cases.manage_position().execute(ManagePositionCommand(SYMBOL))

        assert w.run(lambda c: open_(c, "loss1", "brk")).status == "opened"
        w.sim.set_price(SYMBOL, D("29300"))          # the stop triggers at the exchange
        lost = w.run(manage)
        assert lost.state.position_state.stage is PositionStage.FLAT
        w.sim.set_price(SYMBOL, D("30000"))
        # the loss locked "brk" only (past the symbol-wide loss lock this still holds)
        assert lost.state.cooldown_until.template > 0
        assert dict(lost.state.template_cooldowns).keys() == {"brk"}
        assert w.run(lambda c: open_(c, "win1", "orb")).status != "opened"  # loss lock
        # a second store-free look: the exchange's fills give the same R as health_roll
        r_loss = realised_r(w, "loss1")
        assert lost.state.health_roll.trade_n == 1
        assert lost.state.health_roll.avg_r == pytest.approx(r_loss)
        assert r_loss < -1  # a full stop plus fees and the gap beyond it

        async def status(c: Application) -> Any:
            return await c.use_cases.status().execute(StatusCommand((SYMBOL,)))
        (row,) = w.run(status).symbols
        doc = to_json_row(row, tmp_path)
        assert doc["symbol_state"]["health_roll"]["trade_n"] == 1
        assert doc["symbol_state"]["last_template"] == "brk"
        assert doc["symbol_state"]["cooldown_until"]["template"] == \
            lost.state.cooldown_until.template
        assert {"exec_quality_roll", "shockguard", "position_state", "last_regime",
                "b_blacklist_until"} <= doc["symbol_state"].keys()
        assert doc["exchange_side"] == "NONE"


def test_a_win_after_a_loss_updates_win_rate_drawdown_and_profit_factor(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        async def open_(c: Application, intent: str, template: str) -> Any:
            return await c.use_cases.open_position().execute(cmd(intent, template))

        async def manage(c: Application) -> Any:
            return await c.use_cases.manage_position().execute(ManagePositionCommand(SYMBOL))

        async def shock(c: Application) -> Any:
            return await c.use_cases.regime_shift().execute(
                RegimeShiftCommand(SYMBOL, Regime.SHOCK))
        assert w.run(lambda c: open_(c, "wina", "orb")).status == "opened"
        w.sim.set_price(SYMBOL, D("30700"))          # both take-profits fill
        w.run(manage)
        done = w.run(shock)                          # the runner closes at market
        state = done.state
        assert state.position_state.stage is PositionStage.FLAT
        r_win = realised_r(w, "wina")
        health = state.health_roll
        assert r_win > 0
        assert (health.trade_n, health.win_rate, health.max_dd) == (1, 1.0, 0.0)
        assert health.avg_r == pytest.approx(r_win)
        # TP1 and TP2 are limit-first exits that filled as limits
        assert (health.limit_exit_n, health.fallback_quality) == (2, 1.0)
        assert state.cooldown_until.template == 0 and state.last_template == "orb"
        quality = state.exec_quality_roll
        assert (quality.sample_n, quality.fill_rate_30, quality.cancel_rate_30) == (2, 1.0, 0.0)


def test_a_runner_exit_that_falls_back_to_market_is_counted_in_both_blocks(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        async def open_(c: Application) -> Any:
            return await c.use_cases.open_position().execute(cmd("fbk1", "orb"))

        async def manage(c: Application, bar: Decimal | None = None) -> Any:
            return await c.use_cases.manage_position().execute(
                ManagePositionCommand(SYMBOL, bar_close=bar))
        # the market entry is meant at the best ask the simulator shows before it leaves
        ask = D(str(ticker_view(w.sim.core.state, SYMBOL)["askPx"]))
        assert w.run(open_).status == "opened"
        w.sim.set_price(SYMBOL, D("30700"))          # both take-profits fill
        assert w.run(manage).state.position_state.stage is PositionStage.RUNNER_ONLY
        # the runner's limit exit meets the book for one lot only, then rests unfilled until
        # its wait ends: the engine cancels it and sells the rest at market
        w.sim.faults.inject("partial_fill", SYMBOL, times=1, ratio=0.01)
        for _ in range(Params().runner.max_bars_after_tp2):
            done = w.run(lambda c: manage(c, D("30700")))
        state = done.state
        assert state.position_state.stage is PositionStage.FLAT
        orders = [o for o in w.sim.core.state.orders.values() if "fbk1" in o.cl_ord_id]
        (limit,) = [o for o in orders if o.cl_ord_id.startswith("pxRL")]
        (market,) = [o for o in orders if o.cl_ord_id.startswith("pxRM")]
        assert limit.state == "canceled" and D(0) < limit.acc_fill_sz < limit.sz
        assert market.acc_fill_sz == limit.sz - limit.acc_fill_sz
        # TP1 and TP2 filled as limits; the runner needed the market fallback
        health = state.health_roll
        assert (health.limit_exit_n, health.fallback_quality) == (3, pytest.approx(2 / 3))
        assert health.avg_r == pytest.approx(realised_r(w, "fbk1"))
        # exec quality from the simulator's own orders and fills
        limits = [o for o in orders if o.ord_type in ("limit", "post_only")]
        assert [o.state for o in limits].count("canceled") == 1   # only the runner's limit
        quality = state.exec_quality_roll
        assert quality.sample_n == len(limits)
        assert quality.fill_rate_30 == pytest.approx(
            float(sum(o.acc_fill_sz for o in limits) / sum(o.sz for o in limits)))
        assert quality.cancel_rate_30 == pytest.approx(
            sum(1 for o in limits if o.state == "canceled") / len(limits))
        by_id = {o.ord_id: o for o in orders}
        fills = [f for f in w.sim.core.state.fills
                 if f.inst_id == SYMBOL and "fbk1" in f.cl_ord_id]
        entry = [f for f in fills if f.side == "buy"]
        qty = sum((f.fill_sz for f in entry), D(0))
        risk = abs(sum((f.fill_px * f.fill_sz for f in entry), D(0)) / qty - STOP) * qty

        def intended(f: Any) -> Decimal | None:
            order = by_id[f.ord_id]
            if order.ord_type in ("limit", "post_only"):
                return order.px
            if order.cl_ord_id.startswith("pxRM"):
                return limit.px                      # a fallback is judged against its limit
            assert order.cl_ord_id.startswith("pxEN")
            return ask                               # the entry, against the touch it took
        slips = [abs(f.fill_px - px) * f.fill_sz / risk for f in fills
                 if (px := intended(f)) is not None]
        assert quality.fill_n == len(slips)
        assert quality.slippage_cost30_r == pytest.approx(float(sum(slips) / len(slips)))
        assert any(s > 0 for s in slips)             # the market fill paid to leave



def to_json_row(row: SymbolStatus, run_dir: Path) -> dict[str, Any]:
    """The row as `status --json` prints it."""
    result = StatusResult(venue="okx-demo", run_dir=run_dir, symbols=(StatusRow.of(row),),
                          exit_code=ExitCode.DONE)
    doc: dict[str, Any] = to_json(result)["symbols"][0]
    return doc
