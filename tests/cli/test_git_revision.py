"""The manifest's `git` field: the checkout's commit and whether it has changes, read by two
git processes started early (entrypoints/run_manifest.py) — the same answer as asking git."""

import json
import subprocess
import sys
from pathlib import Path

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
