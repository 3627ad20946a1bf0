"""One engine process per state store."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.state import JsonFileStateStore
from ports.state import StateStoreLocked


def test_a_second_store_on_the_same_file_is_refused_until_the_first_closes(
        tmp_path: Path) -> None:
    first = JsonFileStateStore(tmp_path / "state.json")
    first.load()
    second = JsonFileStateStore(tmp_path / "state.json")
    with pytest.raises(StateStoreLocked, match=str(os.getpid())):
        second.load()
    first.close()
    second.load()
    second.close()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; "
        "from adapters.state import JsonFileStateStore; "
        f"s = JsonFileStateStore(Path({str(tmp_path / 'state.json')!r})); s.load(); "
        "print('held', flush=True); time.sleep(60)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StateStoreLocked, match=str(holder.pid)):
            JsonFileStateStore(tmp_path / "state.json").load()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    deadline = time.monotonic() + 5
    store = JsonFileStateStore(tmp_path / "state.json")
    while True:
        try:
            store.load()
            break
        except StateStoreLocked:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    store.close()


def test_a_corrupt_file_does_not_keep_the_lock(tmp_path: Path) -> None:
    from ports.state import StateStoreCorrupt

    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(StateStoreCorrupt):
        JsonFileStateStore(tmp_path / "state.json").load()
    (tmp_path / "state.json").unlink()
    other = JsonFileStateStore(tmp_path / "state.json")
    other.load()
    other.close()
