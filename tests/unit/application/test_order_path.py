"""The one safety sequence on fakes: what OrderPath and StopPath return and what they log (the
log fields are an operator's only live view of a lost answer or an invisible stop)."""

import asyncio
import logging
from decimal import Decimal

import pytest

from application.order_path import OrderPath, Sent, Settled, StopPath, Timings, Wait
from domain.algo import AlgoStopIntent
from domain.orders import OrderIntent, OrderState, OrdType, Side
from domain.outcome import Rejected, Unknown
from ports.errors import ExchangeUnavailable
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock

D = Decimal
SYMBOL = "BTC-USDT-SWAP"
LOGGER = "application.order_path"


def limit(cid: str = "pxENop100") -> OrderIntent:
    return OrderIntent(spec(), Side.BUY, OrdType.LIMIT, D("0.10"), D("29000.0"), False, cid)


def send(exchange: FakeExchange, intent: OrderIntent, *, wait: Wait = Wait.TERMINAL,
         polls: int | None = None) -> Sent:
    path = OrderPath(exchange.orders, exchange.market, exchange.clock, Timings())
    return asyncio.run(path.send(intent, wait=wait, polls=polls))


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


def fields(record: logging.LogRecord, *names: str) -> tuple[object, ...]:
    """The record's structured fields (logged as `extra`)."""
    return tuple(vars(record)[name] for name in names)


def test_an_answer_lost_after_the_exchange_took_the_order_is_found_and_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_order", "drop")
    sent = send(exchange, limit(), wait=Wait.ACK)
    assert sent.settled is Settled.PLACED and sent.lookups == 1 and sent.intent == limit()
    assert sent.status is not None and sent.status.state is OrderState.LIVE
    lost, found = records(caplog)
    assert (lost.levelno, lost.getMessage()) == (
        logging.WARNING, "order outcome unknown: looking it up by client id")
    assert fields(lost, "symbol", "client_order_id", "reason") == (
        SYMBOL, "pxENop100", "dropped after accept")
    assert (found.levelno, found.getMessage()) == (
        logging.INFO, "unknown order outcome resolved: the exchange has the order")
    assert fields(found, "symbol", "client_order_id", "lookups", "state") == (
        SYMBOL, "pxENop100", 1, "live")


