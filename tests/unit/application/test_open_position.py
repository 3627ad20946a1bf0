"""OpenPosition with fakes: gate, entry fill from the exchange, stop within 1 s or flatten."""

import asyncio
from decimal import Decimal

import attrs
import pytest

from application.open_position import OpenPositionCommand, OpenPositionDone
from domain.errors import InvalidIntent
from domain.gate import GATE_NAME
from domain.logs import (
    CandidateAction,
    CandidateEvaluation,
    GateVerdict,
    RiskEvent,
    RiskEventType,
)
from domain.orders import PositionSide
from domain.outcome import Rejected
from domain.state import CooldownUntil, PositionStage, PositionState, SymbolState
from tests.fake_venue import FakeExchange
from tests.fakes import FakeClock, InMemoryStateStore
from tests.unit.application import wiring

D = Decimal
SYMBOL = "BTC-USDT-SWAP"


def command(**changes: object) -> OpenPositionCommand:
    base: dict[str, object] = dict(
        symbol=SYMBOL, side=PositionSide.LONG, qty=D("0.10"), stop_price=D("29400.0"),
        tp1_price=D("30300.0"), tp1_qty=D("0.04"), tp2_price=D("30600.0"), tp2_qty=D("0.03"),
        intent_id="op1", regime="TREND", template="breakout")
    base.update(changes)
    return OpenPositionCommand.of(**base)  # type: ignore[arg-type]


def open_(exchange: FakeExchange, store: InMemoryStateStore, **changes: object
          ) -> OpenPositionDone:
    use_case = wiring.open_position(exchange, store)
    return asyncio.run(use_case.execute(command(**changes)))


World = tuple[FakeExchange, InMemoryStateStore]


@pytest.fixture
def world() -> World:
    return FakeExchange(FakeClock()), InMemoryStateStore()


def test_a_filled_entry_gets_a_confirmed_stop_and_both_take_profits(world: World) -> None:
    exchange, store = world
    done = open_(exchange, store)
    assert done.status == "opened" and not done.needs_attention
    pos = store.flushed[SYMBOL].position_state
    assert pos.stage is PositionStage.PRE_TP1 and pos.sl_confirmed
    assert pos.qty_open == D("0.10") and pos.entry_price == D("30000")
    (stop,) = exchange.open_algos(SYMBOL)
    assert stop.client_algo_id == "pxSLop100" and stop.stop_price == D("29400.0")
    assert stop.size == D("0.10") and stop.reduce_only
    tps = {o.client_order_id: o for o in exchange.order_book.values() if o.reduce_only}
    assert tps["pxT1op100"].size == D("0.04") and tps["pxT2op100"].price == D("30600.0")
    evaluation = store.events_of(CandidateEvaluation)[0]
    assert evaluation.action is CandidateAction.OPEN


def test_the_intent_is_durable_before_the_entry_is_sent(world: World) -> None:
    exchange, store = world
    seen: list[str] = []
    exchange.before_submit.append(
        lambda intent: seen.append(store.flushed[SYMBOL].position_state.intent_id))
    open_(exchange, store)
    assert seen[0] == "op1"


def test_a_locked_symbol_is_rejected_with_every_binding_lock_named(world: World) -> None:
    exchange, store = world
    now = exchange.clock.now_ms() // 1000
    store.states[SYMBOL] = SymbolState(SYMBOL, cooldown_until=CooldownUntil(
        loss=now + 60, freeze=now + 120))
    done = open_(exchange, store)
    assert done.status == "rejected_by_gate" and not exchange.order_book
    assert "loss" in done.reason and "freeze" in done.reason
    (evaluation,) = store.events_of(CandidateEvaluation)
    assert evaluation.action is CandidateAction.REJECT
    # the logged candidate carries the gate's own verdict and reason, as OpenPosition built them
    gates = {g.name: g for g in evaluation.gates}
    assert gates[GATE_NAME].verdict is GateVerdict.FAIL
    assert gates[GATE_NAME].reason == f"locked: loss until {now + 60}, freeze until {now + 120}"
    assert gates["position_flat"].verdict is GateVerdict.PASS
    assert evaluation.reject_reason == done.reason == gates[GATE_NAME].reason


def test_a_second_open_on_a_busy_symbol_is_rejected(world: World) -> None:
    exchange, store = world
    open_(exchange, store)
    done = open_(exchange, store, intent_id="op2")
    assert done.status == "rejected_by_gate" and "already open" in done.reason


