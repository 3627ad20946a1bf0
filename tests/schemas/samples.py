"""Run directories and a state store written by today's code, every document in each of its
forms (success, exchange error, transport error, refusal, unknown outcome, fill), for the
schema-freeze test."""

import json
from pathlib import Path
from typing import Any

import attrs
from typer.testing import CliRunner

from entrypoints.cli import app
from tests.e2e.harness import SYMBOL, World, world

OPEN = ["open", "--symbol", SYMBOL, "--side", "long", "--qty", "0.10", "--stop", "29400.0",
        "--tp1", "30300.0", "--tp1-qty", "0.04", "--tp2", "30600.0", "--tp2-qty", "0.03",
        "--intent-id", "schema1"]


@attrs.frozen
class Samples:
    run_dirs: tuple[Path, ...]
    state_path: Path


def _cli(w: World, env: dict[str, str], *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    payload: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return payload


def write_samples(base: Path) -> Samples:
    state = base / "state" / "state.json"
    runs = base / "runs"
    runs.mkdir(parents=True)
    config = base / "engine.toml"
    config.write_text(f'runs_dir = "{runs}"\nstate_path = "{state}"\n')
    made: list[str] = []
    with world(base) as w:
        env = {**w.env(), "PROMETHEUS_CONFIG": str(config), "PROMETHEUS_VENUE": "okx-demo"}
        faults = w.sim.faults

        def run(*args: str, fault: tuple[str, str, dict[str, Any]] | None = None) -> None:
            fault_id = faults.inject(fault[0], fault[1], **fault[2]) if fault else None
            made.append(_cli(w, env, *args).get("run_dir", ""))
            if fault_id:
                faults.clear(fault_id)

        run("probe")
        run("probe", "--inst", "NOPE-USDT-SWAP")
        run("probe", fault=("http_5xx", "account/config", {"times": 9}))
        run("probe", fault=("malformed", "public/price-limit", {"body": "html", "times": 9}))
        run("probe", fault=("http_5xx", "public/instruments", {"times": 9}))
        run("probe", fault=("http_5xx", "market/ticker", {"status": 502, "times": 9}))
        run("probe", "--px", "30000.1")
        run("probe", "--px", "30000.1", "--allow-fill")
        run("probe", fault=("drop_after_accept", "trade/order", {"method": "POST", "times": 1}))
        run("probe", fault=("http_5xx", "trade/order", {"method": "GET", "times": 9}))
        run(*OPEN)
        run("selfcheck")
        run("watch", "--run-for", "0.3")
        run("regime", "--symbol", SYMBOL, "--new", "SHOCK")
        run("status")
    return Samples(tuple(Path(d) for d in made if d), state)
