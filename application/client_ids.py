"""Allocating client ids: each is persisted before it is returned, so none is ever sent twice."""

import attrs

from domain.ids import Role, allocate
from domain.state import with_pending_stops
from ports.state import StateStore


def allocate_ids(store: StateStore, symbol: str, role: Role, count: int = 1, *,
                 pending_since: int | None = None) -> tuple[str, ...]:
    """count fresh ids of role for the symbol's current intent, flushed to the store first.

    pending_since (stop ids): the ids are recorded as pending stops in the same write, sent at
    that time (epoch seconds), so a stop whose placement is lost with the process can still be
    cancelled by its client id (domain/state.py PendingStop)."""
    state = store.get_symbol_state(symbol)
    pos = state.position_state
    counters, ids = pos.next_attempts, []
    for _ in range(count):
        cid, counters = allocate(counters, pos.intent_id or "adopted", role)
        ids.append(cid)
    state = attrs.evolve(state, position_state=attrs.evolve(pos, next_attempts=counters))
    if pending_since is not None:
        state = with_pending_stops(state, tuple(ids), pending_since)
    store.set_symbol_state(symbol, state)
    store.flush()
    return tuple(ids)
