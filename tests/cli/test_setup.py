"""Setup on any Python >= 3.11: the Makefile's default interpreter and its version check."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / ".ci" / "check_python.py"
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
# a make started by `make test` passes its flags and variables on: start from none of them
MAKE_ENV = {k: v for k, v in os.environ.items()
            if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON")}


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=MAKE_ENV,
                          capture_output=True, text=True, check=False)


def _check(python: str, minimum: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, str(CHECK), minimum], capture_output=True, text=True,
                          check=False)


def test_the_check_accepts_this_python_and_says_which_it_is() -> None:
    done = _check(sys.executable, "3.11")
    found = ".".join(str(part) for part in sys.version_info[:3])
    assert done.returncode == 0
    assert f"with Python {found} ({sys.executable})" in done.stderr


def test_the_check_refuses_an_older_python_saying_what_it_found_and_needs() -> None:
    done = _check(sys.executable, f"{sys.version_info[0]}.{sys.version_info[1] + 1}")
    assert done.returncode == 1
    found = ".".join(str(part) for part in sys.version_info[:3])
    assert f"is Python {found}; this project needs Python >= " in done.stderr
    assert "make test PYTHON=" in done.stderr


@needs_make
def test_make_uses_python3_by_default_and_checks_it_first(tmp_path: Path) -> None:
    venv = tmp_path / "v"
    planned = _make("-n", f"{venv}/bin/python", f"VENV={venv}")
    assert planned.returncode == 0, planned.stderr
    lines = planned.stdout.splitlines()
    assert any(line.startswith("python3 .ci/check_python.py 3.11") for line in lines)
    assert lines[-1] == f"python3 -m venv {venv}"


@needs_make
def test_make_names_a_missing_interpreter(tmp_path: Path) -> None:
    done = _make(f"{tmp_path}/v/bin/python", f"VENV={tmp_path}/v", "PYTHON=no-such-python3")
    assert done.returncode != 0
    assert "'no-such-python3' was not found; this project needs Python >= 3.11" in done.stderr
    assert not (tmp_path / "v").exists()
