"""A market entry's stop sent beside its status read (issue 14 P2, application/early_stop.py):
the stop leaves once the exchange accepted the entry; the position record moves only on the fill
the exchange shows. Each way the entry can end, checked in the fake exchange's books and the
store as flushed."""

import asyncio
from decimal import Decimal
from typing import Any

import attrs
import pytest

from application.open_position import OpenPosition
from application.order_path import OrderPath
from application.recover_protection import RecoverCommand
from domain.algo import AlgoStopIntent
from domain.outcome import Rejected, Unknown
from domain.params import Params
from domain.state import PositionStage
from ports.errors import ExchangeUnavailable
from tests.fake_venue import FakeExchange
from tests.fakes import FakeClock, InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.test_open_position import SYMBOL, command, open_
from tests.unit.application.test_push_race import SlowReads

D = Decimal
ENTRY, EARLY, AFTER = "pxENop100", "pxSLop100", "pxSLop101"

World = tuple[FakeExchange, InMemoryStateStore]


@pytest.fixture
def world() -> World:
    return FakeExchange(FakeClock()), InMemoryStateStore()


def stops_sent(exchange: FakeExchange) -> list[tuple[str, Decimal | None]]:
    return [(a.client_algo_id, a.size) for a in exchange.algo_book.values()]


def test_the_stop_leaves_before_the_entrys_status_read_answers_and_is_the_positions(
        world: World) -> None:
    exchange, store = world
    reads = SlowReads(exchange)
    done = open_(exchange, store)
    assert done.status == "opened" and not done.needs_attention
    # the gate's entry-id lookup, then the stop sent while the entry's status read travelled
    assert reads.entry_reads() == [f"status {ENTRY}", "stop sent", f"status {ENTRY}"]
    assert stops_sent(exchange) == [(EARLY, D("0.10"))]
    state = store.flushed[SYMBOL]
    pos = state.position_state
    assert (pos.sl_algo.client_algo_id, pos.qty_open, pos.sl_confirmed) == (EARLY, D("0.10"),
                                                                            True)
    assert state.pending_stops == ()
    assert "cancel_algo" not in exchange.calls
    assert any("sent with the entry" in n.text for n in done.notes)


def test_the_stops_client_id_is_pending_in_the_store_before_it_is_sent(world: World) -> None:
    exchange, store = world
    submit = exchange.algos.submit_algo_stop
    pending_when_sent: list[tuple[str, ...]] = []

    async def placing(intent: AlgoStopIntent) -> Any:
        pending_when_sent.append(tuple(
            p.client_algo_id for p in store.flushed[SYMBOL].pending_stops))
        # and the fill is not in the store yet: the position record waits for it
        assert store.flushed[SYMBOL].position_state.stage is PositionStage.FLAT
        return await submit(intent)

    exchange.algos.submit_algo_stop = placing  # type: ignore[method-assign]
    assert open_(exchange, store).status == "opened"
    assert pending_when_sent == [(EARLY,)]


def test_a_partial_fill_replaces_the_stop_with_one_of_the_filled_size(world: World) -> None:
    exchange, store = world
    exchange.market_fill_ratio = D("0.6")  # the rest rests until the reads give up
    done = open_(exchange, store)
    assert done.status == "opened", done
    [(cid, size)] = [(a.client_algo_id, a.size) for a in exchange.open_algos(SYMBOL)]
    assert (cid, size) == (AFTER, D("0.06"))
    early = [a for a in exchange.algo_book.values() if a.client_algo_id == EARLY]
    assert [a.state.value for a in early] == ["canceled"]
    # the new stop was confirmed before the early one was cancelled
    assert exchange.calls.index("cancel_algo") > exchange.calls.index("submit_algo_stop", 1)
    state = store.flushed[SYMBOL]
    assert state.position_state.qty_open == D("0.06") == exchange.position_qty(SYMBOL)[1]
    assert state.position_state.sl_algo.client_algo_id == AFTER
    assert state.pending_stops == ()


def test_an_entry_that_fills_nothing_leaves_no_stop_and_no_position(world: World) -> None:
    exchange, store = world
    exchange.market_fill_ratio = D("0")
    done = open_(exchange, store)
    assert done.status == "entry_not_filled" and not done.needs_attention
    assert stops_sent(exchange) == [(EARLY, D("0.10"))]
    assert exchange.open_algos(SYMBOL) == [] and not exchange.positions
    state = store.flushed[SYMBOL]
    assert state.pending_stops == () and state.position_state.stage is PositionStage.FLAT
    assert any(EARLY in n.text and "canceled" in n.text for n in done.notes)


def test_an_entry_whose_fate_is_unknown_has_its_stop_cancelled(world: World) -> None:
    exchange, store = world
    submit = exchange.orders.submit_order

    async def placed_then_unreadable(intent: Any) -> Any:
        answer = await submit(intent)
        if intent.client_order_id == ENTRY:
            exchange.script("get_order_status", *[ExchangeUnavailable("down")] * 200)
            exchange.script("cancel_order", Unknown("timeout"))
        return answer

    exchange.orders.submit_order = placed_then_unreadable  # type: ignore[method-assign]
    done = open_(exchange, store)
    assert done.status == "entry_unknown" and done.needs_attention
    # never a position record without a fill seen, and no stop left behind
    assert store.flushed[SYMBOL].position_state.stage is PositionStage.FLAT
    assert exchange.open_algos(SYMBOL) == []
    assert store.flushed[SYMBOL].pending_stops == ()


