"""State files are owner-only, and a store another user could rewrite is refused."""

import os
import stat
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.state import JsonFileStateStore, StateStoreInsecure
from adapters.state.private import refuse_shared
from domain.logs import RiskEvent, RiskEventType
from domain.orders import PositionSide
from tests.adapters.state.test_json_store import SYMBOL, open_position


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def saved(path: Path) -> None:
    store = JsonFileStateStore(path)
    store.load()
    store.set_symbol_state(SYMBOL, open_position())
    store.flush()
    store.append_event(_event())
    store.close()


def _event() -> RiskEvent:
    return RiskEvent(1_763_780_001, RiskEventType.SL_RECOVER, SYMBOL, PositionSide.LONG,
                     Decimal("1"), Decimal("30000"), (), (), "test")


def test_the_store_creates_its_directories_and_files_owner_only(tmp_path: Path,
                                                               usual_umask: None) -> None:
    path = tmp_path / "state" / "okx-demo" / "state.json"
    saved(path)
    assert mode(tmp_path / "state") == 0o700 and mode(path.parent) == 0o700
    assert mode(path) == 0o600 and mode(path.parent / "events.jsonl") == 0o600
    assert mode(path.parent / "state.json.lock") == 0o600


@pytest.mark.parametrize(("chmod", "words"), [
    (0o666, "writable by group and others (mode 0666)"),
    (0o620, "writable by its group (mode 0620)"),
    (0o602, "writable by others (mode 0602)")])
def test_a_state_file_others_can_write_is_refused_before_it_is_read(
        tmp_path: Path, chmod: int, words: str) -> None:
    path = tmp_path / "state.json"
    saved(path)
    path.chmod(chmod)
    store = JsonFileStateStore(path)
    with pytest.raises(StateStoreInsecure) as caught:
        store.load()
    assert str(path) in str(caught.value) and words in str(caught.value)
    assert "chmod 600" in str(caught.value)
    path.chmod(0o600)
    store.load()  # the refusal took no lock: fixing the mode is enough
    assert store.symbols() == (SYMBOL,)
    store.close()


def test_an_event_log_others_can_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    saved(path)
    (tmp_path / "events.jsonl").chmod(0o646)
    with pytest.raises(StateStoreInsecure, match=r"events\.jsonl is writable by others"):
        JsonFileStateStore(path).load()


def test_a_directory_others_can_write_is_refused_unless_sticky(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(StateStoreInsecure, match="shared is writable by group and others"):
        JsonFileStateStore(folder / "state.json").load()
    folder.chmod(0o1777)  # like /tmp: nobody else may replace our files there
    store = JsonFileStateStore(folder / "state.json")
    store.load()
    store.close()


def test_readable_by_others_is_not_refused_and_the_next_flush_makes_it_private(
        tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    saved(path)
    path.chmod(0o644)
    store = JsonFileStateStore(path)
    store.load()
    store.flush()
    store.close()
    assert mode(path) == 0o600


def test_a_file_owned_by_someone_else_is_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    saved(path)
    monkeypatch.setattr(os, "getuid", lambda: path.stat().st_uid + 1)
    with pytest.raises(StateStoreInsecure, match=r"is owned by uid \d+, not by this user"):
        refuse_shared(path)
