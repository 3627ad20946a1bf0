"""The rolling history: bounded, a record seen twice counts once, and the blocks persisted in
SymbolState equal a recomputation from everything ever observed."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.exec_quality import exec_quality_roll
from domain.health import health_roll
from domain.orders import OrderState
from domain.params import HealthParams, Params
from domain.records import ExecFill, LimitOrderRecord, TradeResult
from domain.rolling import as_of, remember_fill, remember_order, remember_trade
from domain.shockguard import count_trigger
from domain.state import SymbolState
from tests.unit.domain.records_strategies import exec_fills, limit_orders

D = Decimal
NOW = 1_700_000_000
SYMBOL = "BTC-USDC-SWAP"


def _unique_ids(orders: list[LimitOrderRecord], fills: list[ExecFill]
                ) -> tuple[list[LimitOrderRecord], list[ExecFill]]:
    import attrs
    return ([attrs.evolve(o, order_id=f"o{i}") for i, o in enumerate(orders)],
            [attrs.evolve(f, trade_id=f"t{i}") for i, f in enumerate(fills)])


@settings(max_examples=100, deadline=None)
@given(st.lists(limit_orders(), max_size=50), st.lists(exec_fills(), max_size=50))
def test_remembering_one_at_a_time_equals_the_block_over_everything(
        orders: list[LimitOrderRecord], fills: list[ExecFill]) -> None:
    orders, fills = _unique_ids(orders, fills)
    state = SymbolState(SYMBOL)
    for order in orders:
        state = remember_order(state, order, now=NOW)
    for fill in fills:
        state = remember_fill(state, fill, now=NOW)
    assert len(state.roll_history.orders) == min(30, len(orders))
    assert len(state.roll_history.fills) == min(30, len(fills))
    if orders or fills:
        assert state.exec_quality_roll == exec_quality_roll(orders, fills, now=NOW)


def _result(i: int, r: str) -> TradeResult:
    return TradeResult(f"i{i}", NOW + i, "T", D(r))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["-1", "0.5", "2", "-0.25"]), max_size=40),
       st.integers(1, 20))
def test_remembering_trades_equals_the_roll_over_all_of_them(results: list[str],
                                                              window: int) -> None:
    params = Params(health=HealthParams(window))
    state = SymbolState(SYMBOL)
    trades = [_result(i, r) for i, r in enumerate(results)]
    for trade in trades:
        state = remember_trade(state, trade, now=NOW, params=params)
    assert len(state.roll_history.trades) == min(window, len(trades))
    if trades:
        assert state.health_roll == health_roll(trades, window=window, now=NOW)


def test_a_record_seen_again_counts_once() -> None:
    order = LimitOrderRecord("o1", "c", OrderState.CANCELED, D(10), D(0), D(100), None, None, 5)
    state = remember_order(SymbolState(SYMBOL), order, now=NOW)
    state = remember_order(state, order, now=NOW + 1)
    assert state.exec_quality_roll.sample_n == 1
    assert state.exec_quality_roll.last_update_ts == NOW + 1
    fill = ExecFill("t1", "o1", "c", D(100), D(101), D(1), D(10), False, 5)
    state = remember_fill(remember_fill(state, fill, now=NOW), fill, now=NOW)
    assert state.exec_quality_roll.fill_n == 1
    trade = _result(1, "-1")
    params = Params()
    state = remember_trade(remember_trade(state, trade, now=NOW, params=params), trade,
                           now=NOW, params=params)
    assert state.health_roll.trade_n == 1


def test_as_of_ages_the_trigger_count_and_nothing_else() -> None:
    state = SymbolState(SYMBOL, shockguard=count_trigger(count_trigger(
        SymbolState(SYMBOL).shockguard, NOW), NOW + 100))
    later = as_of(state, NOW + 3650)
    assert later.shockguard.trigger_count_60m == 1
    assert later.exec_quality_roll == state.exec_quality_roll
    assert later.health_roll == state.health_roll
