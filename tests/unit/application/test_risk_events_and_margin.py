"""Risk events list the orders their actions placed (or say why none); margin de-risk runs in
the playbook's step 1, before the runner step, reduce-only, when margin used / equity is high."""

import asyncio
from decimal import Decimal

from application.manage_position import ManagePositionCommand, RegimeShiftCommand, RegimeShifted
from domain.logs import RegimeShiftLog, RiskEvent, RiskEventType
from domain.params import MarginParams, Params
from domain.regime import Regime
from ports.errors import ExchangeUnavailable
from tests.fake_venue import FakeExchange
from tests.fakes import InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.position_world import SYMBOL, fill_tp, opened

D = Decimal


def shift(exchange: FakeExchange, store: InMemoryStateStore, regime: str,
          params: Params = wiring.DEFAULT) -> RegimeShifted:
    use_case = wiring.regime_shift(exchange, store, params)
    return asyncio.run(use_case.execute(RegimeShiftCommand(SYMBOL, Regime(regime))))


def manage(exchange: FakeExchange, store: InMemoryStateStore) -> None:
    asyncio.run(wiring.manage_position(exchange, store).execute(ManagePositionCommand(SYMBOL)))


def events(store: InMemoryStateStore, kind: RiskEventType) -> list[RiskEvent]:
    return [e for e in store.events_of(RiskEvent) if e.event_type is kind]


def to_runner(exchange: FakeExchange, store: InMemoryStateStore) -> None:
    fill_tp(exchange, "pxT1op100")
    fill_tp(exchange, "pxT2op100")
    manage(exchange, store)


def test_a_shock_lists_the_runner_close_in_both_events() -> None:
    exchange, store = opened()
    to_runner(exchange, store)
    shift(exchange, store, "SHOCK")
    (close,) = exchange.orders_with_client_id("pxRMop100")
    (regime,) = events(store, RiskEventType.REGIME_SHIFT)
    assert "pxRMop100" in regime.client_ids and close.order_id in regime.order_ids
    assert regime.no_orders_reason == ""
    ordered = [e for e in events(store, RiskEventType.RUNNER_EXIT)
               if e.reason.startswith("ordered")]
    assert [e.client_ids for e in ordered] == [("pxRMop100",)]
    assert all(e.accounted for e in store.events_of(RiskEvent))


def test_a_shift_that_places_nothing_says_so() -> None:
    exchange, store = opened()
    shift(exchange, store, "TREND")
    (regime,) = events(store, RiskEventType.REGIME_SHIFT)
    assert (regime.order_ids, regime.client_ids) == ((), ())
    assert regime.no_orders_reason.startswith("no step of the playbook placed an order")


def test_a_tightened_stop_is_listed_by_the_shift() -> None:
    exchange, store = opened()
    exchange.prices[SYMBOL] = D("30100")
    shift(exchange, store, "CHOP")
    stop = store.flushed[SYMBOL].position_state.sl_algo
    (regime,) = events(store, RiskEventType.REGIME_SHIFT)
    assert regime.client_ids == (stop.client_algo_id,)
    assert regime.order_ids == (stop.algo_id,)


def test_margin_above_the_limit_sheds_before_the_runner_step() -> None:
    exchange, store = opened()
    exchange.balances = (D("1000"), D("100"), D("900"))          # 90% of equity in use
    params = Params(margin=MarginParams(D("0.5"), D("0.5")))
    done = shift(exchange, store, "RANGE", params)
    assert done.steps[0] == (1, "MarginDeRisk")
    (cut,) = exchange.orders_with_client_id("pxDRop100")
    assert cut.reduce_only and cut.size == D("0.05")
    pos = store.flushed[SYMBOL].position_state
    assert (pos.qty_open, pos.qty_runner, pos.tp2_qty) == (D("0.05"), D(0), D("0.01"))
    stop = store.flushed[SYMBOL].position_state.sl_algo
    (open_stop,) = exchange.open_algos(SYMBOL)
    assert open_stop.client_algo_id == stop.client_algo_id and open_stop.size == D("0.05")
    # the take-profits were cut to the smaller position and placed again
    live = {o.client_order_id: o.size for o in asyncio.run(
        exchange.orders.get_open_orders(SYMBOL))}
    assert sorted(live.values()) == [D("0.01"), D("0.04")]
    (regime,) = events(store, RiskEventType.REGIME_SHIFT)
    assert "pxDRop100" in regime.client_ids
    assert store.events_of(RegimeShiftLog)[-1].steps[0].startswith("1 shockguard")
    assert "margin de-risk: margin used / equity 0.9000 > 0.5" in \
        store.events_of(RegimeShiftLog)[-1].steps[0]


def test_margin_within_the_limit_or_unreadable_places_nothing() -> None:
    exchange, store = opened()
    done = shift(exchange, store, "RANGE")
    assert not any(name == "MarginDeRisk" for _, name in done.steps)
    assert "margin used / equity 0.1000 <= 0.5" in store.events_of(RegimeShiftLog)[-1].steps[0]
    unreadable, store2 = opened()
    unreadable.balances = (D("1000"), D("100"), D("900"))
    unreadable.script("get_balances", ExchangeUnavailable("balance read timed out"))
    done = shift(unreadable, store2, "RANGE")
    assert not any(name == "MarginDeRisk" for _, name in done.steps)
    assert "balances unknown" in store2.events_of(RegimeShiftLog)[-1].steps[0]
    assert store2.flushed[SYMBOL].position_state.qty_open == D("0.10")