def test_a_refused_entry_sends_no_stop(world: World) -> None:
    exchange, store = world
    exchange.script("submit_order", Rejected("51008", "Insufficient margin"))
    done = open_(exchange, store)
    assert done.status == "entry_rejected"
    assert "submit_algo_stop" not in exchange.calls
    assert store.flushed[SYMBOL].pending_stops == ()


def test_a_stop_refused_before_the_fill_is_placed_again_after_it(world: World) -> None:
    exchange, store = world
    # a venue that checks reduce-only against a position not there yet (OKX 51169 family)
    exchange.script("submit_algo_stop", Rejected("51169", "no position to reduce"))
    done = open_(exchange, store)
    assert done.status == "opened" and not done.needs_attention
    assert [(a.client_algo_id, a.size) for a in exchange.open_algos(SYMBOL)] == [
        (AFTER, D("0.10"))]
    state = store.flushed[SYMBOL]
    assert state.position_state.sl_algo.client_algo_id == AFTER
    assert state.pending_stops == ()


def test_a_stop_invisible_for_its_second_is_not_sent_again_the_position_is_flattened(
        world: World) -> None:
    exchange, store = world
    exchange.algo_visibility_delay_s = 1.5
    done = open_(exchange, store)
    assert done.status == "flattened"
    assert exchange.calls.count("submit_algo_stop") == 1
    assert not exchange.positions and exchange.open_algos(SYMBOL) == []
    state = store.flushed[SYMBOL]
    now = exchange.clock.now_ms() // 1000
    assert state.cooldown_until.loss >= now + 1799 and state.pending_stops == ()


def test_a_stop_the_exchange_shows_for_another_size_is_replaced(world: World) -> None:
    exchange, store = world
    listed = exchange.algos.get_open_algo_orders

    async def shrunk(symbol: str) -> Any:
        # an exchange that cut the reduce-only stop to the position it saw when it took it
        return tuple(attrs.evolve(a, size=D("0.05")) if a.client_algo_id == EARLY else a
                     for a in await listed(symbol))

    exchange.algos.get_open_algo_orders = shrunk  # type: ignore[method-assign]
    done = open_(exchange, store)
    assert done.status == "opened"
    assert [a.client_algo_id for a in exchange.open_algos(SYMBOL)] == [AFTER]
    assert store.flushed[SYMBOL].position_state.sl_algo.client_algo_id == AFTER


class Killed(BaseException):
    """The process dies here (nothing below runs, nothing is flushed after it)."""


def test_a_process_killed_after_the_stop_left_and_before_the_fill_was_seen_recovers(
        world: World) -> None:
    exchange, store = world
    read = exchange.orders.get_order_status
    sent = asyncio.Event()
    submit = exchange.algos.submit_algo_stop

    async def placing(intent: AlgoStopIntent) -> Any:
        answer = await submit(intent)
        sent.set()
        return answer

    async def dies_once_the_stop_left(**kw: Any) -> Any:
        if kw["client_order_id"] == ENTRY and kw["order_id"]:
            await sent.wait()
            raise Killed
        return await read(**kw)

    exchange.orders.get_order_status = dies_once_the_stop_left  # type: ignore[method-assign]
    exchange.algos.submit_algo_stop = placing  # type: ignore[method-assign]
    with pytest.raises(Killed):
        open_(exchange, store)
    # what the dead process left: a filled entry at the exchange, its stop live there, the
    # stop pending in the store and no position record
    store.load()
    assert exchange.position_qty(SYMBOL)[1] == D("0.10")
    assert [a.client_algo_id for a in exchange.open_algos(SYMBOL)] == [EARLY]
    assert [p.client_algo_id for p in store.flushed[SYMBOL].pending_stops] == [EARLY]
    assert store.flushed[SYMBOL].position_state.stage is PositionStage.FLAT

    exchange.orders.get_order_status = read  # type: ignore[method-assign]
    out = asyncio.run(wiring.recover(exchange, store).execute(RecoverCommand((SYMBOL,))))
    # the durable intent's entry filled while the engine was down: recovery reads the fill
    # from the exchange, protects it with a stop of its own, seen open, and cancels the
    # pending one by client id (as for an entry killed before any stop was sent)
    (recovered,) = out.symbols
    assert any(f"stop {EARLY} without its position" in a for a in recovered.actions)
    assert [(a.client_algo_id, a.size) for a in exchange.open_algos(SYMBOL)] == [
        (AFTER, D("0.10"))]
    state = store.flushed[SYMBOL]
    assert state.pending_stops == ()
    pos = state.position_state
    assert (pos.stage, pos.qty_open, pos.sl_algo.client_algo_id, pos.sl_confirmed) == (
        PositionStage.PRE_TP1, D("0.10"), AFTER, True)


