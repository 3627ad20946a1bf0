"""Status reads the exchange and the store and changes nothing."""

import asyncio
from decimal import Decimal

import attrs

from application.status import (
    NOT_SEEN,
    PendingStopView,
    StatusCommand,
    StatusReport,
    SymbolStatus,
    pending_stop_views,
)
from domain.algo import AlgoStopIntent
from domain.orders import Side
from domain.state import PendingStop, PositionStage, pending_stop_ids, with_pending_stops
from tests.fake_venue import FakeExchange, spec
from tests.fakes import InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.position_world import SYMBOL, opened


def test_status_shows_the_position_its_stop_and_the_gate() -> None:
    exchange, store = opened()
    orders, algos = dict(exchange.order_book), dict(exchange.algo_book)
    report = asyncio.run(wiring.status(exchange, store).execute(
        StatusCommand(("ETH-USDT-SWAP",))))
    rows = {r.symbol: r for r in report.symbols}
    btc = rows[SYMBOL]
    assert btc.exchange_side == "LONG" and str(btc.exchange_qty) == "0.10"
    assert btc.stage == "PRE_TP1" and btc.stop_confirmed
    assert not btc.may_open and "position is open" in btc.locks
    assert [s.client_algo_id for s in btc.stops] == ["pxSLop100"]
    assert rows["ETH-USDT-SWAP"].exchange_side == "NONE" and rows["ETH-USDT-SWAP"].may_open
    assert exchange.order_book == orders and exchange.algo_book == algos


def status_of(exchange: FakeExchange, store: InMemoryStateStore
              ) -> tuple[StatusReport, SymbolStatus]:
    report = asyncio.run(wiring.status(exchange, store).execute(StatusCommand()))
    return report, {r.symbol: r for r in report.symbols}[SYMBOL]


def test_a_protected_position_needs_no_attention() -> None:
    exchange, store = opened()
    report, row = status_of(exchange, store)
    assert row.protection_gap == "" and not report.needs_attention


def test_a_position_whose_stop_is_gone_is_reported_unprotected() -> None:
    # issue 8: `status` showed "stops none" with exit 0
    exchange, store = opened()
    exchange.algo_book.clear()
    report, row = status_of(exchange, store)
    assert row.protection_gap == "LONG 0.10 has no stop" and report.needs_attention


def test_a_stop_smaller_than_the_position_is_reported() -> None:
    exchange, store = opened()
    side, qty, entry = exchange.positions[SYMBOL]
    exchange.positions[SYMBOL] = (side, qty + Decimal("0.05"), entry)
    report, row = status_of(exchange, store)
    assert "covers 0.10 of 0.15" in row.protection_gap and report.needs_attention


# --- pending stops: sent, not yet settled in the store (application/pending_stops.py) ---------

def now_s(exchange: FakeExchange) -> int:
    return exchange.clock.now_ms() // 1000


def send_stop(exchange: FakeExchange, cid: str, hidden_s: float = 0.0) -> str:
    """A reduce-only stop of ours for the whole position, placed at the exchange (hidden from
    its queries for hidden_s)."""
    exchange.algo_visibility_delay_s = hidden_s
    intent = AlgoStopIntent(spec(), Side.SELL, Decimal("0.10"), Decimal("29000.0"), cid)
    algo_id = asyncio.run(exchange.algos.submit_algo_stop(intent)).algo_id
    exchange.algo_visibility_delay_s = 0.0
    return algo_id


def record_pending(store: InMemoryStateStore, cid: str, since: int, algo_id: str = "") -> None:
    state = with_pending_stops(store.get_symbol_state(SYMBOL), (cid,), since)
    store.set_symbol_state(SYMBOL, pending_stop_ids(state, cid, algo_id))
    store.flush()


