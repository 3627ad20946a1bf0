"""ProtectionWatch with fakes: recovery at start and after gaps, management on pushes."""

import asyncio
from collections.abc import Callable

import attrs

from application.watch import WatchCommand, WatchStopped
from domain.algo import AlgoState
from domain.evidence import EvidenceRef
from domain.state import PositionStage
from ports.exchange_events import AlgoUpdate, ExchangeEvent, OrderUpdate, ResyncNeeded
from tests.fake_venue import FakeExchange, FakeSubscription
from tests.fakes import InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.position_world import SYMBOL, fill_tp, opened

REF = EvidenceRef("m_execution_raw_part_0001.jsonl", 0)


class MidRun(FakeSubscription):
    """Delivers each scripted step's event after doing what the step does to the exchange,
    so the watch sees it only once its start-up recovery is over."""

    def __init__(self, exchange: FakeExchange,
                 steps: list[Callable[[], ExchangeEvent]]) -> None:
        super().__init__(exchange.clock)
        self._steps = steps

    async def get(self, timeout: float) -> ExchangeEvent | None:
        if self._steps:
            await asyncio.sleep(0)
            return self._steps.pop(0)()
        return await super().get(timeout)


def run_watch(exchange: FakeExchange, store: InMemoryStateStore,
              steps: list[Callable[[], ExchangeEvent]]) -> WatchStopped:
    exchange.streams.subscribe = lambda: MidRun(exchange, steps)  # type: ignore[method-assign]
    use_case = wiring.watch(exchange, store)
    return asyncio.run(use_case.execute(WatchCommand(run_for_s=2.0)))


def cancel_stop_behind_our_back(exchange: FakeExchange) -> AlgoUpdate:
    (stop,) = exchange.open_algos(SYMBOL)
    cancelled = attrs.evolve(stop, state=AlgoState.CANCELED)
    exchange.algo_book[stop.algo_id] = cancelled
    return AlgoUpdate(cancelled, REF)


def test_it_recovers_at_start_and_connects_the_streams() -> None:
    exchange, store = opened()
    done = run_watch(exchange, store, [])
    assert done.recoveries == 1 and done.events == 0
    assert exchange.calls.count("ws_start") == 1 and exchange.calls.count("ws_stop") == 1


def test_a_gap_makes_it_recover_a_stop_lost_meanwhile() -> None:
    exchange, store = opened()

    def lost_during_gap() -> ExchangeEvent:
        cancel_stop_behind_our_back(exchange)  # its push was missed: the stream was down
        return ResyncNeeded("private stream lost", None)
    done = run_watch(exchange, store, [lost_during_gap])
    assert done.recoveries == 2
    (stop,) = exchange.open_algos(SYMBOL)
    assert stop.client_algo_id == "pxSLop101"


def test_a_push_that_our_stop_was_cancelled_restores_it() -> None:
    exchange, store = opened()
    done = run_watch(exchange, store, [lambda: cancel_stop_behind_our_back(exchange)])
    assert done.recoveries == 2 and len(exchange.open_algos(SYMBOL)) == 1
    assert store.flushed[SYMBOL].position_state.sl_algo.client_algo_id == "pxSLop101"


def test_a_push_about_someone_elses_algo_changes_nothing() -> None:
    exchange, store = opened()
    (stop,) = exchange.open_algos(SYMBOL)
    foreign = AlgoUpdate(attrs.evolve(stop, client_algo_id="manual7",
                                      state=AlgoState.CANCELED), REF)
    done = run_watch(exchange, store, [lambda: foreign])
    assert done.recoveries == 1 and done.managed == 0


def test_a_take_profit_fill_push_is_applied_at_once() -> None:
    exchange, store = opened()

    def tp1_fills() -> ExchangeEvent:
        fill_tp(exchange, "pxT1op100")
        (tp1,) = exchange.orders_with_client_id("pxT1op100")
        return OrderUpdate(tp1, None, REF)
    done = run_watch(exchange, store, [tp1_fills])
    assert done.managed == 1
    assert store.flushed[SYMBOL].position_state.stage is PositionStage.BETWEEN_TP1_TP2
