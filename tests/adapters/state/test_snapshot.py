"""A store another engine holds can be read as a snapshot: the last flush, no lock, read-only."""

from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from adapters.state.json_store import JsonFileStateStore
from domain.logs import RiskEvent, RiskEventType
from domain.orders import PositionSide
from domain.regime import Regime
from domain.state import PositionState, SymbolState
from ports.state import StateStoreError, StateStoreLocked

SYMBOL = "BTC-USDT-SWAP"


def test_a_snapshot_reads_the_last_flush_while_the_holder_keeps_its_lock(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"
    holder = JsonFileStateStore(path)
    holder.load()
    flushed = SymbolState(SYMBOL, last_regime=Regime.SHOCK,
                          position_state=PositionState(side=PositionSide.LONG, qty_open=Decimal(3)))
    holder.set_symbol_state(SYMBOL, flushed)
    holder.flush()
    # in memory only, not flushed: a snapshot must not see it
    holder.set_symbol_state(SYMBOL, attrs.evolve(flushed, last_regime=Regime.TREND))
    reader = JsonFileStateStore(path)
    with pytest.raises(StateStoreLocked):
        reader.load()
    reader.load_snapshot()
    assert reader.symbols() == (SYMBOL,)
    assert reader.get_symbol_state(SYMBOL) == flushed
    with pytest.raises(StateStoreError, match=r"snapshot .* flush refused"):
        reader.flush()
    event = RiskEvent(1, RiskEventType.SL_RECOVER, SYMBOL, PositionSide.LONG, Decimal(1), None,
                      (), (), "x", "none")
    with pytest.raises(StateStoreError, match="append_event refused"):
        reader.append_event(event)
    reader.close()
    holder.close()


def test_a_snapshot_of_no_store_is_empty_and_a_later_load_can_write(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"
    store = JsonFileStateStore(path)
    store.load_snapshot()
    assert store.symbols() == ()
    store.load()
    store.set_symbol_state(SYMBOL, SymbolState(SYMBOL))
    store.flush()
    store.close()
    assert path.exists()