def test_a_stop_invisible_for_1500_ms_flattens_and_locks_for_30_minutes(world: World) -> None:
    exchange, store = world
    exchange.algo_visibility_delay_s = 1.5
    start = exchange.clock.monotonic()
    done = open_(exchange, store)
    assert done.status == "flattened"
    assert not exchange.positions
    elapsed = exchange.clock.monotonic() - start
    assert elapsed < 1.3
    state = store.flushed[SYMBOL]
    now = exchange.clock.now_ms() // 1000
    assert state.position_state.stage is PositionStage.FLAT
    assert state.cooldown_until.loss >= now + 1799 and state.cooldown_until.freeze >= now + 1799
    kinds = [e.event_type for e in store.events_of(RiskEvent)]
    assert RiskEventType.EMERGENCY_FLAT in kinds
    # the stop that never showed is cancelled too
    assert not exchange.open_algos(SYMBOL)
    closing = exchange.orders_with_client_id("pxFLop100")[0]
    assert closing.reduce_only and closing.acc_fill_sz == D("0.10")


def test_a_stop_rejected_with_the_entry_and_again_after_the_fill_flattens(
        world: World) -> None:
    exchange, store = world
    exchange.script("submit_algo_stop", *[Rejected("51277", "trigger on wrong side")] * 2)
    done = open_(exchange, store)
    assert done.status == "flattened" and not exchange.positions
    assert exchange.calls.count("submit_algo_stop") == 2
    assert store.flushed[SYMBOL].pending_stops == ()


def test_a_lost_entry_answer_is_resolved_with_exactly_one_order(world: World) -> None:
    exchange, store = world
    exchange.script("submit_order", "drop")
    done = open_(exchange, store)
    assert done.status == "opened"
    assert len(exchange.orders_with_client_id("pxENop100")) == 1


def test_a_rejected_entry_leaves_no_position_and_clears_the_intent(world: World) -> None:
    exchange, store = world
    exchange.script("submit_order", Rejected("51008", "insufficient margin"))
    done = open_(exchange, store)
    assert done.status == "entry_rejected"
    assert store.flushed[SYMBOL].position_state.intent_id == ""
    assert not exchange.algo_book


def test_an_unfilled_limit_entry_is_cancelled_and_opens_nothing(world: World) -> None:
    exchange, store = world
    done = open_(exchange, store, entry_price=D("29500.0"), entry_timeout_s=0.5)
    assert done.status == "entry_not_filled"
    (order,) = exchange.order_book.values()
    assert order.state.value == "canceled" and not exchange.algo_book


def test_bad_input_is_refused_before_any_order(world: World) -> None:
    exchange, store = world
    with pytest.raises(InvalidIntent):
        open_(exchange, store, stop_price=D("29400.05"))
    with pytest.raises(InvalidIntent):
        open_(exchange, store, tp1_qty=D("0.10"))
    with pytest.raises(InvalidIntent):
        open_(exchange, store, symbol="XRP-USDT-SWAP")
    assert not exchange.order_book


def test_a_size_whose_stop_loss_exceeds_the_tier_budget_is_rejected_before_any_order(
        world: World) -> None:
    exchange, store = world
    # tier A risks 1 % of 100,000 USDT; 200 contracts x 0.01 BTC x 600 USDT = 1,200 USDT
    done = open_(exchange, store, qty=D("200"), tp1_qty=D("80"), tp2_qty=D("60"))
    assert done.status == "rejected_by_gate" and "risk" in done.reason
    assert not exchange.order_book
    evaluation = store.events_of(CandidateEvaluation)[0]
    assert [g.verdict.value for g in evaluation.gates] == ["PASS", "PASS", "PASS", "FAIL"]
    within = open_(exchange, store, qty=D("100"), tp1_qty=D("40"), tp2_qty=D("30"),
                   intent_id="op9")
    assert within.status == "opened"


WRITES = ("set_leverage", "submit_order", "submit_algo_stop", "cancel_order", "cancel_algo")


