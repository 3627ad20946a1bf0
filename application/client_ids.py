"""Allocating client ids: each is persisted before it is returned, so none is ever sent twice."""

import attrs

from domain.ids import Role, allocate
from ports.state import StateStore


def allocate_ids(store: StateStore, symbol: str, role: Role, count: int = 1) -> tuple[str, ...]:
    """count fresh ids of role for the symbol's current intent, flushed to the store first."""
    state = store.get_symbol_state(symbol)
    pos = state.position_state
    counters, ids = pos.next_attempts, []
    for _ in range(count):
        cid, counters = allocate(counters, pos.intent_id or "adopted", role)
        ids.append(cid)
    store.set_symbol_state(symbol, attrs.evolve(
        state, position_state=attrs.evolve(pos, next_attempts=counters)))
    store.flush()
    return tuple(ids)
