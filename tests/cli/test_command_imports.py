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

from simulator.embedded import EmbeddedSimulator
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


# what a status on venue okx-demo (a host the user points at, no simulator started) does not
# need (issue 14 P3): httpx's command-line client with click, rich and pygments
# (entrypoints/alerts.py), dependency_injector's web-framework support with starlette and
# python_multipart (entrypoints/di.py), and the simulator with its web stack
NOT_FOR_A_REMOTE_STATUS = ("rich", "pygments", "click", "starlette", "python_multipart",
                           "simulator", "uvicorn", "httpx._main")


def test_status_on_okx_demo_loads_no_cli_client_web_stack_or_simulator(
        tmp_path: Path) -> None:
    key, secret, passphrase = "imports-key-01", "imports-secret-01", "imports-Pass-01"
    with EmbeddedSimulator(api_key=key, secret=secret, passphrase=passphrase, seed=7) as sim:
        result = run_in_fresh_interpreter(
            ["status", "--venue", "okx-demo", "--json"], tmp_path,
            {"OKX_API_KEY": key, "OKX_API_SECRET": secret, "OKX_API_PASSPHRASE": passphrase,
             "OKX_REST_URL": sim.rest_url, "OKX_WS_URL": sim.ws_url})
        asked = [str(request["path"]) for request in sim.requests()]
    assert result["code"] == 0, result["out"]
    report = json.loads(str(result["out"]))
    assert [row["symbol"] for row in report["symbols"]] == ["BTC-USDT-SWAP"]
    assert "/api/v5/account/positions" in asked  # it read the running simulator
    loaded = set(result["loaded"])  # type: ignore[call-overload]
    assert "httpx" in loaded and "dependency_injector.containers" in loaded
    unneeded = {m for m in loaded for name in NOT_FOR_A_REMOTE_STATUS
                if m == name or m.startswith(name + ".")}
    assert not unneeded, sorted(unneeded)


def test_status_on_the_embedded_simulator_loads_no_httpx_cli_client(tmp_path: Path) -> None:
    result = run_in_fresh_interpreter(["status", "--json"], tmp_path)
    assert result["code"] == 0, result["out"]
    loaded = {name.split(".")[0] for name in result["loaded"]}  # type: ignore[attr-defined]
    assert "simulator" in loaded and "starlette" in loaded  # it started its simulator
    assert not loaded & {"rich", "pygments"}, sorted(loaded & {"rich", "pygments"})
    assert "httpx._main" not in result["loaded"]  # type: ignore[operator]
