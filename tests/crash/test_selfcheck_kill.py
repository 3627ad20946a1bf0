"""A selfcheck killed between placing its test stop and cancelling it (issue 8's gap): the next
recovery, a fresh engine process, cancels the stop by client id even while the exchange's
queries do not show it yet, read back from the simulator's admin API."""

from pathlib import Path
from typing import Any

import pytest

from tests.crash.exchange_view import ExchangeView
from tests.crash.processes import ForkServer, SimServer, engine_env

SYMBOL = "BTC-USDT-SWAP"


def selfcheck_stops(view: ExchangeView) -> list[dict[str, Any]]:
    return [a for a in view.get("/sim/algos", "algos") if a["algoClOrdId"].startswith("pxSC")]


@pytest.mark.slow
def test_a_selfcheck_killed_after_its_stop_was_accepted_leaves_no_live_stop(
        tmp_path: Path) -> None:
    sim, server = SimServer(seed=31), ForkServer()
    view = ExchangeView(sim.url)
    try:
        config = tmp_path / "engine.toml"
        config.write_text(f'runs_dir = "{tmp_path / "runs"}"\n'
                          f'state_path = "{tmp_path / "state" / "state.json"}"\n'
                          f'symbols = ["{SYMBOL}"]\n')
        env = engine_env(sim, config)
        # the placement's answer arrives, but the queries show the stop only after 60 s
        view.http.post("/sim/faults", json={"kind": "algo_visibility_delay",
                                            "target": "trade/order-algo", "times": 1,
                                            "params": {"ms": 60_000}}).raise_for_status()
        killed = server.ask({"argv": ["selfcheck", "--with-orders", "--json"], "env": env,
                             "plan": {"kind": "order", "n": 1, "mode": "after"},
                             "kill_after_ms": None, "log": str(tmp_path / "children.log")})
        assert killed["status"] == "killed", killed
        (stop,) = selfcheck_stops(view)
        assert stop["state"] == "live"
        recovered = server.ask({"argv": ["recover", "--json"], "env": env,
                                "plan": {"kind": "none"}, "kill_after_ms": None,
                                "log": str(tmp_path / "children.log")})
        assert recovered.get("code") == 0, recovered
        (after,) = selfcheck_stops(view)
        assert (after["algoClOrdId"], after["state"]) == (stop["algoClOrdId"], "canceled")
    finally:
        view.close()
        server.stop()
        sim.stop()