@pytest.mark.parametrize(("side", "changes", "names"), [
    # issue 8 bug 3: a long whose stop is above the market, or whose TP1 is below it, used to
    # be entered at market and then emergency-flattened
    ("long", {"stop_price": D("30010.0")}, "stop 30010.0 <"),
    ("long", {"tp1_price": D("29990.0")}, "< tp1 29990.0"),
    ("long", {"tp2_price": D("30200.0")}, "<= tp2 30200.0"),
    ("short", {"stop_price": D("29990.0"), "tp1_price": D("29700.0"),
               "tp2_price": D("29400.0")}, "stop 29990.0 >"),
    ("short", {"stop_price": D("30600.0"), "tp1_price": D("30010.0"),
               "tp2_price": D("29400.0")}, "> tp1 30010.0"),
    # a limit entry must lie between the stop and TP1 too
    ("long", {"entry_price": D("29300.0")}, "entry 29300.0"),
])
def test_a_plan_on_the_wrong_side_of_the_market_is_refused_before_anything_is_sent(
        world: World, side: str, changes: dict[str, object], names: str) -> None:
    exchange, store = world
    position_side = PositionSide.LONG if side == "long" else PositionSide.SHORT
    with pytest.raises(InvalidIntent, match="plan must order") as refused:
        open_(exchange, store, side=position_side, **changes)
    assert names in str(refused.value)
    assert not [call for call in exchange.calls if call in WRITES]
    assert not exchange.order_book and not exchange.algo_book
    assert SYMBOL not in store.flushed


def test_the_market_check_uses_the_book_not_only_the_mark(world: World) -> None:
    exchange, store = world
    # mark 30000 but the book says a buy pays 30100: TP1 at 30050 would take profit at once
    exchange.ticker_spread[SYMBOL] = (D("29900"), D("30100"))
    with pytest.raises(InvalidIntent, match="ask 30100"):
        open_(exchange, store, tp1_price=D("30050.0"))
    assert not [call for call in exchange.calls if call in WRITES]


def test_take_profit_sizes_above_the_quantity_are_named_in_the_operators_terms(
        world: World) -> None:
    exchange, store = world
    with pytest.raises(InvalidIntent, match=r"take-profit sizes 0.08 \+ 0.03 exceed the "
                                            r"quantity 0.10"):
        open_(exchange, store, tp1_qty=D("0.08"))


def test_a_partial_fill_too_small_for_the_plan_is_flattened_and_locks_the_symbol(
        world: World) -> None:
    exchange, store = world
    lookup = exchange.orders.get_order_status

    async def fills_one_lot_first(**kwargs: object):  # type: ignore[no-untyped-def]
        for order in list(exchange.order_book.values()):
            if order.acc_fill_sz == 0:
                exchange.fill_order(order.order_id, qty=D("0.01"))
        return await lookup(**kwargs)  # type: ignore[arg-type]
    exchange.orders.get_order_status = fills_one_lot_first  # type: ignore[method-assign]
    done = open_(exchange, store, entry_price=D("29990.0"), entry_timeout_s=1.0)
    assert done.status == "flattened" and "cannot carry two take-profits" in done.reason
    assert not exchange.positions
    now = exchange.clock.now_ms() // 1000
    locks = store.flushed[SYMBOL].cooldown_until
    assert locks.freeze >= now + 1800 and locks.loss >= now + 1800


def test_an_intent_id_used_before_is_refused_even_after_its_position_closed(world: World) -> None:
    """Found by the invariant harness: intent i2 reopened after its stop fired, and the
    exchange took a second order for each of its client ids."""
    exchange, store = world
    assert open_(exchange, store).status == "opened"
    exchange.trigger_algo("pxSLop100")
    store.states[SYMBOL] = attrs.evolve(store.states[SYMBOL],
                                        position_state=PositionState())
    sent = len(exchange.order_book)
    done = open_(exchange, store)
    assert done.status == "rejected_by_gate" and "op1 was used before" in done.reason
    assert len(exchange.order_book) == sent
    evaluation = store.events_of(CandidateEvaluation)[-1]
    assert [(g.name, g.verdict.value) for g in evaluation.gates][2] == ("intent_unused", "FAIL")


def test_an_intent_the_exchange_knows_is_refused_even_with_a_fresh_store(world: World) -> None:
    exchange, store = world
    assert open_(exchange, store).status == "opened"
    sent = len(exchange.order_book)
    done = open_(exchange, InMemoryStateStore())
    assert done.status == "rejected_by_gate"
    assert "the exchange holds pxENop100" in done.reason and len(exchange.order_book) == sent