def test_an_order_the_exchange_never_took_is_absent_once_its_deadline_passed(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_order", Unknown("timeout"))
    sent = send(exchange, limit())
    assert sent.settled is Settled.ABSENT and sent.status is None and sent.lookups > 1
    assert not exchange.order_book
    assert sent.why == "pxENop100 answer lost (timeout); lookup by client id: absent"
    resolved = records(caplog)[-1]
    assert (resolved.levelno, resolved.getMessage()) == (
        logging.INFO, "unknown order outcome resolved: the exchange never took the order")
    assert fields(resolved, "symbol", "client_order_id", "lookups") == (
        SYMBOL, "pxENop100", sent.lookups)


def test_lookups_that_cannot_tell_leave_the_order_unknown_and_say_so_loudly(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_order", Unknown("timeout"))
    exchange.script("get_order_status", *[ExchangeUnavailable("down")] * 200)
    sent = send(exchange, limit())
    assert sent.settled is Settled.UNKNOWN and sent.lookups > 1
    assert sent.why == "pxENop100 answer lost (timeout); lookup by client id: unresolved"
    last = records(caplog)[-1]
    assert (last.levelno, last.getMessage()) == (
        logging.ERROR, "order outcome still unknown after the lookups")
    assert fields(last, "symbol", "client_order_id", "lookups") == (
        SYMBOL, "pxENop100", sent.lookups)


def test_a_rejection_is_final_and_nothing_is_looked_up(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_order", Rejected("51008", "Insufficient margin", 200))
    sent = send(exchange, limit())
    assert (sent.settled, sent.lookups, sent.status) == (Settled.REJECTED, 0, None)
    assert sent.why == "pxENop100 rejected 51008: Insufficient margin"
    assert exchange.calls == ["submit_order"] and records(caplog) == []


@pytest.mark.parametrize(("wait", "polls", "reads"), [
    (Wait.ACK, None, 0), (Wait.LOOKUP, None, 1), (Wait.LOOKUP, 5, 1),
    (Wait.TERMINAL, None, 40), (Wait.TERMINAL, 3, 3)])
def test_each_wait_reads_the_order_as_often_as_it_says(wait: Wait, polls: int | None,
                                                       reads: int) -> None:
    exchange = FakeExchange(FakeClock())
    sent = send(exchange, limit(), wait=wait, polls=polls)  # a limit below the market rests
    assert sent.settled is Settled.PLACED and not sent.terminal
    assert exchange.calls.count("get_order_status") == reads


def path_of(exchange: FakeExchange) -> OrderPath:
    return OrderPath(exchange.orders, exchange.market, exchange.clock, Timings())


def test_finish_cancels_a_resting_order_and_keeps_the_cancels_evidence() -> None:
    exchange = FakeExchange(FakeClock())
    path = path_of(exchange)
    sent = asyncio.run(path.send(limit(), wait=Wait.ACK))
    done = asyncio.run(path.finish(sent))
    assert done.terminal and done.status is not None
    assert done.status.state is OrderState.CANCELED
    assert done.evidence[:len(sent.evidence)] == sent.evidence
    assert len(done.evidence) == len(sent.evidence) + 1
    # the cancel's answer carried no status: one read shows the order canceled
    assert exchange.calls == ["submit_order", "cancel_order", "get_order_status"]


def test_finish_takes_a_fill_that_raced_the_cancel_from_the_cancels_own_lookup() -> None:
    exchange = FakeExchange(FakeClock())
    path = path_of(exchange)
    sent = asyncio.run(path.send(limit(), wait=Wait.ACK))
    exchange.fill_order(sent.order_id)  # filled before the cancel arrives
    done = asyncio.run(path.finish(sent, polls=3))
    assert done.status is not None and done.status.state is OrderState.FILLED
    assert done.filled == D("0.10")
    assert exchange.calls == ["submit_order", "cancel_order"]  # no read needed after it


def test_a_finished_order_is_not_cancelled() -> None:
    exchange = FakeExchange(FakeClock())
    path = path_of(exchange)
    sent = asyncio.run(path.send(OrderIntent(spec(), Side.BUY, OrdType.MARKET, D("0.10"),
                                             None, False, "pxENop101")))
    assert sent.terminal
    assert asyncio.run(path.finish(sent)) == sent and "cancel_order" not in exchange.calls


def stop(cid: str = "pxSLop100") -> AlgoStopIntent:
    return AlgoStopIntent(spec(), Side.SELL, D("0.10"), D("29400.0"), cid)


def test_a_stop_seen_in_time_is_confirmed_and_logged_with_how(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    exchange = FakeExchange(FakeClock())
    path = StopPath(exchange.algos, exchange.streams, exchange.clock)
    sent = asyncio.run(path.send(stop(), deadline_ms=1000))
    assert sent.confirmed is True and sent.algo_id and sent.intent == stop()
    assert sent.placement.algo_id == sent.algo_id
    assert [a.algo_id for a in exchange.open_algos(SYMBOL)] == [sent.algo_id]
    (confirmed,) = records(caplog)
    assert (confirmed.levelno, confirmed.getMessage()) == (logging.INFO, "stop confirmed visible")
    assert fields(confirmed, "symbol", "client_algo_id", "event") == (
        SYMBOL, "pxSLop100", "stop_confirmed")
    via, elapsed_ms = fields(confirmed, "via", "elapsed_ms")
    assert sent.reason == f"visible via {via} after {elapsed_ms} ms"


class _HeldReads:
    """The fake venue's algo orders, each open-orders read answered 1.5 s after it was asked
    (as a read held by the pacer or a slow exchange)."""

    def __init__(self, exchange: FakeExchange, held_s: float = 1.5) -> None:
        self._inner, self._clock, self._held_s = exchange.algos, exchange.clock, held_s

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def get_open_algo_orders(self, symbol: str) -> object:
        await self._clock.sleep(self._held_s)
        return await self._inner.get_open_algo_orders(symbol)


def test_a_stop_seen_only_after_its_deadline_is_kept_and_logged_as_late(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    exchange = FakeExchange(FakeClock())
    path = StopPath(_HeldReads(exchange), exchange.streams, exchange.clock)  # type: ignore[arg-type]
    sent = asyncio.run(path.send(stop(), deadline_ms=1000))
    assert sent.confirmed is True and sent.reason.startswith("visible via poll after ")
    late, confirmed = records(caplog)
    assert (late.levelno, late.getMessage()) == (
        logging.WARNING, "stop seen at the exchange only after its deadline")
    assert fields(late, "symbol", "client_algo_id", "deadline_ms", "via", "event") == (
        SYMBOL, "pxSLop100", 1000, "poll", "stop_confirmed_late")
    (elapsed_ms,) = fields(late, "elapsed_ms")
    assert isinstance(elapsed_ms, int) and elapsed_ms >= 1500
    assert fields(confirmed, "event") == ("stop_confirmed",)


def test_a_stop_seen_exactly_at_its_deadline_is_not_late(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    exchange = FakeExchange(FakeClock())
    path = StopPath(_HeldReads(exchange, 1.0), exchange.streams, exchange.clock)  # type: ignore[arg-type]
    sent = asyncio.run(path.send(stop(), deadline_ms=1000))
    assert sent.confirmed is True and sent.reason == "visible via poll after 1000 ms"
    assert [fields(r, "event") for r in records(caplog)] == [("stop_confirmed",)]


def test_a_stop_not_seen_by_the_deadline_is_unconfirmed_and_logged_as_an_error(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    exchange = FakeExchange(FakeClock())
    exchange.algo_visibility_delay_s = 1.5
    path = StopPath(exchange.algos, exchange.streams, exchange.clock)
    sent = asyncio.run(path.send(stop(), deadline_ms=1000))
    assert sent.confirmed is False and sent.may_exist and sent.intent == stop()
    assert sent.reason == "stop not visible within 1000 ms"
    (missing,) = records(caplog)
    assert (missing.levelno, missing.getMessage()) == (
        logging.ERROR, "stop not visible at the exchange in time")
    assert fields(missing, "symbol", "client_algo_id", "deadline_ms", "event") == (
        SYMBOL, "pxSLop100", 1000, "stop_unconfirmed")
    (elapsed_ms,) = fields(missing, "elapsed_ms")
    assert isinstance(elapsed_ms, int) and elapsed_ms >= 1000


def test_a_rejected_stop_is_logged_with_its_code(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_algo_stop", Rejected("51277", "TP trigger price too low", 200))
    path = StopPath(exchange.algos, exchange.streams, exchange.clock)
    sent = asyncio.run(path.send(stop(), deadline_ms=1000))
    assert (sent.confirmed, sent.may_exist, sent.algo_id) == (False, False, "")
    assert sent.intent == stop()
    assert sent.reason == "stop rejected 51277: TP trigger price too low"
    (rejected,) = records(caplog)
    assert (rejected.levelno, rejected.getMessage()) == (logging.ERROR, "stop rejected")
    assert fields(rejected, "symbol", "client_algo_id", "code", "reason") == (
        SYMBOL, "pxSLop100", "51277", "TP trigger price too low")
