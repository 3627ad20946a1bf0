"""RecoverProtection with fakes: the exchange's positions end up protected, strays removed."""

import asyncio
from decimal import Decimal

import attrs
import pytest

from application.open_position import OpenPositionCommand
from application.recover_protection import ProtectionRecovered, RecoverCommand
from domain.algo import AlgoState, AlgoStopIntent
from domain.logs import RiskEvent, RiskEventType
from domain.orders import OrderIntent, OrdType, PositionSide, Side
from domain.outcome import Rejected
from domain.params import Params, ProtectionParams, UnknownPositionPolicy
from domain.state import PositionStage, pending_stop_ids, with_pending_stops
from ports.exchange_types import Instruments, OrderPlacement
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock, InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.position_world import SYMBOL, opened

D = Decimal


def recover(exchange: FakeExchange, store: InMemoryStateStore, params: Params | None = None,
            symbols: tuple[str, ...] = ()) -> ProtectionRecovered:
    use_case = wiring.recover(exchange, store, params or Params())
    return asyncio.run(use_case.execute(RecoverCommand(tuple(symbols))))


def recover_events(store: InMemoryStateStore) -> list[RiskEvent]:
    return [e for e in store.events_of(RiskEvent) if e.event_type is RiskEventType.SL_RECOVER]


def test_a_protected_position_is_left_as_it_is() -> None:
    exchange, store = opened()
    before = dict(exchange.algo_book)
    done = recover(exchange, store)
    assert exchange.algo_book == before and not recover_events(store) and not done.needs_attention


def test_a_missing_stop_is_placed_again_and_confirmed() -> None:
    exchange, store = opened()
    (stop,) = exchange.open_algos(SYMBOL)
    exchange.algo_book[stop.algo_id] = attrs.evolve(stop, state=AlgoState.CANCELED)
    recover(exchange, store)
    (new,) = exchange.open_algos(SYMBOL)
    assert new.client_algo_id == "pxSLop101" and new.stop_price == D("29400.0")
    pos = store.flushed[SYMBOL].position_state
    assert pos.sl_confirmed and pos.sl_algo.client_algo_id == "pxSLop101"
    assert "needs replacing" in recover_events(store)[0].reason


def test_a_stop_too_far_from_its_price_is_cancelled_and_replaced() -> None:
    exchange, store = opened()
    (stop,) = exchange.open_algos(SYMBOL)
    exchange.algo_book[stop.algo_id] = attrs.evolve(stop, stop_price=D("28000.0"))
    recover(exchange, store)
    (new,) = exchange.open_algos(SYMBOL)
    assert new.stop_price == D("29400.0") and new.client_algo_id != stop.client_algo_id


def test_a_stop_whose_position_is_gone_is_cancelled() -> None:
    exchange, store = opened()
    exchange.positions.clear()
    recover(exchange, store)
    assert not exchange.open_algos(SYMBOL)
    assert store.flushed[SYMBOL].position_state.stage is PositionStage.FLAT


def test_an_unknown_position_gets_the_default_stop() -> None:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    exchange.positions[SYMBOL] = (PositionSide.SHORT, D("0.20"), D("30000"))
    recover(exchange, store)
    (stop,) = exchange.open_algos(SYMBOL)
    assert stop.side is Side.BUY and stop.size == D("0.20")
    assert stop.stop_price == D("30600.0")  # 2 % above the worse of entry and mark
    pos = store.flushed[SYMBOL].position_state
    assert pos.stage is PositionStage.PRE_TP1 and pos.sl_confirmed
    assert "unknown to the store" in recover_events(store)[0].reason


def test_an_unknown_position_is_flattened_when_the_policy_says_so() -> None:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    exchange.positions[SYMBOL] = (PositionSide.LONG, D("0.20"), D("30000"))
    params = Params(protection=ProtectionParams(
        unknown_position_policy=UnknownPositionPolicy.FLATTEN))
    recover(exchange, store, params)
    assert not exchange.positions and not exchange.open_algos(SYMBOL)
    assert store.flushed[SYMBOL].position_state.stage is PositionStage.FLAT


