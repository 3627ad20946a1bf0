"""ManagePosition and OnRegimeShift with fakes."""

import asyncio
from decimal import Decimal
from typing import Any

from application.manage_position import (
    ManagePositionCommand,
    PositionManaged,
    RegimeShiftCommand,
    RegimeShifted,
)
from domain.algo import AlgoOrder
from domain.logs import RegimeShiftLog, RiskEvent, RiskEventType
from domain.params import Params
from domain.regime import Regime
from domain.state import PositionStage
from tests.fake_venue import FakeExchange
from tests.fakes import InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.position_world import SYMBOL, fill_tp, opened

D = Decimal


def manage(exchange: FakeExchange, store: InMemoryStateStore, **kw: Any) -> PositionManaged:
    use_case = wiring.manage_position(exchange, store)
    return asyncio.run(use_case.execute(ManagePositionCommand(SYMBOL, **kw)))


def shift(exchange: FakeExchange, store: InMemoryStateStore, regime: str) -> RegimeShifted:
    use_case = wiring.regime_shift(exchange, store)
    return asyncio.run(use_case.execute(RegimeShiftCommand(SYMBOL, Regime(regime))))


def stop_of(exchange: FakeExchange) -> AlgoOrder:
    (stop,) = exchange.open_algos(SYMBOL)
    return stop


def test_nothing_happens_while_the_exchange_shows_no_change() -> None:
    exchange, store = opened()
    done = manage(exchange, store)
    assert done.observed == () and store.flushed[SYMBOL].position_state.stage.value == "PRE_TP1"


def test_a_tp1_fill_moves_the_stop_to_breakeven_by_cancel_and_replace() -> None:
    exchange, store = opened()
    old = stop_of(exchange)
    fill_tp(exchange, "pxT1op100")
    done = manage(exchange, store)
    assert done.observed == ("Tp1Filled",)
    pos = store.flushed[SYMBOL].position_state
    assert pos.stage is PositionStage.BETWEEN_TP1_TP2 and pos.qty_open == D("0.06")
    new = stop_of(exchange)
    assert new.client_algo_id == "pxSLop101" and new.stop_price == D("30000")
    assert new.size == D("0.06") and old.client_algo_id != new.client_algo_id
    assert pos.sl_algo.client_algo_id == "pxSLop101" and pos.sl_price == D("30000")


def test_tp1_and_tp2_both_filled_while_away_reach_runner_only() -> None:
    exchange, store = opened()
    fill_tp(exchange, "pxT1op100")
    fill_tp(exchange, "pxT2op100")
    done = manage(exchange, store)
    assert done.observed == ("Tp1Filled", "Tp2Filled")
    pos = store.flushed[SYMBOL].position_state
    assert pos.stage is PositionStage.RUNNER_ONLY and pos.qty_open == D("0.03")
    assert stop_of(exchange).stop_price == D("30300.0")


def test_a_triggered_stop_goes_flat_with_a_loss_cooldown() -> None:
    exchange, store = opened()
    exchange.prices[SYMBOL] = D("29400")
    exchange.trigger_algo("pxSLop100")
    manage(exchange, store)
    state = store.flushed[SYMBOL]
    assert state.position_state.stage is PositionStage.FLAT
    assert state.cooldown_until.loss > exchange.clock.now_ms() // 1000
    assert RiskEventType.LOSS_COOLDOWN in [e.event_type for e in store.events_of(RiskEvent)]
    # the take-profits of a flat position are cancelled
    assert not [o for o in exchange.order_book.values() if not o.state.is_terminal]


def test_the_runner_exits_after_the_bar_limit() -> None:
    exchange, store = opened()
    fill_tp(exchange, "pxT1op100")
    fill_tp(exchange, "pxT2op100")
    manage(exchange, store)
    for _ in range(Params().runner.max_bars_after_tp2):
        manage(exchange, store, bar_close=D("30700"))
    assert store.flushed[SYMBOL].position_state.stage is PositionStage.FLAT
    assert not exchange.positions
    exits = [e for e in store.events_of(RiskEvent) if e.event_type is RiskEventType.RUNNER_EXIT]
    assert exits and "time" in exits[0].reason.lower()


def test_shock_with_a_runner_closes_it_at_once_and_logs_the_shift_last() -> None:
    exchange, store = opened()
    fill_tp(exchange, "pxT1op100")
    fill_tp(exchange, "pxT2op100")
    manage(exchange, store)
    done = shift(exchange, store, "SHOCK")
    steps = [s for s, _ in done.steps]
    assert steps == sorted(steps) and done.steps[-1][1] == "EmitRegimeShiftLog"
    assert not exchange.positions
    closing = exchange.orders_with_client_id("pxRMop100")
    assert closing and closing[0].reduce_only
    assert store.flushed[SYMBOL].position_state.stage is PositionStage.FLAT
    assert store.events_of(RegimeShiftLog)[-1].new_regime == "SHOCK"
    assert store.flushed[SYMBOL].cooldown_until.shock > 0


def test_chop_before_tp2_tightens_the_stop_and_keeps_the_position() -> None:
    exchange, store = opened()
    exchange.prices[SYMBOL] = D("30100")
    shift(exchange, store, "CHOP")
    pos = store.flushed[SYMBOL].position_state
    assert pos.stage is PositionStage.PRE_TP1 and pos.sl_price > D("29400.0")
    assert stop_of(exchange).stop_price == pos.sl_price


def test_take_profits_seen_together_place_only_the_last_stop_they_call_for() -> None:
    """TP1 and TP2 filled between two looks: one stop move (to TP1's price, for the runner),
    not the breakeven stop of TP1 first."""
    exchange, store = opened()
    fill_tp(exchange, "pxT1op100")
    fill_tp(exchange, "pxT2op100")
    before = set(exchange.algo_book)
    done = asyncio.run(wiring.manage_position(exchange, store).execute(
        ManagePositionCommand(SYMBOL)))
    assert done.observed == ("Tp1Filled", "Tp2Filled")
    (new,) = [exchange.algo_book[a] for a in set(exchange.algo_book) - before]
    assert new.stop_price == D("30300.0") and new.size == D("0.03")
    (live,) = exchange.open_algos(SYMBOL)
    assert live.client_algo_id == new.client_algo_id
