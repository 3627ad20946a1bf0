"""Issue 14 P3: a command loads only its venue's adapters and the use-case it runs. `status`
on the embedded simulator's OKX face must not import the Binance adapters (and on its Binance
face not the OKX ones), nor any use-case but Status. Checked in a fresh interpreter that runs
the command and then lists what it imported."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_light_import import CLI_PROBE as RUN

# the modules of the use-cases a status does not run (application/ also holds helpers the
# use-cases share; these are the ones the container builds, entrypoints/container.py)
OTHER_USE_CASES = ("probe", "selfcheck", "open_position", "open_command", "open_gate",
                   "manage_position", "recover_protection", "close_position", "watch", "halt",
                   "shock_watch", "engine", "driver", "performers", "stop_actions",
                   "performer_context", "order_path")


def run_in_fresh_interpreter(args: list[str], cwd: Path,
                             extra_env: dict[str, str] | None = None) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PROMETHEUS_", "OKX_", "BINANCE_"))} | (extra_env or {})
    ran = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True,
                         cwd=cwd, env=env, timeout=120)
    assert ran.returncode == 0, ran.stderr
    result: dict[str, object] = json.loads(ran.stdout)
    return result


@pytest.mark.parametrize(("venue", "symbol", "own", "other"), [
    ("sim", "BTC-USDT-SWAP", "adapters.okx", "adapters.binance"),
    ("sim-binance", "BTCUSDC", "adapters.binance", "adapters.okx"),
])
def test_status_imports_its_venue_and_its_use_case_only(tmp_path: Path, venue: str,
                                                        symbol: str, own: str,
                                                        other: str) -> None:
    result = run_in_fresh_interpreter(["--venue", venue, "status", "--json"], tmp_path)
    assert result["code"] == 0, result["out"]
    report = json.loads(str(result["out"]))
    assert [row["symbol"] for row in report["symbols"]] == [symbol]
    loaded = set(result["loaded"])  # type: ignore[call-overload]
    assert own in loaded and "application.status" in loaded  # it ran on its venue
    assert not {m for m in loaded if m == other or m.startswith(other + ".")}
    ran_others = {m for m in loaded for case in OTHER_USE_CASES if m == f"application.{case}"}
    assert not ran_others, sorted(ran_others)
    # a read-only command's few calls go on httpx's own stack unless one is set
    assert "aiohttp" not in loaded and "httpx" in loaded


@pytest.mark.parametrize(("stack", "aiohttp_loaded"), [("aiohttp", True), ("httpx", False),
                                                        ("auto", False)])
def test_status_uses_the_stack_that_is_set(tmp_path: Path, stack: str,
                                           aiohttp_loaded: bool) -> None:
    result = run_in_fresh_interpreter(["status", "--json"], tmp_path,
                                      {"PROMETHEUS_HTTP_STACK": stack})
    assert result["code"] == 0, result["out"]
    assert ("aiohttp" in result["loaded"]) is aiohttp_loaded  # type: ignore[operator]