def test_an_entry_that_filled_while_the_engine_was_down_is_protected_with_its_plan() -> None:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()

    use_case = wiring.open_position(exchange, store)
    crashed = "crash after the entry was sent"
    # the entry reaches the exchange, then the process dies before it learns the answer
    original = exchange.orders.submit_order

    async def submit_then_die(intent: OrderIntent) -> OrderPlacement:
        await original(intent)
        raise SystemExit(crashed)

    exchange.orders.submit_order = submit_then_die  # type: ignore[method-assign]
    cmd = OpenPositionCommand.of(SYMBOL, PositionSide.LONG, D("0.10"), D("29400.0"),
                              D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), "op7")
    with pytest.raises(SystemExit, match=crashed):
        asyncio.run(use_case.execute(cmd))
    exchange.orders.submit_order = original  # type: ignore[method-assign]
    restarted = InMemoryStateStore(store.flushed)
    restarted.load()
    recover(exchange, restarted)
    pos = restarted.flushed[SYMBOL].position_state
    assert pos.stage is PositionStage.PRE_TP1 and pos.sl_confirmed and pos.intent_id == "op7"
    (stop,) = exchange.open_algos(SYMBOL)
    assert stop.client_algo_id == "pxSLop700"
    assert len(exchange.orders_with_client_id("pxENop700")) == 1
    assert {o.client_order_id for o in exchange.order_book.values() if o.reduce_only} == {
        "pxT1op700", "pxT2op700"}


def test_orders_of_a_finished_intent_are_cancelled_but_foreign_ones_are_not() -> None:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    for cid in ("pxT1old00", "manual1"):
        asyncio.run(exchange.orders.submit_order(OrderIntent.closing(
            spec(), PositionSide.LONG, OrdType.LIMIT, D("0.01"), D("40000"), cid)))
    recover(exchange, store, symbols=(SYMBOL,))
    live = {o.client_order_id for o in exchange.order_book.values() if not o.state.is_terminal}
    assert live == {"manual1"}


def test_several_symbols_are_recovered_in_one_run() -> None:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    exchange.positions[SYMBOL] = (PositionSide.LONG, D("0.10"), D("30000"))
    exchange.positions["ETH-USDT-SWAP"] = (PositionSide.SHORT, D("0.30"), D("30000"))
    done = recover(exchange, store)
    assert {s.symbol for s in done.symbols} == {SYMBOL, "ETH-USDT-SWAP"}
    assert exchange.open_algos(SYMBOL) and exchange.open_algos("ETH-USDT-SWAP")


def test_fills_that_happened_while_away_are_applied_and_reported() -> None:
    from tests.unit.application.position_world import fill_tp

    exchange, store = opened()
    fill_tp(exchange, "pxT1op100")
    done = recover(exchange, store)
    (row,) = [s for s in done.symbols if s.symbol == SYMBOL]
    assert row.actions[0] == "observed Tp1Filled while away"
    assert store.flushed[SYMBOL].position_state.stage is PositionStage.BETWEEN_TP1_TP2


def test_many_symbols_recovered_at_once_read_the_instruments_once() -> None:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    exchange.positions[SYMBOL] = (PositionSide.LONG, D("0.10"), D("30000"))
    exchange.positions["ETH-USDT-SWAP"] = (PositionSide.SHORT, D("0.30"), D("30000"))
    read = exchange.market.get_instruments
    reads = []

    async def slow_read() -> Instruments:
        reads.append(1)
        await asyncio.sleep(0)  # as a real read would: the other symbols run meanwhile
        return await read()

    exchange.market.get_instruments = slow_read  # type: ignore[method-assign]
    done = recover(exchange, store)
    assert {s.symbol for s in done.symbols} == {SYMBOL, "ETH-USDT-SWAP"}
    assert exchange.open_algos(SYMBOL) and exchange.open_algos("ETH-USDT-SWAP")
    assert len(reads) == 1


