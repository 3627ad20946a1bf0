"""The open gate is exactly the max() rule of seed §4, and its reason names every binding lock."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actions import CooldownKind, EmitRiskEvent, SetCooldown
from domain.gate import (
    GATE_NAME,
    Lock,
    apply_cooldown,
    apply_cooldowns,
    check_open_gate,
    gate_result,
)
from domain.logs import (
    CandidateAction,
    CandidateEvaluation,
    GateVerdict,
    RiskEvent,
    RiskEventType,
)
from domain.numbers import ZERO
from domain.orders import PositionSide
from domain.regime import Regime
from domain.state import CooldownUntil, SymbolState

NOW = 1_700_000_000


def locked(loss: int = 0, template: int = 0, freeze: int = 0, shock: int = 0,
           blacklist: int = 0) -> SymbolState:
    return SymbolState("BTC-USDC-SWAP", cooldown_until=CooldownUntil(loss, template, freeze, shock),
                       b_blacklist_until=blacklist)


@pytest.mark.parametrize(("state", "allowed", "reason"), [
    (locked(), True, ""),
    (locked(loss=NOW), True, ""),
    (locked(loss=NOW + 1), False, f"locked: loss until {NOW + 1}"),
    (locked(template=NOW + 5), False, f"locked: template until {NOW + 5}"),
    (locked(freeze=NOW + 5), False, f"locked: freeze until {NOW + 5}"),
    (locked(shock=NOW + 5), False, f"locked: shock until {NOW + 5}"),
    (locked(blacklist=NOW + 5), False, f"locked: b_blacklist until {NOW + 5}"),
    (locked(loss=NOW + 100, freeze=NOW + 200, shock=NOW - 1), False,
     f"locked: loss until {NOW + 100}, freeze until {NOW + 200}"),
    (locked(NOW + 1, NOW + 2, NOW + 3, NOW + 4, NOW + 5), False,
     f"locked: loss until {NOW + 1}, template until {NOW + 2}, freeze until {NOW + 3}, "
     f"shock until {NOW + 4}, b_blacklist until {NOW + 5}"),
])
def test_the_gate_names_every_binding_lock(state: SymbolState, allowed: bool,
                                           reason: str) -> None:
    decision = check_open_gate(state, now=NOW)
    assert decision.allowed is allowed
    assert decision.reject_reason == reason
    assert all(lock.until > NOW for lock in decision.binding)


def test_the_gate_becomes_a_log_line() -> None:
    open_ = gate_result(check_open_gate(locked(), now=NOW))
    assert (open_.name, open_.verdict, open_.reason) == (GATE_NAME, GateVerdict.PASS, "")
    shut = gate_result(check_open_gate(locked(shock=NOW + 9), now=NOW))
    assert (shut.name, shut.verdict) == (GATE_NAME, GateVerdict.FAIL)
    assert (shut.verdict, shut.reason) == (GateVerdict.FAIL, f"locked: shock until {NOW + 9}")


stamps = st.integers(min_value=0, max_value=2 * NOW)


@given(stamps, stamps, stamps, stamps, stamps, stamps)
def test_the_gate_equals_the_max_rule(loss: int, template: int, freeze: int, shock: int,
                                      blacklist: int, now: int) -> None:
    decision = check_open_gate(locked(loss, template, freeze, shock, blacklist), now=now)
    assert decision.allowed == (now >= max(loss, template, freeze, shock, blacklist))
    assert decision.open_at == max(loss, template, freeze, shock, blacklist)
    named = {lock.kind.value for lock in decision.binding}
    expected = {name for name, until in [("loss", loss), ("template", template),
                                         ("freeze", freeze), ("shock", shock),
                                         ("b_blacklist", blacklist)] if now < until}
    assert named == expected
    assert decision.allowed == (decision.reject_reason == "")
    for lock in decision.binding:
        assert f"{lock.kind.value} until {lock.until}" in decision.reject_reason


@pytest.mark.parametrize("kind", list(CooldownKind))
def test_a_lock_is_extended_but_never_shortened(kind: CooldownKind) -> None:
    state = apply_cooldown(locked(), SetCooldown(kind, NOW + 100))
    assert Lock(kind, NOW + 100) in check_open_gate(state, now=NOW).binding
    assert apply_cooldown(state, SetCooldown(kind, NOW + 50)) == state
    longer = apply_cooldown(state, SetCooldown(kind, NOW + 300))
    assert check_open_gate(longer, now=NOW + 200).binding == (Lock(kind, NOW + 300),)


def test_apply_cooldowns_ignores_other_actions() -> None:
    event = EmitRiskEvent(RiskEvent(NOW, RiskEventType.LOSS_COOLDOWN, "X", PositionSide.LONG, ZERO,
                                    None, (), (), "", "a cooldown places no order"))
    state = apply_cooldowns(locked(), [event, SetCooldown(CooldownKind.LOSS, NOW + 10),
                                       SetCooldown(CooldownKind.FREEZE, NOW + 20)])
    assert state.cooldown_until == CooldownUntil(loss=NOW + 10, freeze=NOW + 20)


def test_a_rejected_candidate_carries_the_gate_reason() -> None:
    decision = check_open_gate(locked(freeze=NOW + 60), now=NOW)
    evaluation = CandidateEvaluation(NOW, "BTC-USDC-SWAP", Regime.TREND, "breakout",
                                     (gate_result(decision),), 1.0, (), 1.0,
                                     CandidateAction.REJECT, decision.reject_reason)
    assert evaluation.gates[0].verdict is GateVerdict.FAIL
    assert evaluation.reject_reason == f"locked: freeze until {NOW + 60}"
