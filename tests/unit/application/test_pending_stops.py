"""Stops sent but not confirmed, kept in the store until the exchange settles them
(application/pending_stops.py, domain/state.py PendingStop), against the fake exchange."""

import asyncio
from decimal import Decimal

import pytest

from application.client_ids import allocate_ids
from application.pending_stops import PendingCancel, PendingStops, cancel_pending_stops
from domain.algo import AlgoState, AlgoStopIntent
from domain.ids import Role
from domain.orders import Side
from domain.outcome import Rejected
from domain.state import (
    PENDING_STOP_FORGET_S,
    PENDING_STOP_MEMORY,
    PendingStop,
    PositionState,
    SymbolState,
    with_pending_stops,
)
from ports.errors import ExchangeUnavailable
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock, InMemoryStateStore

SYMBOL = "BTC-USDT-SWAP"
NOW = 1_767_225_600


def store_with(*pending: PendingStop) -> InMemoryStateStore:
    state = SymbolState(SYMBOL, position_state=PositionState(intent_id="ps1"),
                        pending_stops=pending)
    return InMemoryStateStore({SYMBOL: state})


def place(ex: FakeExchange, cid: str) -> str:
    intent = AlgoStopIntent(spec(), Side.SELL, Decimal("0.05"), Decimal("29000"), cid)
    return asyncio.run(ex.algos.submit_algo_stop(intent)).algo_id


def cancel(ex: FakeExchange, store: InMemoryStateStore, *, keep: str = "",
           handled: frozenset[str] = frozenset(), now: int = NOW) -> tuple[PendingCancel, ...]:
    return asyncio.run(cancel_pending_stops(ex.algos, store, SYMBOL, now=now, keep=keep,
                                            handled=handled))


def durable(store: InMemoryStateStore) -> list[tuple[str, str, int]]:
    return [(p.client_algo_id, p.algo_id, p.since)
            for p in store.flushed[SYMBOL].pending_stops]


def test_a_stop_id_is_durable_as_pending_with_its_allocation() -> None:
    store = store_with()
    (cid,) = allocate_ids(store, SYMBOL, Role.STOP, pending_since=NOW)
    assert cid == "pxSLps100"
    assert durable(store) == [("pxSLps100", "", NOW)]
    assert store.flush_count == 1  # one write: the allocation and the record together
    allocate_ids(store, SYMBOL, Role.TP1)  # other roles are not stops
    assert durable(store) == [("pxSLps100", "", NOW)]


def test_only_the_newest_pending_stops_are_kept_and_none_twice() -> None:
    state = SymbolState(SYMBOL)
    for n in range(PENDING_STOP_MEMORY + 2):
        state = with_pending_stops(state, (f"c{n}",), NOW + n)
    state = with_pending_stops(state, ("c5",), NOW + 999)
    ids = [p.client_algo_id for p in state.pending_stops]
    assert len(ids) == PENDING_STOP_MEMORY and ids[0] == "c2" and ids[-1] == "c51"
    assert state.pending_stops[3] == PendingStop("c5", "", NOW + 5)


def test_a_pending_stop_the_exchange_holds_unseen_is_cancelled_and_settled() -> None:
    ex = FakeExchange(FakeClock())
    ex.algo_visibility_delay_s = 60
    algo_id = place(ex, "pxSLps100")
    store = store_with(PendingStop("pxSLps100", algo_id, NOW))
    (done,) = cancel(ex, store)
    assert done == PendingCancel("pxSLps100", algo_id, "unconfirmed stop pxSLps100: canceled",
                                 False)
    assert durable(store) == [] and store.flush_count == 1
    assert ex.algo_book[algo_id].state is AlgoState.CANCELED
    assert ex.calls == ["submit_algo_stop", "cancel_algo"]


def test_a_pending_stop_already_finished_is_settled_as_such() -> None:
    ex = FakeExchange(FakeClock())
    algo_id = place(ex, "pxSLps100")
    asyncio.run(ex.algos.cancel_algo(symbol=SYMBOL, algo_id=algo_id, client_algo_id=None))
    store = store_with(PendingStop("pxSLps100", "", NOW))
    (done,) = cancel(ex, store)
    assert done == PendingCancel("pxSLps100", algo_id,
                                 "unconfirmed stop pxSLps100: already canceled", False)
    assert durable(store) == []