def test_many_symbols_are_read_account_wide_not_one_by_one() -> None:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    exchange.positions[SYMBOL] = (PositionSide.LONG, D("0.10"), D("30000"))
    exchange.positions["ETH-USDT-SWAP"] = (PositionSide.SHORT, D("0.30"), D("30000"))
    done = recover(exchange, store)
    assert {s.symbol for s in done.symbols} == {SYMBOL, "ETH-USDT-SWAP"}
    assert len(exchange.open_algos(SYMBOL)) == 1 and len(exchange.open_algos("ETH-USDT-SWAP")) == 1
    calls = exchange.calls
    # what recovery plans from: one read of each for both symbols, the marks included
    assert calls.count("get_mark_prices") == 1 and "get_mark_price" not in calls
    assert calls.index("get_all_open_algo_orders") < calls.index("submit_algo_stop")
    assert calls.index("get_all_open_orders") < calls.index("submit_algo_stop")
    # per symbol (facts, stray sweep, sentinel) it would be 3 reads each of open algos
    algo_reads = calls.count("get_open_algo_orders") + calls.count("get_all_open_algo_orders")
    assert algo_reads < 6


def test_one_symbol_is_read_as_before() -> None:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    exchange.positions[SYMBOL] = (PositionSide.LONG, D("0.10"), D("30000"))
    recover(exchange, store, symbols=(SYMBOL,))
    assert len(exchange.open_algos(SYMBOL)) == 1
    calls = exchange.calls
    assert "get_all_open_algo_orders" not in calls and "get_all_open_orders" not in calls
    assert "get_mark_prices" not in calls and "get_mark_price" in calls


def _pending(store: InMemoryStateStore) -> list[str]:
    return [p.client_algo_id for p in store.flushed[SYMBOL].pending_stops]


def _hidden_stop(exchange: FakeExchange, cid: str, delay_s: float = 60.0) -> str:
    exchange.algo_visibility_delay_s = delay_s
    intent = AlgoStopIntent(spec(), Side.SELL, D("0.10"), D("29000.0"), cid)
    algo_id = asyncio.run(exchange.algos.submit_algo_stop(intent)).algo_id
    exchange.algo_visibility_delay_s = 0.0
    return algo_id


def test_an_open_leaves_no_pending_stop_once_its_stop_is_seen() -> None:
    _, store = opened()
    assert _pending(store) == []
    assert store.flushed[SYMBOL].position_state.sl_algo.client_algo_id == "pxSLop100"


def test_a_pending_stop_the_queries_do_not_show_is_cancelled_and_the_positions_kept() -> None:
    exchange, store = opened()
    algo_id = _hidden_stop(exchange, "pxSLop1XX")
    state = with_pending_stops(store.states[SYMBOL], ("pxSLop1XX", "pxSLop100"), 0)
    # the ack's algo id (the fake, like OKX's documented cancel, needs it for a hidden algo)
    store.set_symbol_state(SYMBOL, pending_stop_ids(state, "pxSLop1XX", algo_id))
    store.flush()
    done = recover(exchange, store)
    assert exchange.algo_book[algo_id].state is AlgoState.CANCELED
    assert [a.client_algo_id for a in exchange.open_algos(SYMBOL)] == ["pxSLop100"]
    (event,) = recover_events(store)
    assert (event.reason, event.client_ids, event.order_ids) == (
        "unconfirmed stop pxSLop1XX: canceled", ("pxSLop1XX",), (algo_id,))
    assert _pending(store) == [] and not done.needs_attention


def test_a_pending_stop_seen_as_a_stray_is_cancelled_once() -> None:
    exchange, store = opened()
    exchange.positions.clear()  # the stop's position is gone: the sweep cancels the stop
    state = store.states[SYMBOL]
    store.set_symbol_state(SYMBOL, with_pending_stops(state, ("pxSLop100",), 0))
    exchange.calls.clear()
    recover(exchange, store)
    assert exchange.calls.count("cancel_algo") == 1 and not exchange.open_algos(SYMBOL)
    assert _pending(store) == []


def test_a_pending_stop_whose_cancel_is_refused_needs_attention_and_stays() -> None:
    exchange, store = opened()
    state = store.states[SYMBOL]
    store.set_symbol_state(SYMBOL, with_pending_stops(state, ("pxSLop1XX",), 0))
    exchange.script("cancel_algo", Rejected("50013", "busy"))
    done = recover(exchange, store)
    assert done.needs_attention and _pending(store) == ["pxSLop1XX"]
    assert "unconfirmed stop pxSLop1XX: cancel rejected; kept to cancel again" in \
        [n.text for s in done.symbols for n in s.notes]
