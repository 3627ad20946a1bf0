"""The entry's fill and the stop's visibility, each raced between the status read (or the open
algo orders poll) and the venue's push (issue 14 P2): whichever exchange answer proves it first
is taken, and the read that lost still finishes, with its evidence, before open returns."""

import asyncio
from decimal import Decimal
from typing import Any

import attrs
import pytest

from application.order_path import Wait
from application.push_race import Lingering, already_pushed, push_before, until_set
from domain.algo import AlgoState
from domain.orders import OrderIntent, OrderState, OrdType, Side
from ports.exchange_events import AlgoUpdate, OrderUpdate, ResyncNeeded
from tests.fake_venue import FakeExchange, FakeSubscription
from tests.fakes import FakeClock, InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.test_open_position import SYMBOL, command

D = Decimal
ENTRY, STOP = "pxENop100", "pxSLop100"


class SlowReads:
    """Each status read and open-algo poll takes many turns of the loop, as a round trip does,
    and is noted when its answer comes back; the stop's placement is noted when it is sent."""

    def __init__(self, exchange: FakeExchange) -> None:
        self.answered: list[str] = []
        self.in_flight = 0
        status, algos = exchange.orders.get_order_status, exchange.algos.get_open_algo_orders
        submit_algo = exchange.algos.submit_algo_stop

        async def slow(name: str, call: Any) -> Any:
            self.in_flight += 1
            try:
                for _ in range(30):
                    await asyncio.sleep(0)
                result = await call
                self.answered.append(name)
                return result
            finally:
                self.in_flight -= 1

        async def read_status(**kw: Any) -> Any:
            return await slow(f"status {kw['client_order_id']}", status(**kw))

        async def place_stop(intent: Any) -> Any:
            self.answered.append("stop sent")
            return await submit_algo(intent)

        async def read_algos(symbol: str) -> Any:
            return await slow("algos", algos(symbol))

        exchange.orders.get_order_status = read_status  # type: ignore[method-assign]
        exchange.algos.get_open_algo_orders = read_algos  # type: ignore[method-assign]
        exchange.algos.submit_algo_stop = place_stop  # type: ignore[method-assign]

    def entry_reads(self) -> list[str]:
        """The entry's status reads and the stop's placement, in the order they happened."""
        return [a for a in self.answered if a in (f"status {ENTRY}", "stop sent")]


def pushing(exchange: FakeExchange, *, entry_state: OrderState | None = None,
            algo_state: AlgoState | None = None, during: str = "placement") -> None:
    """The exchange pushes the entry's and the stop's state once: as it answers their
    placement ("placement", what OKX's orders and orders-algo channels do while the streams
    are up), or only once the status read or the poll has left ("read")."""
    submit_order, submit_algo = exchange.orders.submit_order, exchange.algos.submit_algo_stop
    get_status, get_algos = exchange.orders.get_order_status, exchange.algos.get_open_algo_orders
    pushed: set[str] = set()

    def push_entry() -> None:
        found = exchange.find_order(None, ENTRY, SYMBOL)
        if entry_state is not None and found is not None and ENTRY not in pushed:
            pushed.add(ENTRY)
            ev = exchange.evidence("WS orders push")
            exchange.push(OrderUpdate(attrs.evolve(found, state=entry_state, evidence=ev),
                                      None, ev))

    def push_stop() -> None:
        found = next((a for a in exchange.algo_book.values() if a.client_algo_id == STOP),
                     None)
        if algo_state is not None and found is not None and STOP not in pushed:
            pushed.add(STOP)
            exchange.push(AlgoUpdate(attrs.evolve(found, state=algo_state),
                                     exchange.evidence("WS orders-algo push")))

    async def order(intent: Any) -> Any:
        placed = await submit_order(intent)
        if during == "placement":
            push_entry()
        return placed

    async def algo(intent: Any) -> Any:
        placed = await submit_algo(intent)
        if during == "placement":
            push_stop()
        return placed

    async def status(**kw: Any) -> Any:
        push_entry()  # the read has left; the push overtakes its answer
        return await get_status(**kw)

    async def algos(symbol: str) -> Any:
        push_stop()
        return await get_algos(symbol)

    exchange.orders.submit_order = order  # type: ignore[method-assign]
    exchange.algos.submit_algo_stop = algo  # type: ignore[method-assign]
    if during == "read":
        exchange.orders.get_order_status = status  # type: ignore[method-assign]
        exchange.algos.get_open_algo_orders = algos  # type: ignore[method-assign]


def run_open(exchange: FakeExchange, store: InMemoryStateStore) -> Any:
    async def body() -> Any:
        done = await wiring.open_position(exchange, store).execute(command())
        # nothing the use-case started is left running when it returns
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        return done
    return asyncio.run(body())


@pytest.fixture
def exchange() -> FakeExchange:
    return FakeExchange(FakeClock())


