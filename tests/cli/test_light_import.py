"""Issue 14 P3: importing the CLI loads neither the simulator nor the adapters (they are
imported by the commands that use them), so `--help`, `--version` and a refused option start
fast. Checked in a fresh interpreter: this test process has imported everything already."""

import json
import subprocess
import sys

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
