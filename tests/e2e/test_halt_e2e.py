"""halt / resume against the simulator: what the exchange holds afterwards, the freeze, the
incident record; and a halt with an unreadable store still works from the exchange's view."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.state.events import read_events
from application.halt import HaltCommand, ResumeCommand
from application.open_position import OpenPositionCommand
from domain.incident import FOREVER
from domain.logs import IncidentRecord
from domain.orders import PositionSide
from domain.state import PositionStage
from entrypoints.container import Application
from tests.cli.conftest import run_cli
from tests.e2e.harness import SYMBOL, World, world

D = Decimal


def cmd(intent: str) -> OpenPositionCommand:
    return OpenPositionCommand.of(SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"),
                                  D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), intent)


def live_orders(w: World) -> list[Any]:
    return [o for o in w.sim.core.state.orders.values() if o.state in ("live",
                                                                       "partially_filled")]


def position(w: World) -> Decimal:
    return sum((p.pos for p in w.sim.core.state.account.positions.values()), D(0))


def opened(w: World, intent: str) -> None:
    async def body(c: Application) -> Any:
        return await c.use_cases.open_position().execute(cmd(intent))
    assert w.run(body).status == "opened"


def test_halt_flatten_cancels_everything_flattens_freezes_and_resume_lifts_it(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        opened(w, "h1")
        assert len(live_orders(w)) == 2 and len(w.open_algos()) == 1 and position(w) > 0

        async def halt(c: Application) -> Any:
            return await c.use_cases.halt().execute(
                HaltCommand((SYMBOL,), flatten=True, reason="drill", who="test"),
                c.adapters.store())
        container = w.container("halt")
        from entrypoints.lifecycle import run
        done = run(container, halt)
        run_dir = container.adapters.run_dir()
        # at the exchange: nothing works, nothing is held
        assert live_orders(w) == [] and w.open_algos() == [] and position(w) == 0
        assert done.unconfirmed == () and not done.needs_attention
        assert any(t.startswith(f"flatten {SYMBOL} LONG 0.1") for t in done.touched)
        assert sum(t.startswith("order ") for t in done.touched) == 2   # TP1, TP2
        assert any(t.startswith("algo ") for t in done.touched)         # the stop, once flat
        record = json.loads((run_dir / "incident_record.json").read_text())
        assert (record["action"], record["reason"], record["who"]) == ("HALT", "drill", "test")
        assert record["touched"] == list(done.touched) and record["flatten"] is True

        async def state(c: Application) -> Any:
            store = c.adapters.store()
            return store.get_symbol_state(SYMBOL)
        frozen = w.run(state)
        events = read_events(w.settings.state_path.with_name("events.jsonl"))
        assert frozen.cooldown_until.freeze == FOREVER and frozen.halt.active
        assert frozen.position_state.stage is PositionStage.FLAT
        assert frozen.health_roll.trade_n == 1  # the flattened trade is recorded
        (logged,) = [e for e in events if isinstance(e, IncidentRecord)]
        assert logged.incident_id == done.incident_id

        async def open_again(c: Application) -> Any:
            return await c.use_cases.open_position().execute(cmd("h2"))
        refused = w.run(open_again)
        assert refused.status == "rejected_by_gate" and "freeze" in refused.reason

        async def resume(c: Application) -> Any:
            return await c.use_cases.resume().execute(ResumeCommand(reason="drill over"))
        assert w.run(resume).resumed == (SYMBOL,)
        opened(w, "h3")


def test_halt_without_flatten_keeps_the_stop_under_the_position(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        opened(w, "k1")

        async def halt(c: Application) -> Any:
            return await c.use_cases.halt().execute(HaltCommand((SYMBOL,), reason="keep"),
                                                    c.adapters.store())
        done = w.run(halt)
        assert live_orders(w) == [] and position(w) == D("0.10")
        (stop,) = w.open_algos()
        assert stop.algo_cl_ord_id == "pxSLk100"
        assert done.kept == (f"stop {SYMBOL} pxSLk100",) and not done.unconfirmed


def test_halt_with_an_unreadable_store_cancels_at_the_exchange_and_exits_3(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        opened(w, "u1")
        w.settings.state_path.write_text("{ not json")
        config = tmp_path / "prometheus.toml"
        config.write_text(f'state_path = "{w.settings.state_path}"\n'
                          f'runs_dir = "{tmp_path / "runs"}"\n')
        env = {**w.env(), "PROMETHEUS_VENUE": "okx-demo", "PROMETHEUS_CONFIG": str(config)}
        ran = run_cli(["halt", "--reason", "store broken", "--json"], env)
        assert ran.code == 3, ran
        doc = ran.payload
        assert doc["exit"] == "NEEDS_ATTENTION"
        assert any("freeze not set" in u for u in doc["unconfirmed"])
        assert live_orders(w) == [] and len(w.open_algos()) == 1   # TPs gone, stop kept
