"""JsonFileStateStore: defaults, exact persistence, loud corruption, atomic replacement."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings

from adapters.state import JsonFileStateStore, StateStoreCorrupt, StateStoreError
from domain.orders import PositionSide
from domain.regime import Regime
from domain.state import (
    AlgoRef,
    CooldownUntil,
    LastOrders,
    OrderRef,
    PositionStage,
    PositionState,
    ShockGuardState,
    SlAlgo,
    SymbolState,
)
from ports.state import StateStore
from tests.adapters.state.strategies import filled

ROOT = Path(__file__).resolve().parents[3]
SYMBOL = "BTC-USDT-SWAP"


def open_position() -> SymbolState:
    position = PositionState(
        side=PositionSide.LONG, entry_price=Decimal("30000.10"), qty_total=Decimal("3"),
        qty_runner=Decimal("1"), sl_price=Decimal("29500.5"),
        sl_algo=SlAlgo("9001", "pxslintent0101", "MARK_PRICE"), tp1_done=True,
        peak_pnl_r=Decimal("1.25"), bars_after_tp2=2,
        last_orders=LastOrders(OrderRef("11", "pxeninent0101"),
                               (OrderRef("12", "pxt1intent0101"), OrderRef("13", "pxt2in0101")),
                               AlgoRef("9001", "pxslintent0101")),
        stage=PositionStage.BETWEEN_TP1_TP2, qty_open=Decimal("2"), sl_confirmed=True,
        intent_id="intent01", tp1_price=Decimal("30600"), tp1_qty=Decimal("1"),
        tp2_price=Decimal("31200.0"), tp2_qty=Decimal("1"), risk_per_unit=Decimal("499.6"))
    return SymbolState(SYMBOL, last_regime=Regime.TREND, last_template="B",
                       cooldown_until=CooldownUntil(1, 2, 3, 4), b_blacklist_until=5,
                       shockguard=ShockGuardState(q95_1m=0.012, q95_3m=None, recalib_ts=6,
                                                  trigger_count_60m=1),
                       position_state=position)


def saved_store(path: Path, keep_open: bool = False) -> JsonFileStateStore:
    """A store file holding one open position; closed (as a stopped engine leaves it) unless
    keep_open."""
    store = JsonFileStateStore(path)
    store.load()
    store.set_symbol_state(SYMBOL, open_position())
    store.flush()
    if not keep_open:
        store.close()
    return store


def files_in(folder: Path) -> list[str]:
    """The folder's files, without the store's lock file."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def test_the_json_store_satisfies_the_state_port(tmp_path: Path) -> None:
    store: StateStore = JsonFileStateStore(tmp_path / "state.json")
    assert isinstance(store, StateStore)


def test_a_missing_file_means_default_state(tmp_path: Path) -> None:
    store = JsonFileStateStore(tmp_path / "state.json")
    store.load()
    assert store.symbols() == ()
    assert store.get_symbol_state("ETH-USDT-SWAP") == SymbolState("ETH-USDT-SWAP")
    assert not (tmp_path / "state.json").exists()


def test_a_flushed_state_loads_back_exactly(tmp_path: Path) -> None:
    saved_store(tmp_path / "state.json")
    store = JsonFileStateStore(tmp_path / "state.json")
    store.load()
    assert store.symbols() == (SYMBOL,)
    assert store.get_symbol_state(SYMBOL) == open_position()
    raw = json.loads((tmp_path / "state.json").read_text())
    assert raw["schema_version"] == 1
    assert raw["symbols"][SYMBOL]["position_state"]["entry_price"] == "30000.10"
    assert raw["symbols"][SYMBOL]["position_state"]["stage"] == "BETWEEN_TP1_TP2"


@settings(max_examples=30, deadline=None)
@given(state=filled(SymbolState))
def test_any_state_the_store_writes_it_reads_back_equal(
        tmp_path_factory: pytest.TempPathFactory, state: SymbolState) -> None:
    path = tmp_path_factory.mktemp("prop") / "state.json"
    writer = JsonFileStateStore(path)
    writer.load()
    writer.set_symbol_state(state.symbol, state)
    path.write_bytes(writer.dumps())  # flush()'s bytes without its fsyncs, to stay fast
    writer.close()
    reader = JsonFileStateStore(path)
    reader.load()
    assert reader.symbols() == (state.symbol,)
    assert reader.get_symbol_state(state.symbol) == state
    reader.close()