def test_a_fill_pushed_with_the_entrys_answer_needs_no_status_read(
        exchange: FakeExchange) -> None:
    reads = SlowReads(exchange)
    pushing(exchange, entry_state=OrderState.FILLED)
    store = InMemoryStateStore()
    assert run_open(exchange, store).status == "opened"
    # the fill came from the push, the exchange's record of the order (its frame the evidence)
    assert len([r for r in exchange.sink.records if r.endpoint == "WS orders push"]) == 1
    assert store.flushed[SYMBOL].position_state.entry_price == exchange.prices[SYMBOL]
    # only the gate's lookup of the entry id was read; the stop followed the push
    assert reads.entry_reads() == [f"status {ENTRY}", "stop sent"]


def test_a_fill_pushed_while_the_status_read_travels_wins_and_the_read_still_finishes(
        exchange: FakeExchange) -> None:
    reads = SlowReads(exchange)
    pushing(exchange, entry_state=OrderState.FILLED, during="read")
    assert run_open(exchange, InMemoryStateStore()).status == "opened"
    # the stop went out before the raced status read answered; that read was still answered
    # (and recorded) before open returned, and no other was sent after the push
    lookup, race = f"status {ENTRY}", f"status {ENTRY}"
    assert reads.entry_reads() == [lookup, "stop sent", race]
    assert reads.in_flight == 0


def confirmed_via(caplog: pytest.LogCaptureFixture) -> str:
    (line,) = [r for r in caplog.records if getattr(r, "event", "") == "stop_confirmed"]
    return str(line.via)  # type: ignore[attr-defined]


def test_a_stop_pushed_with_its_placements_answer_is_confirmed_without_a_poll(
        exchange: FakeExchange, caplog: pytest.LogCaptureFixture) -> None:
    reads = SlowReads(exchange)
    pushing(exchange, algo_state=AlgoState.LIVE)
    caplog.set_level("INFO", logger="application.order_path")
    assert run_open(exchange, InMemoryStateStore()).status == "opened"
    assert confirmed_via(caplog) == "ws" and "algos" not in reads.answered


def test_a_stop_pushed_while_the_poll_travels_is_confirmed_and_the_poll_still_finishes(
        exchange: FakeExchange, caplog: pytest.LogCaptureFixture) -> None:
    reads = SlowReads(exchange)
    pushing(exchange, algo_state=AlgoState.LIVE, during="read")
    caplog.set_level("INFO", logger="application.order_path")
    assert run_open(exchange, InMemoryStateStore()).status == "opened"
    assert confirmed_via(caplog) == "ws"
    # the poll it overtook was answered before open returned
    assert reads.answered.count("algos") == 1 and reads.in_flight == 0


@pytest.mark.parametrize("state", [OrderState.LIVE, OrderState.PARTIALLY_FILLED])
def test_a_push_of_an_order_not_yet_terminal_does_not_end_the_wait(
        exchange: FakeExchange, state: OrderState) -> None:
    reads = SlowReads(exchange)
    pushing(exchange, entry_state=state)
    assert run_open(exchange, InMemoryStateStore()).status == "opened"
    # the fill is the status read's; the stop went out beside it (application/early_stop.py),
    # before its answer, and is the position's stop
    assert reads.entry_reads() == [f"status {ENTRY}", "stop sent", f"status {ENTRY}"]
    assert exchange.calls.count("submit_algo_stop") == 1


@pytest.mark.parametrize("state", [AlgoState.CANCELED, AlgoState.EFFECTIVE])
def test_a_push_of_a_stop_no_longer_open_confirms_nothing(
        exchange: FakeExchange, state: AlgoState, caplog: pytest.LogCaptureFixture) -> None:
    SlowReads(exchange)
    pushing(exchange, algo_state=state)
    caplog.set_level("INFO", logger="application.order_path")
    assert run_open(exchange, InMemoryStateStore()).status == "opened"
    assert confirmed_via(caplog) == "poll"


def test_without_a_push_the_read_decides_and_nothing_lingers() -> None:
    async def body() -> tuple[object, object, list[asyncio.Task[Any]], float]:
        clock = FakeClock()
        sub, before = FakeSubscription(clock), clock.monotonic()
        queued = await already_pushed(sub, lambda e: e)  # nothing queued: no wait at all
        read = asyncio.ensure_future(asyncio.sleep(0, result="read"))
        found = await push_before(read, sub, lambda e: e)
        # the wait for a push ended with the read: nothing it started is left pending
        left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        return queued, found, left, clock.monotonic() - before
    assert asyncio.run(body()) == (None, None, [], 0)


