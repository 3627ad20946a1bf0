"""Risk events carry the orders they caused (seed §8), or say why there are none."""

from decimal import Decimal

import pytest

from domain.actions import EmitRiskEvent
from domain.errors import DomainError, InvalidIntent
from domain.events import BarClosed, RunnerClosed, StopNotVisible, StopTriggered
from domain.logs import RiskEvent, RiskEventType
from domain.orders import PositionSide
from domain.playbook import on_regime_shift
from domain.position_rules import COOLDOWN_PLACES_NO_ORDER, NO_ORDER_IDS
from domain.regime import Regime
from domain.state import SymbolState
from tests.unit.domain.builders import NOW, PARAMS, SPEC, SYMBOL, pre_tp1, runner, step

D = Decimal


def events(actions: tuple[object, ...]) -> list[EmitRiskEvent]:
    return [a for a in actions if isinstance(a, EmitRiskEvent)]


def test_an_event_without_orders_or_a_reason_cannot_be_emitted() -> None:
    bare = RiskEvent(NOW, RiskEventType.SL_RECOVER, SYMBOL, PositionSide.LONG, D(1), None,
                     (), (), "x")
    assert not bare.accounted
    with pytest.raises(InvalidIntent, match="SL_RECOVER"):
        EmitRiskEvent(bare)
    assert EmitRiskEvent(bare, collect_orders=True).collect_orders


def test_with_orders_lists_them_or_requires_a_reason() -> None:
    bare = RiskEvent(NOW, RiskEventType.RUNNER_EXIT, SYMBOL, PositionSide.LONG, D(1), None,
                     (), (), "x")
    listed = bare.with_orders(("o1",), ("pxRMabc12300",), "ignored when orders exist")
    assert (listed.order_ids, listed.client_ids, listed.no_orders_reason) == (
        ("o1",), ("pxRMabc12300",), "")
    assert listed.accounted
    none = bare.with_orders((), (), "the limit and the market fallback were both rejected")
    assert none.no_orders_reason.startswith("the limit") and none.accounted
    with pytest.raises(DomainError, match="RUNNER_EXIT placed no order"):
        bare.with_orders((), (), "")


def test_an_ordered_runner_exit_collects_the_close_orders() -> None:
    decision = step(runner(), BarClosed(D(118), Regime.SHOCK))
    (event,) = events(decision.actions)
    assert event.collect_orders and event.event.event_type is RiskEventType.RUNNER_EXIT


def test_a_closed_runner_lists_the_exchange_orders() -> None:
    decision = step(runner(), RunnerClosed(D(2), D(118), ("o7",), ("pxRMabc12300",)))
    exit_ = [e.event for e in events(decision.actions)
             if e.event.event_type is RiskEventType.RUNNER_EXIT]
    assert [(e.order_ids, e.client_ids) for e in exit_] == [(("o7",), ("pxRMabc12300",))]
    bare = step(runner(), RunnerClosed(D(2), D(118)))
    exit_ = [e.event for e in events(bare.actions)
             if e.event.event_type is RiskEventType.RUNNER_EXIT]
    assert exit_[0].no_orders_reason == NO_ORDER_IDS


def test_an_emergency_collects_its_flatten_orders_not_the_stop_id() -> None:
    decision = step(pre_tp1(), StopNotVisible("pxSLabc12300", "gone"))
    (event,) = events(decision.actions)
    assert event.collect_orders
    assert event.event.client_ids == ()   # the stop is not an order the flatten caused


def test_a_loss_cooldown_says_it_places_no_order() -> None:
    decision = step(pre_tp1(), StopTriggered(D(10), D(90), ("o5",), ("pxSLabc12300",)))
    loss = [e.event for e in events(decision.actions)
            if e.event.event_type is RiskEventType.LOSS_COOLDOWN]
    assert [e.no_orders_reason for e in loss] == [COOLDOWN_PLACES_NO_ORDER]


def test_a_regime_shift_collects_what_its_steps_placed() -> None:
    state = SymbolState(SYMBOL, last_regime=Regime.TREND, position_state=pre_tp1())
    result = on_regime_shift(SYMBOL, Regime.TREND, Regime.SHOCK, state, now=NOW, params=PARAMS,
                             spec=SPEC,
                             mark_price=D(100))
    shift_events = [e for e in events(result.actions)
                    if e.event.event_type is RiskEventType.REGIME_SHIFT]
    assert len(shift_events) == 1 and shift_events[0].collect_orders


def test_a_bar_without_an_exit_emits_nothing() -> None:
    assert events(step(runner(), BarClosed(D(118), Regime.TREND)).actions) == []