def test_a_file_from_before_a_field_was_added_loads_with_its_default(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    saved_store(path)
    raw = json.loads(path.read_text())
    del raw["symbols"][SYMBOL]["position_state"]["intent_id"]  # an "extension" field
    path.write_text(json.dumps(raw))
    store = JsonFileStateStore(path)
    store.load()
    assert store.get_symbol_state(SYMBOL).position_state.intent_id == ""
    assert store.get_symbol_state(SYMBOL).position_state.entry_price == Decimal("30000.10")


def test_a_state_under_another_symbols_name_is_refused(tmp_path: Path) -> None:
    store = JsonFileStateStore(tmp_path / "state.json")
    with pytest.raises(ValueError, match="stored under"):
        store.set_symbol_state("ETH-USDT-SWAP", open_position())


CORRUPTIONS: dict[str, tuple[Callable[[str], str], str]] = {
    "bad JSON": (lambda t: t[: len(t) // 2], "not valid JSON"),
    "extra key": (lambda t: t.replace('"tp1_done"', '"surprise": 1, "tp1_done"'),
                  f"extra fields found (surprise) @ $.symbols['{SYMBOL}'].position_state"),
    "wrong type": (lambda t: t.replace('"tp1_done": true', '"tp1_done": "yes"'),
                   f"@ $.symbols['{SYMBOL}'].position_state.tp1_done"),
    "decimal as number": (lambda t: t.replace('"30000.10"', "30000.1"),
                          f"@ $.symbols['{SYMBOL}'].position_state.entry_price"),
    "future schema": (lambda t: t.replace('"schema_version": 1', '"schema_version": 2'),
                      "$.schema_version is 2"),
    "not an object": (lambda t: "[1, 2]", "$ is a JSON list"),
    "symbol mismatch": (lambda t: t.replace(f'"symbol": "{SYMBOL}"', '"symbol": "ETH"'),
                        f"$.symbols['{SYMBOL}'].symbol is 'ETH'"),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_a_corrupt_file_is_a_loud_error_naming_file_and_path_and_is_left_alone(
        tmp_path: Path, case: str) -> None:
    path = tmp_path / "state.json"
    saved_store(path)
    damage, expected = CORRUPTIONS[case]
    damaged = damage(path.read_text())
    assert damaged != path.read_text()
    path.write_text(damaged)
    store = JsonFileStateStore(path)
    with pytest.raises(StateStoreCorrupt) as caught:
        store.load()
    assert str(path) in str(caught.value) and expected in str(caught.value)
    assert caught.value.path == path
    with pytest.raises(StateStoreError):
        store.flush()  # never replaces positions it could not read
    assert path.read_text() == damaged
    assert files_in(tmp_path) == ["state.json"]


def test_invalid_utf8_is_reported_as_corrupt(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_bytes(b'{"schema_version": 1, "symbols": {"\xff": 1}}')
    with pytest.raises(StateStoreCorrupt, match="not valid JSON"):
        JsonFileStateStore(tmp_path / "state.json").load()


def test_flush_refuses_to_overwrite_a_file_it_never_loaded(tmp_path: Path) -> None:
    saved_store(tmp_path / "state.json")
    before = (tmp_path / "state.json").read_bytes()
    store = JsonFileStateStore(tmp_path / "state.json")
    with pytest.raises(StateStoreError, match="load"):
        store.flush()
    assert (tmp_path / "state.json").read_bytes() == before


def test_a_failed_rename_leaves_the_old_file_whole_and_no_temp(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = saved_store(tmp_path / "state.json", keep_open=True)
    before = (tmp_path / "state.json").read_bytes()
    store.set_symbol_state(SYMBOL, SymbolState(SYMBOL))

    def no_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError):
        store.flush()
    monkeypatch.undo()
    assert (tmp_path / "state.json").read_bytes() == before
    assert files_in(tmp_path) == ["state.json"]


CRASH_BEFORE_RENAME = """
import os, sys
from pathlib import Path
from adapters.state import JsonFileStateStore
from domain.state import SymbolState
store = JsonFileStateStore(Path(sys.argv[1]))
store.load()
store.set_symbol_state("ETH-USDT-SWAP", SymbolState("ETH-USDT-SWAP"))
os.replace = lambda *a: os._exit(137)  # the process dies with the temp file written
store.flush()
"""


def test_a_crash_between_temp_write_and_rename_keeps_the_old_state(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    saved_store(path)
    before = path.read_bytes()
    crashed = subprocess.run([sys.executable, "-c", CRASH_BEFORE_RENAME, str(path)],
                             cwd=ROOT, capture_output=True, check=False)
    assert crashed.returncode == 137, crashed.stderr
    leftovers = [name for name in files_in(tmp_path) if name != "state.json"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".state.json.")
    assert path.read_bytes() == before
    store = JsonFileStateStore(path)
    store.load()
    assert store.symbols() == (SYMBOL,) and store.get_symbol_state(SYMBOL) == open_position()
