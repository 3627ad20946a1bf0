"""The market entry's stop sent beside its status read (issue 14 P2,
application/early_stop.py), end to end on venue okx-demo against the simulator's OKX face,
checked at the exchange (the simulator's state) and in the run's evidence. The Binance face
answers a market order with its state after matching (tests/e2e/test_binance_entry_result_e2e.py)
and sends its stop early only when that answer is not terminal (checked there too)."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from application.open_position import OpenPositionCommand
from domain.orders import PositionSide
from entrypoints.container import Application
from tests.e2e.harness import SYMBOL, World, world

D = Decimal


def open_(w: World, intent: str) -> Any:
    async def body(c: Application) -> Any:
        return await c.use_cases.open_position().execute(OpenPositionCommand.of(
            SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"), D("30300.0"), D("0.04"),
            D("30600.0"), D("0.03"), intent))
    return w.run(body)


def records(w: World) -> list[dict[str, Any]]:
    (run_dir,) = list((w.tmp / "runs").iterdir())
    return [json.loads(line) for line in
            (run_dir / "m_execution_raw_part_0001.jsonl").read_text().splitlines()]


def answered_s(record: dict[str, Any]) -> float:
    return float(record["mono_s"]) + float(record["response"]["elapsed_ms"]) / 1000


def test_the_stop_leaves_before_the_entrys_status_answer_and_protects_the_position(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        done = open_(w, "early1")
        assert done.status == "opened", done
        (stop,) = w.open_algos()
        assert (stop.algo_cl_ord_id, stop.sz, stop.side, stop.reduce_only,
                stop.sl_trigger_px) == ("pxSLearly100", D("0.10"), "sell", True, D("29400"))
        (entry,) = w.orders_with("pxENearly100")
        assert entry.state == "filled"
        pos = done.state.position_state
        assert (pos.sl_algo.client_algo_id, pos.qty_open, pos.entry_price) == (
            "pxSLearly100", entry.acc_fill_sz, entry.fill_notional / entry.acc_fill_sz)
        assert done.state.pending_stops == ()
        calls = [r for r in records(w) if r.get("kind") == "rest"]
        placed = next(r for r in calls if r["endpoint"] == "POST /api/v5/trade/order")
        (stop_post,) = [r for r in calls if r["endpoint"] == "POST /api/v5/trade/order-algo"]
        status = [r for r in calls if r["endpoint"] == "GET /api/v5/trade/order"
                  and r["mono_s"] > placed["mono_s"]]
        # the status read and the stop both left after the entry's answer, and the stop
        # before the status read's answer came back: one round trip for both
        assert status and stop_post["mono_s"] >= answered_s(placed)
        assert stop_post["mono_s"] < answered_s(status[0])


def test_a_partial_fill_leaves_one_stop_of_the_filled_size(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.sim.faults.inject("partial_fill", SYMBOL, ratio=0.5, times=1)
        done = open_(w, "early2")
        (entry,) = w.orders_with("pxENearly200")
        filled = entry.acc_fill_sz
        assert 0 < filled < D("0.10") and entry.state == "canceled"
        assert done.status == "opened", done
        (stop,) = w.open_algos()
        assert (stop.algo_cl_ord_id, stop.sz) == ("pxSLearly201", filled)
        early = [a for a in w.sim.core.state.algos.values()
                 if a.algo_cl_ord_id == "pxSLearly200"]
        assert [a.state for a in early] == ["canceled"]
        held = sum(p.pos for p in w.sim.core.state.account.positions.values())
        assert held == filled == done.state.position_state.qty_open
        assert done.state.pending_stops == ()
