"""Issue 14 P3: importing the CLI loads neither the simulator nor the adapters (they are
imported by the commands that use them), so `--help`, `--version` and a refused option start
fast. Checked in a fresh interpreter: this test process has imported everything already."""

import json
import subprocess
import sys

import pytest

PROBE = ("import json, sys, entrypoints.cli; "
         "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")


def test_importing_the_cli_loads_neither_simulator_nor_adapters() -> None:
    ran = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True)
    loaded = set(json.loads(ran.stdout))
    assert "entrypoints" in loaded  # the probe imported what it should
    assert not loaded & {"simulator", "adapters", "prometheus_client", "jsonschema",
                         "dependency_injector", "uvicorn", "starlette"}, loaded


def test_help_still_lists_every_command() -> None:
    ran = subprocess.run([sys.executable, "-m", "entrypoints", "--help"], capture_output=True,
                         text=True, check=True)
    for command in ("probe", "open", "status", "watch", "verify", "sim"):
        assert command in ran.stdout


# runs the CLI in this interpreter and prints its exit code, its output and every module it
# loaded (tests/cli/test_command_imports.py uses it too)
CLI_PROBE = ("import contextlib, io, json, sys\n"
              "from entrypoints.cli import app\n"
              "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
              "    try:\n"
              "        app(sys.argv[1:])\n"
              "    except SystemExit as stop:\n"
              "        code = stop.code\n"
              "print(json.dumps({'code': code, 'out': out.getvalue(),\n"
              "                  'loaded': sorted(sys.modules)}))")
# rich's renderer, the domain's value types and the HTTP stack are what a command needs, not
# its help: typer's rich help alone cost ~50-70 ms of start-up (BENCHMARKS.md, P3)
NOT_FOR_HELP = ("rich", "markdown_it", "attr", "attrs", "cattrs", "httpx", "asyncio", "domain",
                "ports", "application", "adapters", "simulator")


@pytest.mark.parametrize("args", [["--help"], ["open", "--help"], ["sim", "serve", "--help"],
                                  ["status", "--help"], ["--version"]])
def test_help_loads_no_renderer_domain_or_http_stack(args: list[str]) -> None:
    ran = subprocess.run([sys.executable, "-c", CLI_PROBE, *args], capture_output=True,
                         text=True, check=True)
    result = json.loads(ran.stdout)
    assert result["code"] == 0 and "prometheus-exec" in result["out"]
    loaded = {name.split(".")[0] for name in result["loaded"]}
    assert "typer" in loaded  # the probe ran the CLI
    assert not loaded & set(NOT_FOR_HELP), sorted(loaded & set(NOT_FOR_HELP))