def test_without_streams_the_stop_still_leaves_with_the_status_read(world: World) -> None:
    # a one-shot open (no streams: the status read alone decides the fill)
    exchange, store = world
    reads = SlowReads(exchange)
    use_case = OpenPosition(exchange.market, exchange.account, exchange.orders,
                            OrderPath(exchange.orders, exchange.market, exchange.clock),
                            wiring.driver(exchange, store), store, exchange.clock, Params())
    done = asyncio.run(use_case.execute(command()))
    assert done.status == "opened"
    assert reads.entry_reads() == [f"status {ENTRY}", "stop sent", f"status {ENTRY}"]
    assert store.flushed[SYMBOL].position_state.sl_algo.client_algo_id == EARLY


def test_a_stop_refused_for_an_entry_that_filled_nothing_is_settled_with_a_note(
        world: World) -> None:
    exchange, store = world
    exchange.market_fill_ratio = D("0")
    exchange.script("submit_algo_stop", Rejected("51169", "no position to reduce"))
    done = open_(exchange, store)
    assert done.status == "entry_not_filled" and not done.needs_attention
    assert store.flushed[SYMBOL].pending_stops == ()
    assert [n.text for n in done.notes] == [
        f"stop {EARLY} sent with the entry: stop rejected 51169: no position to reduce"]
    assert "cancel_algo" not in exchange.calls


def test_a_stop_whose_answer_was_lost_is_cancelled_by_its_client_id(world: World) -> None:
    exchange, store = world
    exchange.market_fill_ratio = D("0")
    exchange.script("submit_algo_stop", "drop")  # placed, but its answer (and id) lost
    done = open_(exchange, store)
    assert done.status == "entry_not_filled" and not done.needs_attention, done
    [early] = [a for a in exchange.algo_book.values() if a.client_algo_id == EARLY]
    assert early.state.value == "canceled"
    assert store.flushed[SYMBOL].pending_stops == ()


def test_a_stop_never_seen_is_watched_for_the_stray_wait_then_left_pending(
        world: World) -> None:
    exchange, store = world
    exchange.market_fill_ratio = D("0")
    exchange.script("submit_algo_stop", Unknown("timeout"))  # nothing placed, nobody knows
    done = open_(exchange, store)
    assert done.status == "entry_not_filled" and done.needs_attention
    (note,) = done.notes
    assert note.needs_attention and EARLY in note.text and "may still appear" in note.text
    # kept for the next recovery to cancel by client id
    assert [p.client_algo_id for p in store.flushed[SYMBOL].pending_stops] == [EARLY]
    # one cancel every 0.2 s for the stray wait (virtual time), then it gives up
    wait_s = Params().protection.stray_stop_wait_ms / 1000
    assert wait_s / 0.2 <= exchange.calls.count("cancel_algo") <= wait_s / 0.2 + 2


def test_the_pending_record_says_when_the_stop_was_sent(world: World) -> None:
    exchange, store = world
    submit = exchange.algos.submit_algo_stop
    seen: list[tuple[int, int]] = []

    async def placing(intent: AlgoStopIntent) -> Any:
        (pending,) = store.flushed[SYMBOL].pending_stops
        seen.append((pending.since, exchange.clock.now_ms() // 1000))
        return await submit(intent)

    exchange.clock.advance(12.5)
    exchange.algos.submit_algo_stop = placing  # type: ignore[method-assign]
    open_(exchange, store)
    [(since, now)] = seen
    assert since == now


def test_a_cancelled_open_leaves_no_task_running_and_the_stop_pending(world: World) -> None:
    exchange, store = world
    stop_sent, never = asyncio.Event(), asyncio.Event()
    submit, read = exchange.algos.submit_algo_stop, exchange.orders.get_order_status

    async def held_stop(intent: AlgoStopIntent) -> Any:
        stop_sent.set()
        await never.wait()
        return await submit(intent)

    async def held_read(**kw: Any) -> Any:
        if kw["order_id"]:
            await never.wait()
        return await read(**kw)

    exchange.algos.submit_algo_stop = held_stop  # type: ignore[method-assign]
    exchange.orders.get_order_status = held_read  # type: ignore[method-assign]

    async def body() -> None:
        task = asyncio.ensure_future(wiring.open_position(exchange, store).execute(command()))
        await stop_sent.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []

    asyncio.run(body())
    assert [p.client_algo_id for p in store.flushed[SYMBOL].pending_stops] == [EARLY]


def test_a_stop_known_only_by_its_client_id_is_cancelled_once_it_shows(world: World) -> None:
    exchange, store = world
    exchange.market_fill_ratio = D("0")
    exchange.script("submit_algo_stop", "drop")  # its answer, and so its algo id, lost
    exchange.algo_visibility_delay_s = 1.5       # and not shown before the sentinel gave up
    done = open_(exchange, store)
    assert done.status == "entry_not_filled" and not done.needs_attention, done
    [early] = [a for a in exchange.algo_book.values() if a.client_algo_id == EARLY]
    assert early.state.value == "canceled"
    assert store.flushed[SYMBOL].pending_stops == ()
