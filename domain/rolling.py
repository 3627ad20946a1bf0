"""Keeping the rolling blocks of seed 001 §2.1 true as exchange evidence arrives.

Each remember_* adds one exchange-observed record to the symbol's bounded history (a record
seen again, e.g. after a restart, replaces the earlier copy instead of counting twice) and
recomputes the block it feeds, stamped with `now`. as_of() ages trigger_count_60m, whose
trigger times leave the 60-minute window without any new event.
"""

import attrs

from domain.exec_quality import WINDOW, exec_quality_roll, last_fills, last_orders
from domain.health import health_roll, last_trades
from domain.params import Params
from domain.records import ExecFill, LimitOrderRecord, TradeResult
from domain.shockguard import expire_triggers
from domain.state import SymbolState


def remember_order(state: SymbolState, record: LimitOrderRecord, *, now: int) -> SymbolState:
    history = state.roll_history
    kept = [o for o in history.orders if o.order_id != record.order_id]
    history = attrs.evolve(history, orders=tuple(last_orders([*kept, record])))
    return _exec(attrs.evolve(state, roll_history=history), now)


def remember_fill(state: SymbolState, fill: ExecFill, *, now: int) -> SymbolState:
    history = state.roll_history
    kept = [f for f in history.fills if f.trade_id != fill.trade_id]
    history = attrs.evolve(history, fills=tuple(last_fills([*kept, fill])))
    return _exec(attrs.evolve(state, roll_history=history), now)


def remember_trade(state: SymbolState, result: TradeResult, *, now: int,
                   params: Params) -> SymbolState:
    history = state.roll_history
    kept = [t for t in history.trades if t.trade_id != result.trade_id]
    window = params.health.window_trades
    history = attrs.evolve(history, trades=tuple(last_trades([*kept, result], window)))
    roll = health_roll(history.trades, window=window, now=now)
    return attrs.evolve(state, roll_history=history, health_roll=roll)


def as_of(state: SymbolState, now: int) -> SymbolState:
    """The state as status shows it at now: the blocks as last computed (their timestamps say
    when), trigger_count_60m without the triggers that have aged out since."""
    return attrs.evolve(state, shockguard=expire_triggers(state.shockguard, now))


def _exec(state: SymbolState, now: int) -> SymbolState:
    history = state.roll_history
    return attrs.evolve(state, exec_quality_roll=exec_quality_roll(
        history.orders, history.fills, now=now))


__all__ = ["WINDOW", "as_of", "remember_fill", "remember_order", "remember_trade"]
