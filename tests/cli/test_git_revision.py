"""The manifest's `git` field: the checkout's commit and whether it has changes, read by two
git processes started early (entrypoints/run_manifest.py) — the same answer as asking git."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from entrypoints import lifecycle, run_manifest
from entrypoints.container import build_container
from tests.cli.conftest import Exchange, run_cli

ROOT = Path(__file__).resolve().parents[2]
READ = ("import json; from entrypoints.run_manifest import git_revision, start_git_revision; "
        "start_git_revision(); start_git_revision(); print(json.dumps(git_revision()))")


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                          check=True).stdout


def test_the_manifest_names_the_checkout_and_whether_it_is_changed() -> None:
    ran = subprocess.run([sys.executable, "-c", READ], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    got = json.loads(ran.stdout)
    if not (ROOT / ".git").exists():  # an exported tree: no checkout to name
        assert got is None
        return
    dirty = bool(git("status", "--porcelain", "--untracked-files=no").strip())
    assert got == {"commit": git("rev-parse", "HEAD").strip(), "dirty": dirty}


def test_the_git_reads_are_running_before_the_container_is_built(
        exchange: Exchange, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a venue without an embedded simulator too, so the reads overlap the command's set-up
    instead of being waited for when the manifest is written (issue 14 P3)."""
    if not (ROOT / ".git").exists():
        pytest.skip("an exported tree: no git reads to start")
    monkeypatch.setattr(run_manifest, "_started", [])  # this process may have read them
    run_manifest.git_revision.cache_clear()
    seen: list[int] = []

    def building(config: dict[str, Any]) -> Any:
        seen.append(len(run_manifest._started))
        return build_container(config)

    monkeypatch.setattr(lifecycle, "build_container", building)
    exchange.fresh()
    ran = run_cli(["status", "--json"], exchange.env())  # its answer stays cached: still true
    assert ran.code == 0, ran.stderr
    assert seen == [len(run_manifest.GIT_READS)]
    manifest = json.loads(next((workdir / "runs").rglob("run_manifest.json")).read_text())
    assert manifest["git"]["commit"] == git("rev-parse", "HEAD").strip()