def test_the_positions_stop_and_stops_seen_cancelled_are_settled_without_a_request() -> None:
    ex = FakeExchange(FakeClock())
    store = store_with(PendingStop("pxSLps100", "", NOW), PendingStop("pxSLps101", "", NOW),
                       PendingStop("pxSLps102", "", NOW))
    assert cancel(ex, store, keep="pxSLps100", handled=frozenset({"pxSLps101"})) == (
        PendingCancel("pxSLps102", "", "unconfirmed stop pxSLps102: the exchange does not hold "
                      "it yet; kept to cancel again", False),)
    assert durable(store) == [("pxSLps102", "", NOW)] and ex.calls == ["cancel_algo"]
    assert store.flush_count == 1  # what one recovery settles is written once


def test_a_recovery_that_settles_nothing_writes_nothing() -> None:
    ex = FakeExchange(FakeClock())
    store = store_with(PendingStop("pxSLps100", "A9", NOW))
    assert len(cancel(ex, store)) == 1
    assert store.flush_count == 0 and durable(store) == [("pxSLps100", "A9", NOW)]


@pytest.mark.parametrize(("age", "kept"), [(0, True), (PENDING_STOP_FORGET_S - 1, True),
                                           (PENDING_STOP_FORGET_S, False)])
def test_a_stop_the_exchange_does_not_hold_is_kept_until_it_cannot_still_arrive(
        age: int, kept: bool) -> None:
    ex = FakeExchange(FakeClock())
    store = store_with(PendingStop("pxSLps100", "A3", NOW - age))
    (done,) = cancel(ex, store)
    if kept:
        assert done == PendingCancel("pxSLps100", "A3", "unconfirmed stop pxSLps100: the "
                                     "exchange does not hold it yet; kept to cancel again", False)
        assert durable(store) == [("pxSLps100", "A3", NOW - age)]
    else:
        assert done == PendingCancel("pxSLps100", "A3", f"unconfirmed stop pxSLps100: the "
                                     f"exchange does not hold it {age} s after it was sent; "
                                     "forgotten", False)
        assert durable(store) == [] and store.flush_count == 1


def test_a_cancel_that_fails_keeps_the_stop_pending_and_needs_attention() -> None:
    ex = FakeExchange(FakeClock())
    ex.script("cancel_algo", ExchangeUnavailable("down"), Rejected("50013", "busy"))
    store = store_with(PendingStop("pxSLps100", "A1", NOW), PendingStop("pxSLps101", "", NOW))
    first, second = cancel(ex, store)
    assert (first.client_algo_id, first.algo_id, first.needs_attention) == \
        ("pxSLps100", "A1", True)
    assert first.what.startswith("unconfirmed stop pxSLps100: cancel failed (")
    assert first.what.endswith("); kept to cancel again")
    assert second == PendingCancel("pxSLps101", "", "unconfirmed stop pxSLps101: cancel "
                                   "rejected; kept to cancel again", True)
    assert [c for c, _, _ in durable(store)] == ["pxSLps100", "pxSLps101"]


def test_learning_and_settling_write_only_what_changed() -> None:
    store = store_with(PendingStop("pxSLps100", "", NOW))
    pending = PendingStops(store, SYMBOL)
    pending.learn("pxSLps100", "A7")
    assert durable(store) == [("pxSLps100", "A7", NOW)] and store.flush_count == 1
    pending.learn("other", "A8")
    pending.settle("other")
    assert store.flush_count == 1
    pending.settle("pxSLps100", flush=False)
    assert store.states[SYMBOL].pending_stops == () and durable(store) != []
    pending.settle("pxSLps100")
    assert store.flush_count == 1


class FlushLog(InMemoryStateStore):
    """Every durable state of SYMBOL, one per flush."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[SymbolState] = []

    def flush(self) -> None:
        super().flush()
        self.log.append(self.flushed.get(SYMBOL, SymbolState(SYMBOL)))


@pytest.mark.parametrize("early_refused", [False, True])
def test_no_flush_shows_the_positions_stop_still_pending(early_refused: bool) -> None:
    # how long a pending record outlives its stop's adoption: not one write (the stop sent
    # with the entry, or, that one refused, the stop placed after the fill)
    from tests.unit.application.test_open_position import open_
    ex, store = FakeExchange(FakeClock()), FlushLog()
    if early_refused:
        ex.script("submit_algo_stop", Rejected("51169", "no position to reduce"))
    assert open_(ex, store).status == "opened"
    pending = [[p.client_algo_id for p in s.pending_stops] for s in store.log]
    stop = store.flushed[SYMBOL].position_state.sl_algo.client_algo_id
    assert [stop] in pending  # it was pending while it travelled
    adopted = [n for n, s in enumerate(store.log)
               if s.position_state.sl_algo.client_algo_id == stop]
    assert adopted and all(pending[n] == [] for n in adopted)
