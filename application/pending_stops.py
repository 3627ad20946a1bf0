"""Stops sent but not yet confirmed, kept in the state store (domain/state.py PendingStop).

A stop whose placement answer is lost, or that the exchange's queries do not show yet, may be
live at the exchange all the same. Its client id is recorded before the placement leaves (with
the id's allocation, application/client_ids.py), and the record is settled only once the
exchange shows the stop open (it is then the position's stop), canceled or finished. Until
then every recovery cancels it by client id, which reaches a stop the queries cannot see yet,
so neither a lost answer nor a killed process leaves a stop of ours behind.
"""

import attrs

from domain.outcome import Accepted
from domain.state import (
    PENDING_STOP_FORGET_S,
    pending_stop_ids,
    with_pending_stops,
    without_pending_stop,
)
from ports.algo_orders import AlgoOrders
from ports.errors import ExchangeError
from ports.exchange_types import CancelDisposition
from ports.state import StateStore


class PendingStops:
    """One symbol's pending stops in the store, as the performers settle them."""

    def __init__(self, store: StateStore, symbol: str) -> None:
        self._store = store
        self._symbol = symbol

    def record(self, client_algo_id: str, since: int) -> None:
        """A stop about to be sent whose id was not allocated through the store (selfcheck's
        test stop), written and flushed before the placement leaves."""
        state = self._store.get_symbol_state(self._symbol)
        self._store.set_symbol_state(self._symbol,
                                     with_pending_stops(state, (client_algo_id,), since))
        self._store.flush()

    def learn(self, client_algo_id: str, algo_id: str) -> None:
        """The exchange's id of a pending stop, from its placement answer."""
        state = self._store.get_symbol_state(self._symbol)
        changed = pending_stop_ids(state, client_algo_id, algo_id)
        if changed != state:
            self._store.set_symbol_state(self._symbol, changed)
            self._store.flush()

    def settle(self, client_algo_id: str, *, flush: bool = True) -> None:
        """Seen open, canceled, finished or refused: nothing is left to cancel. flush=False
        when the caller's next write (the position's new stop) flushes it anyway."""
        state = self._store.get_symbol_state(self._symbol)
        changed = without_pending_stop(state, client_algo_id)
        if changed != state:
            self._store.set_symbol_state(self._symbol, changed)
            if flush:
                self._store.flush()


@attrs.frozen
class PendingCancel:
    """What one recovery did about a pending stop (an SL_RECOVER event says it)."""

    client_algo_id: str
    algo_id: str
    what: str
    needs_attention: bool


async def cancel_pending_stops(algos: AlgoOrders, store: StateStore, symbol: str, *, now: int,
                               keep: str, handled: frozenset[str] = frozenset()
                               ) -> tuple[PendingCancel, ...]:
    """Cancel by client id every pending stop of symbol that is not keep (the position's
    confirmed stop); handled: stops the caller has already seen canceled. A stop the exchange
    says it does not hold stays pending until PENDING_STOP_FORGET_S after it was sent (it may
    still be on its way); one whose cancel failed stays pending and needs attention."""
    pending = PendingStops(store, symbol)
    done: list[PendingCancel] = []
    before = store.get_symbol_state(symbol).pending_stops
    for stop in before:
        cid = stop.client_algo_id
        if cid == keep or cid in handled:
            pending.settle(cid, flush=False)
            continue
        try:
            result = await algos.cancel_algo(symbol=symbol, algo_id=stop.algo_id or None,
                                             client_algo_id=cid)
        except ExchangeError as exc:
            done.append(PendingCancel(cid, stop.algo_id, f"unconfirmed stop {cid}: cancel "
                                      f"failed ({exc}); kept to cancel again", True))
            continue
        accepted = isinstance(result.outcome, Accepted)
        if accepted and result.disposition is not CancelDisposition.NOT_FOUND:
            pending.settle(cid, flush=False)
            algo = result.algo_order
            what = "canceled" if result.disposition is CancelDisposition.CANCEL_ACCEPTED else \
                f"already {algo.state.value if algo else 'finished'}"
            done.append(PendingCancel(cid, result.algo_id or stop.algo_id,
                                      f"unconfirmed stop {cid}: {what}", False))
        elif accepted and now - stop.since >= PENDING_STOP_FORGET_S:
            pending.settle(cid, flush=False)
            done.append(PendingCancel(cid, stop.algo_id, f"unconfirmed stop {cid}: the "
                                      f"exchange does not hold it {now - stop.since} s after "
                                      "it was sent; forgotten", False))
        elif accepted:
            done.append(PendingCancel(cid, stop.algo_id, f"unconfirmed stop {cid}: the exchange "
                                      "does not hold it yet; kept to cancel again", False))
        else:
            done.append(PendingCancel(cid, stop.algo_id, f"unconfirmed stop {cid}: cancel "
                                      f"{result.status}; kept to cancel again", True))
    if store.get_symbol_state(symbol).pending_stops != before:
        store.flush()
    return tuple(done)
