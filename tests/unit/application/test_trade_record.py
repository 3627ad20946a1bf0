"""A closed trade updates health_roll, exec_quality_roll and the template cooldown from the
exchange's fills and fees; candidates refused before the gate still write their log line."""

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.close_position import ClosePositionCommand
from application.manage_position import ManagePositionCommand
from application.open_position import OpenPositionCommand
from application.trade_record import with_client_ids
from domain.errors import InvalidIntent
from domain.logs import CandidateAction, CandidateEvaluation, GateVerdict, RiskEvent, RiskEventType
from domain.orders import ExchangeTrade, OrderState, OrderStatus, PositionSide, Side
from domain.params import CooldownParams, Params
from domain.state import PositionStage
from ports.errors import ExchangeUnavailable
from tests.fake_venue import FakeExchange
from tests.fakes import FakeClock, InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.position_world import SYMBOL, fill_tp

D = Decimal


def open_with(exchange: FakeExchange, store: InMemoryStateStore, intent: str,
              template: str = "brk", params: Params = wiring.DEFAULT,
              **changes: Any) -> str:
    base: dict[str, object] = dict(
        symbol=SYMBOL, side=PositionSide.LONG, qty=D("0.10"), stop_price=D("29400.0"),
        tp1_price=D("30300.0"), tp1_qty=D("0.04"), tp2_price=D("30600.0"), tp2_qty=D("0.03"),
        intent_id=intent, template=template)
    base.update(changes)
    done = asyncio.run(wiring.open_position(exchange, store, params).execute(
        OpenPositionCommand.of(**base)))  # type: ignore[arg-type]
    return done.status


def manage(exchange: FakeExchange, store: InMemoryStateStore,
           params: Params = wiring.DEFAULT) -> None:
    asyncio.run(wiring.manage_position(exchange, store, params).execute(
        ManagePositionCommand(SYMBOL)))


def stopped_out(exchange: FakeExchange, store: InMemoryStateStore, intent: str,
                params: Params = wiring.DEFAULT) -> None:
    exchange.prices[SYMBOL] = D("29400")
    exchange.trigger_algo(f"pxSL{intent}00")
    manage(exchange, store, params)
    exchange.prices[SYMBOL] = D("30000")


def fresh() -> tuple[FakeExchange, InMemoryStateStore]:
    return FakeExchange(FakeClock()), InMemoryStateStore()


def test_a_losing_trade_updates_health_and_locks_its_template_only() -> None:
    exchange, store = fresh()
    params = Params(cooldown=CooldownParams(loss_s=60, template_s=7200))
    assert open_with(exchange, store, "a1", template="brk", params=params) == "opened"
    assert store.flushed[SYMBOL].last_template == "brk"
    stopped_out(exchange, store, "a1", params)
    state = store.flushed[SYMBOL]
    assert state.position_state.stage is PositionStage.FLAT
    health = state.health_roll
    # long 0.10 @ 30000, out @ 29400 with fees: (-600 x 0.1 x 0.01 - fees) / (600 x 0.1 x 0.01)
    fees = sum(-t.fee for t in exchange.trades)
    assert fees > 0
    assert health.trade_n == 1 and health.win_rate == 0.0
    assert health.avg_r == pytest.approx(float((D("-0.6") - fees) / D("0.6")))
    assert health.max_dd == pytest.approx(-health.avg_r)
    now = exchange.clock.now_ms() // 1000
    assert state.cooldown_until.template == now + 7200
    assert state.template_cooldowns == (("brk", now + 7200),)
    template_events = [e for e in store.events_of(RiskEvent)
                       if e.event_type is RiskEventType.LOSS_COOLDOWN and "template" in e.reason]
    assert len(template_events) == 1 and template_events[0].no_orders_reason
    # past the loss lock only the template lock is left: brk is refused, orb opens
    exchange.clock.advance(61)
    assert open_with(exchange, store, "a2", template="brk", params=params) == "rejected_by_gate"
    gate = store.events_of(CandidateEvaluation)[-1]
    assert gate.reject_reason == f"locked: template 'brk' until {now + 7200}"
    assert open_with(exchange, store, "a3", template="orb", params=params) == "opened"
    assert store.flushed[SYMBOL].last_template == "orb"


def test_a_winning_trade_with_a_runner_fallback_counts_its_limit_exits() -> None:
    exchange, store = fresh()
    assert open_with(exchange, store, "w1") == "opened"
    fill_tp(exchange, "pxT1w100")
    fill_tp(exchange, "pxT2w100")
    manage(exchange, store)
    params = wiring.DEFAULT
    exchange.prices[SYMBOL] = D("30700")
    for _ in range(params.runner.max_bars_after_tp2):
        asyncio.run(wiring.manage_position(exchange, store).execute(
            ManagePositionCommand(SYMBOL, bar_close=D("30700"))))
    state = store.flushed[SYMBOL]
    assert state.position_state.stage is PositionStage.FLAT
    health = state.health_roll
    assert health.trade_n == 1 and health.win_rate == 1.0 and health.avg_r > 0
    # TP1, TP2 and the runner's limit-first close; the fake's runner limit never fills, so
    # the market fallback closed it
    assert health.limit_exit_n == 3
    assert health.fallback_quality == pytest.approx(2 / 3)
    assert state.cooldown_until.template == 0
    quality = state.exec_quality_roll
    assert quality.sample_n == 3          # TP1, TP2, the runner limit: terminal limit orders
    assert quality.fill_rate_30 == pytest.approx(0.07 / 0.10)
    assert quality.cancel_rate_30 == pytest.approx(1 / 3)
    assert quality.fill_n >= 3


