"""One real probe run (CLI, embedded simulator), copied afresh for each test to tamper with."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from entrypoints.cli import app


@pytest.fixture(scope="session")
def probe_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("probe-runs")
    result = CliRunner().invoke(app, ["probe", "--out", str(base), "--json"])
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout.strip().splitlines()[-1])["run_dir"])


@pytest.fixture
def run(probe_run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / probe_run.name
    shutil.copytree(probe_run, copy)
    return copy