def test_a_live_pending_stop_that_is_not_the_positions_stop_needs_attention() -> None:
    # the position's recorded stop is gone and a pending one of ours protects it instead: the
    # exchange shows exactly one covering stop (no protection gap), yet no position owns it
    exchange, store = opened()
    (own,) = exchange.open_algos(SYMBOL)
    asyncio.run(exchange.algos.cancel_algo(symbol=SYMBOL, algo_id=own.algo_id,
                                           client_algo_id=own.client_algo_id))
    algo_id = send_stop(exchange, "pxSLop101")
    record_pending(store, "pxSLop101", now_s(exchange) - 42)
    report, row = status_of(exchange, store)
    assert row.protection_gap == ""
    assert row.pending_stops == (PendingStopView("pxSLop101", algo_id, now_s(exchange) - 42,
                                                 42, "live", adopted=False),)
    assert row.stray_pending == row.pending_stops and report.needs_attention


def test_a_pending_stop_beside_the_positions_stop_is_named_among_the_stops() -> None:
    exchange, store = opened()
    send_stop(exchange, "pxSLop101")
    record_pending(store, "pxSLop101", now_s(exchange))
    report, row = status_of(exchange, store)
    (view,) = row.stray_pending
    assert (view.client_algo_id, view.exchange, view.age_s) == ("pxSLop101", "live", 0)
    assert "has 2 stops" in row.protection_gap and report.needs_attention


def test_a_pending_stop_the_exchange_does_not_show_is_listed_without_alarm() -> None:
    exchange, store = opened()
    algo_id = send_stop(exchange, "pxSLop101", hidden_s=60.0)
    record_pending(store, "pxSLop101", now_s(exchange), algo_id)
    exchange.clock.advance(7.5)  # whole seconds, as the record's time
    report, row = status_of(exchange, store)
    assert row.pending_stops == (PendingStopView("pxSLop101", algo_id, now_s(exchange) - 7, 7,
                                                 NOT_SEEN, adopted=False),)
    assert row.stray_pending == () and not report.needs_attention
    # once the exchange shows it, the same record is a live stop nobody owns
    exchange.clock.advance(60)
    report, row = status_of(exchange, store)
    assert [(p.exchange, p.age_s) for p in row.pending_stops] == [("live", 67)]
    assert report.needs_attention


def test_a_pending_record_of_the_positions_own_stop_is_no_alarm() -> None:
    exchange, store = opened()
    (own,) = exchange.open_algos(SYMBOL)
    record_pending(store, own.client_algo_id, 0)  # a record with no time
    report, row = status_of(exchange, store)
    assert row.pending_stops == (PendingStopView(own.client_algo_id, own.algo_id, 0, None,
                                                 "live", adopted=True),)
    assert not report.needs_attention


def test_a_flat_symbols_pending_stop_is_never_adopted() -> None:
    # a flat record may still name its last stop: that stop protects nothing now
    exchange, store = opened()
    exchange.positions.clear()
    state = store.get_symbol_state(SYMBOL)
    store.set_symbol_state(SYMBOL, attrs.evolve(state, position_state=attrs.evolve(
        state.position_state, stage=PositionStage.FLAT)))
    (own,) = exchange.open_algos(SYMBOL)
    record_pending(store, own.client_algo_id, now_s(exchange))
    report, row = status_of(exchange, store)
    assert [p.adopted for p in row.pending_stops] == [False] and row.stray_pending
    assert report.needs_attention


def test_pending_stops_cost_status_no_request_of_their_own() -> None:
    exchange, store = opened()
    exchange.calls.clear()
    status_of(exchange, store)
    without = list(exchange.calls)
    record_pending(store, "pxSLop101", now_s(exchange))
    record_pending(store, "pxSLop102", now_s(exchange))
    exchange.calls.clear()
    _, row = status_of(exchange, store)
    assert len(row.pending_stops) == 2 and exchange.calls == without


def test_a_record_with_a_time_has_an_age_and_one_without_none() -> None:
    views = pending_stop_views((PendingStop("pxSLa101", "", 1), PendingStop("pxSLa102", "", 0)),
                               (), "", 100)
    assert [v.age_s for v in views] == [99, None]