def test_a_limit_entry_that_never_fills_is_a_terminal_limit_order() -> None:
    exchange, store = fresh()
    status = open_with(exchange, store, "n1", entry_price=D("29900.0"), entry_timeout_s=0.1)
    assert status == "entry_not_filled"
    quality = store.flushed[SYMBOL].exec_quality_roll
    assert (quality.sample_n, quality.fill_rate_30, quality.cancel_rate_30) == (1, 0.0, 1.0)


@pytest.mark.parametrize(("changes", "failed"), [
    ({"symbol": "XRP-USDT-SWAP"}, "instrument_live"),
    ({"tp1_qty": D("0.045")}, "plan_valid"),
    ({"stop_price": D("30100.0")}, "plan_vs_market"),
    ({"template": "has space"}, "request_valid"),
])
def test_a_candidate_refused_before_the_gate_still_logs_its_line(changes: dict[str, Any],
                                                                 failed: str) -> None:
    exchange, store = fresh()
    with pytest.raises(InvalidIntent):
        open_with(exchange, store, "r1", **changes)
    (line,) = store.events_of(CandidateEvaluation)
    assert line.action is CandidateAction.REJECT
    assert line.gates[-1].name == failed and line.gates[-1].verdict is GateVerdict.FAIL
    assert line.reject_reason.startswith(f"{failed}: ")
    assert all(g.verdict is GateVerdict.PASS for g in line.gates[:-1])
    assert not exchange.order_book



def test_executions_without_client_ids_are_joined_to_our_orders_by_order_id() -> None:
    def trade(tid: str, oid: str, cid: str) -> ExchangeTrade:
        return ExchangeTrade(SYMBOL, tid, oid, cid, Side.BUY, D("1"), D("1"), D("0"), "USDT", 1)

    def order(oid: str, cid: str) -> OrderStatus:
        return OrderStatus(SYMBOL, oid, cid, OrderState.FILLED, Side.BUY, "limit", D("1"),
                           D("1"), D("1"), D("1"), False, 1)

    joined = with_client_ids((trade("1", "o1", ""), trade("2", "o9", ""),
                              trade("3", "o2", "mine")),
                             [order("o1", "pxENa100"), order("o2", "other")])
    assert [t.client_order_id for t in joined] == ["pxENa100", "", "mine"]


def market_slippage_r(exchange: FakeExchange, intended: dict[str, Decimal],
                      stop: Decimal, risk: Decimal) -> float:
    """slippage_cost30_r recomputed from the exchange's fills: each fill against the price
    its order was meant at (a stop's child order, no client id, at the stop)."""
    costs = [abs(t.fill_px - (intended[t.client_order_id] if t.client_order_id else stop))
             * t.fill_sz / risk for t in exchange.trades]
    return float(sum(costs, D(0)) / len(costs))


@settings(max_examples=25, deadline=None)
@given(entry_ask=st.integers(0, 40), entry_px=st.integers(-20, 20), close_bid=st.integers(0, 40),
       close_px=st.integers(-20, 20), how=st.sampled_from(["stop", "close"]))
def test_market_fills_count_in_slippage_against_the_touch_read_before_them(
        entry_ask: int, entry_px: int, close_bid: int, close_px: int, how: str) -> None:
    exchange, store = fresh()
    mid = D("30000")
    # the entry (a market buy) is meant at the ask it reads, and fills wherever the book is
    exchange.ticker_spread[SYMBOL] = (mid - 1, mid + entry_ask)
    exchange.prices[SYMBOL] = mid + entry_px
    assert open_with(exchange, store, "s1") == "opened"
    entry = exchange.trades[0]
    intended = {entry.client_order_id: mid + entry_ask}
    risk_per_unit = abs(entry.fill_px - D("29400.0"))
    if how == "stop":
        exchange.prices[SYMBOL] = D("29400") + close_px
        exchange.trigger_algo("pxSLs100")
        manage(exchange, store)
    else:
        # the operator's close (a market sell) is meant at the bid it reads
        exchange.ticker_spread[SYMBOL] = (mid - close_bid, mid + 1)
        exchange.prices[SYMBOL] = mid + close_px
        done = asyncio.run(wiring.close_position(exchange, store).execute(
            ClosePositionCommand(SYMBOL)))
        assert done.status == "closed"
        intended.update({t.client_order_id: mid - close_bid for t in exchange.trades[1:]})
    state = store.flushed[SYMBOL]
    assert state.position_state.stage is PositionStage.FLAT
    assert state.exec_quality_roll.fill_n == len(exchange.trades)
    assert state.exec_quality_roll.slippage_cost30_r == pytest.approx(market_slippage_r(
        exchange, intended, D("29400.0"), risk_per_unit * D("0.10")))


