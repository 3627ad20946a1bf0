"""The replay fixture: a container whose exchange is one of the recorded sessions here.

    def test_x(replayed):
        container, context = replayed("probe")
        ... entrypoints.lifecycle.run(container, body) ...
        assert context.matcher.finish() is None   # every recorded call made, nothing else
"""

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from entrypoints.replay import replayed_container
from entrypoints.replay_context import ReplayContext

SESSIONS_DIR = Path(__file__).resolve().parent
SESSIONS = ("probe", "open", "open_stop_invisible", "open_entry_dropped", "open_read_dropped",
            "selfcheck", "watch_ws_drop", "close_stored_position",
            "binance_open_entry_dropped", "binance_watch_key_expiry")


@pytest.fixture
def session_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A copy of a recorded session that a test may edit."""
    def copy(name: str) -> Path:
        target = tmp_path / "copies" / name
        shutil.copytree(SESSIONS_DIR / name, target)
        return target
    return copy


@pytest.fixture
def replayed(tmp_path: Path) -> Iterator[Callable[[str], tuple[Any, ReplayContext]]]:
    with contextlib.ExitStack() as stack:
        def open_session(name: str) -> tuple[Any, ReplayContext]:
            scratch = tmp_path / f"replay-{name}"
            scratch.mkdir()
            return stack.enter_context(replayed_container(SESSIONS_DIR / name, scratch))
        yield open_session