def test_a_push_that_arrives_first_wins_and_the_read_is_kept_until_settled() -> None:
    async def body() -> tuple[object, int, bool, int]:
        sub = FakeSubscription(FakeClock())
        gate = asyncio.Event()

        async def slow_read() -> str:
            await gate.wait()
            return "read"
        read = asyncio.ensure_future(slow_read())
        mine = ResyncNeeded("mine", None)
        sub.offer(ResyncNeeded("other", None))
        sub.offer(mine)
        found = await push_before(read, sub, lambda e: e if e is mine else None)
        lingering = Lingering()
        lingering.keep(read)
        kept = len(lingering)
        gate.set()
        await lingering.settle()
        return found, kept, read.done(), len(lingering)
    assert asyncio.run(body()) == (ResyncNeeded("mine", None), 1, True, 0)


def test_after_a_pushed_terminal_state_no_further_status_read_is_sent(
        exchange: FakeExchange) -> None:
    """A resting limit order: the status read in flight saw it live; its fill is pushed
    meanwhile. The push ends the wait and the read that lost sends no other."""
    seen: list[OrderState] = []
    status = exchange.orders.get_order_status

    async def read_then_travel(**kw: Any) -> Any:
        found = await status(**kw)  # the exchange's state when the read reached it
        assert found.status is not None
        seen.append(found.status.state)
        for _ in range(30):
            await asyncio.sleep(0)
        return found
    exchange.orders.get_order_status = read_then_travel  # type: ignore[method-assign]
    path = wiring.order_path(exchange)
    intent = OrderIntent(exchange.instruments[0], Side.BUY, OrdType.LIMIT, D("0.10"),
                         D("29990.0"), False, "pxENlim100")

    async def body() -> Any:
        sending = asyncio.ensure_future(path.send(intent, wait=Wait.TERMINAL, polls=5))
        while not seen:
            await asyncio.sleep(0)
        (order_id,) = exchange.order_book
        filled = exchange.fill_order(order_id, price=D("29990.0"))
        ev = exchange.evidence("WS orders push")
        exchange.push(OrderUpdate(attrs.evolve(filled, evidence=ev), None, ev))
        sent = await sending
        await path.lingering.settle()
        return sent
    sent = asyncio.run(body())
    assert sent.status is not None and sent.status.state is OrderState.FILLED
    pushed = [i for i, r in enumerate(exchange.sink.records) if r.endpoint == "WS orders push"]
    assert sent.status.evidence is not None and [sent.status.evidence.seq] == pushed
    assert seen == [OrderState.LIVE]


def test_settling_waits_out_a_read_that_failed_without_raising() -> None:
    async def body() -> tuple[bool, int]:
        async def failing_read() -> None:
            await asyncio.sleep(0)
            raise RuntimeError("connection reset")
        read = asyncio.ensure_future(failing_read())
        lingering = Lingering()
        lingering.keep(read)
        await lingering.settle()  # the read's outcome no longer matters: no raise
        return read.done(), len(lingering)
    assert asyncio.run(body()) == (True, 0)


class CountedSleep:
    """A sleep of `turns` turns of the loop that notes whether it ran to its end."""

    def __init__(self, turns: int = 50) -> None:
        self.turns, self.finished = turns, False

    async def __call__(self) -> None:
        for _ in range(self.turns):
            await asyncio.sleep(0)
        self.finished = True


@pytest.mark.parametrize("stopped", [False, True])
def test_the_sleep_between_reads_ends_early_only_once_stopped(stopped: bool) -> None:
    async def body() -> tuple[bool, list[asyncio.Task[Any]]]:
        sleep, stop = CountedSleep(), asyncio.Event()
        if stopped:
            stop.set()
        await until_set(stop, sleep())
        left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        return sleep.finished, left
    finished, left = asyncio.run(body())
    assert finished is not stopped and left == []  # nothing it started is left running


def test_without_a_stop_the_sleep_runs_to_its_end() -> None:
    sleep = CountedSleep()
    asyncio.run(until_set(None, sleep()))
    assert sleep.finished


@pytest.mark.parametrize("held", ["status"])
def test_a_cancelled_open_cancels_the_read_it_was_racing(exchange: FakeExchange,
                                                           held: str) -> None:
    # only a cancelled command cancels its reads: none is left running after it. ("poll" is
    # not listed: the stop's poll goes through application/shared_reads.py, whose read is
    # shared by every asker of its round and outlives one cancelled asker; asyncio.run
    # cancels it when the command's loop ends.)
    never, started = asyncio.Event(), asyncio.Event()
    read, poll = exchange.orders.get_order_status, exchange.algos.get_open_algo_orders

    async def held_read(**kw: Any) -> Any:
        if held == "status" and kw["order_id"]:
            started.set()
            await never.wait()
        return await read(**kw)

    async def held_poll(symbol: str) -> Any:
        if held == "poll":
            started.set()
            await never.wait()
        return await poll(symbol)

    exchange.orders.get_order_status = held_read  # type: ignore[method-assign]
    exchange.algos.get_open_algo_orders = held_poll  # type: ignore[method-assign]

    async def body() -> None:
        task = asyncio.ensure_future(
            wiring.open_position(exchange, InMemoryStateStore()).execute(command()))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []

    asyncio.run(body())