def test_the_template_lock_event_and_the_trade_note_name_the_trade() -> None:
    exchange, store = fresh()
    assert open_with(exchange, store, "e1", template="brk") == "opened"
    exchange.prices[SYMBOL] = D("29400")
    exchange.trigger_algo("pxSLe100")
    done = asyncio.run(wiring.manage_position(exchange, store).execute(
        ManagePositionCommand(SYMBOL)))
    now = exchange.clock.now_ms() // 1000
    (event,) = [e for e in store.events_of(RiskEvent)
                if e.event_type is RiskEventType.LOSS_COOLDOWN and "template" in e.reason]
    assert (event.ts, event.symbol, event.side, event.qty) == \
        (now, SYMBOL, PositionSide.LONG, D("0.10"))
    (trade,) = store.flushed[SYMBOL].roll_history.trades
    assert trade.trade_id == "e1" and trade.template == "brk"
    (note,) = [n.text for n in done.notes if n.text.startswith("trade e1 ")]
    assert note.startswith("trade e1 (brk): -") and "R recorded; " in note


def test_a_trade_without_a_template_says_so_in_its_note() -> None:
    exchange, store = fresh()
    assert open_with(exchange, store, "e2", template="") == "opened"
    exchange.prices[SYMBOL] = D("29400")
    exchange.trigger_algo("pxSLe200")
    done = asyncio.run(wiring.manage_position(exchange, store).execute(
        ManagePositionCommand(SYMBOL)))
    assert any(n.text.startswith("trade e2 (no template): ") for n in done.notes)


def test_a_failed_read_of_the_fills_leaves_the_blocks_and_says_why() -> None:
    exchange, store = fresh()
    assert open_with(exchange, store, "e3") == "opened"
    before = store.flushed[SYMBOL].health_roll
    exchange.script("get_executions", ExchangeUnavailable("fills timed out"))
    exchange.prices[SYMBOL] = D("29400")
    exchange.trigger_algo("pxSLe300")
    done = asyncio.run(wiring.manage_position(exchange, store).execute(
        ManagePositionCommand(SYMBOL)))
    assert store.flushed[SYMBOL].health_roll == before
    assert any(n.text == "trade e3: could not read its orders or fills (fills timed out); "
               "rolling blocks not updated" for n in done.notes), done.notes


def test_an_unfilled_limit_entry_counts_its_spread_and_time() -> None:
    exchange, store = fresh()
    exchange.ticker_spread[SYMBOL] = (D("29990"), D("30010"))
    status = open_with(exchange, store, "n2", entry_price=D("29900.0"), entry_timeout_s=0.1)
    assert status == "entry_not_filled"
    quality = store.flushed[SYMBOL].exec_quality_roll
    assert quality.spread_p95 == pytest.approx(20 / 30000)
    assert quality.last_update_ts == exchange.clock.now_ms() // 1000


def test_two_unfilled_limit_entries_are_two_orders_in_the_window() -> None:
    exchange, store = fresh()
    for intent in ("u1", "u2"):
        status = open_with(exchange, store, intent, entry_price=D("29900.0"),
                           entry_timeout_s=0.1)
        assert status == "entry_not_filled"
    assert store.flushed[SYMBOL].exec_quality_roll.sample_n == 2


def test_take_profits_count_the_spread_read_before_them() -> None:
    exchange, store = fresh()
    exchange.ticker_spread[SYMBOL] = (D("29985"), D("30015"))
    assert open_with(exchange, store, "p1") == "opened"
    fill_tp(exchange, "pxT1p100")
    manage(exchange, store)
    exchange.clock.advance(5)
    exchange.prices[SYMBOL] = D("30000")
    exchange.trigger_algo("pxSLp101")                 # the stop moved to breakeven after TP1
    manage(exchange, store)
    assert store.flushed[SYMBOL].position_state.stage is PositionStage.FLAT
    quality = store.flushed[SYMBOL].exec_quality_roll
    assert quality.sample_n == 2                      # TP1 filled, TP2 cancelled at the stop
    assert quality.spread_p95 == pytest.approx(30 / 30000)
    assert quality.last_update_ts == exchange.clock.now_ms() // 1000


def test_fills_that_do_not_return_to_flat_leave_the_blocks_and_say_why() -> None:
    from tests.unit.application.test_recover_protection import recover

    exchange, store = fresh()
    assert open_with(exchange, store, "q1") == "opened"
    (tp1,) = exchange.orders_with_client_id("pxT1q100")
    exchange.fill_order(tp1.order_id, D("0.02"))      # part of TP1 fills...
    exchange.positions.pop(SYMBOL, None)              # ...and the rest leaves unseen
    done = recover(exchange, store)
    notes = [n.text for s in done.symbols for n in s.notes]
    assert "trade q1: position still open: 0.08 after the last fill; rolling blocks not " \
        "updated" in notes, notes
    assert store.flushed[SYMBOL].health_roll.trade_n == 0
