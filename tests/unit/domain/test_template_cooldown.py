"""Template cooldown: last_template on open; a losing trade locks its template on that symbol,
and only that template; the gate's reject_reason names it."""

from decimal import Decimal

import attrs
import pytest

from domain.actions import CooldownKind, SetCooldown
from domain.errors import InvalidIntent
from domain.gate import ALL_TEMPLATES, Lock, apply_cooldown, check_open_gate
from domain.health import trade_result
from domain.orders import PositionSide, Side
from domain.params import CooldownParams, Params
from domain.records import ClosedTrade, TradeFill, TradeResult
from domain.state import CooldownUntil, SymbolState
from domain.template_cooldown import on_position_opened, on_trade_closed, validate_template

D = Decimal
NOW = 1_700_000_000
SYMBOL = "BTC-USDC-SWAP"
PARAMS = Params(cooldown=CooldownParams(template_s=1800))


def closed(template: str, exit_px: str, fee: str = "0") -> TradeResult:
    fills = (TradeFill("o1", "c1", Side.BUY, D(100), D(1), D(fee), "USDC", 0),
             TradeFill("o2", "c2", Side.SELL, D(exit_px), D(1), D(0), "USDC", 1))
    return trade_result(ClosedTrade(SYMBOL, template, PositionSide.LONG, D(10), D(1), "USDC",
                                    fills, (), NOW), "abc")


def test_opening_records_the_template() -> None:
    assert on_position_opened(SymbolState(SYMBOL), "breakout_v2").last_template == "breakout_v2"


@pytest.mark.parametrize("name", ["", "*", " x", "a b", "x" * 65, "模板", "-lead"])
def test_a_template_name_must_be_plain(name: str) -> None:
    with pytest.raises(InvalidIntent, match="template"):
        validate_template(name)


def test_a_losing_trade_locks_its_template_and_no_other() -> None:
    verdict = on_trade_closed(SymbolState(SYMBOL), closed("T", "95"), now=NOW, params=PARAMS)
    assert verdict.lock == SetCooldown(CooldownKind.TEMPLATE, NOW + 1800,
                                       "template 'T' trade lost -0.5000R", "T")
    state = verdict.state
    assert state.cooldown_until == CooldownUntil(template=NOW + 1800)
    assert state.template_cooldowns == (("T", NOW + 1800),)
    refused = check_open_gate(state, now=NOW + 10, template="T")
    assert not refused.allowed
    assert refused.reject_reason == f"locked: template 'T' until {NOW + 1800}"
    assert refused.binding == (Lock(CooldownKind.TEMPLATE, NOW + 1800, "T"),)
    assert check_open_gate(state, now=NOW + 10, template="U").allowed
    assert check_open_gate(state, now=NOW + 1800, template="T").allowed
    # asked without a template the gate is the seed's max() rule over cooldown_until
    assert not check_open_gate(state, now=NOW + 10).allowed


@pytest.mark.parametrize(("exit_px", "fee", "locked"), [
    ("95", "0", True),
    ("110", "0", False),
    ("100", "0", False),       # 0 R is not a loss
    ("100", "-0.01", True),    # fees make a flat trade a loss
    ("100.5", "-0.01", False),
])
def test_only_a_loss_after_fees_locks(exit_px: str, fee: str, locked: bool) -> None:
    verdict = on_trade_closed(SymbolState(SYMBOL), closed("T", exit_px, fee), now=NOW,
                              params=PARAMS)
    assert (verdict.lock is not None) is locked
    assert check_open_gate(verdict.state, now=NOW, template="T").allowed is not locked


def test_a_trade_without_a_template_sets_no_template_lock() -> None:
    verdict = on_trade_closed(SymbolState(SYMBOL), closed("", "90"), now=NOW, params=PARAMS)
    assert verdict.lock is None and verdict.state == SymbolState(SYMBOL)
    assert "names no template" in verdict.note


def test_template_locks_are_kept_per_template_and_only_extended() -> None:
    state = SymbolState(SYMBOL)
    for template, until in (("T", NOW + 100), ("U", NOW + 50), ("T", NOW + 20)):
        state = apply_cooldown(state, SetCooldown(CooldownKind.TEMPLATE, until, "", template))
    assert state.template_cooldowns == (("U", NOW + 50), ("T", NOW + 100))
    assert state.cooldown_until.template == NOW + 100
    assert not check_open_gate(state, now=NOW + 60, template="T").allowed
    assert check_open_gate(state, now=NOW + 60, template="U").allowed
    assert check_open_gate(state, now=NOW + 60, template="V").allowed


def test_the_longest_of_a_templates_own_and_the_all_templates_lock_binds() -> None:
    state = SymbolState(SYMBOL, cooldown_until=CooldownUntil(template=NOW + 500),
                        template_cooldowns=(("*", NOW + 500), ("T", NOW + 100)))
    decision = check_open_gate(state, now=NOW + 200, template="T")
    assert decision.binding == (Lock(CooldownKind.TEMPLATE, NOW + 500, "*"),)
    assert check_open_gate(SymbolState(SYMBOL), now=NOW, template="T").open_at == 0


def test_verdict_notes_say_what_happened() -> None:
    won = on_trade_closed(SymbolState(SYMBOL), closed("T", "110"), now=NOW, params=PARAMS)
    assert won.note == "template 'T': trade made 1.0000R, no lock"
    lost = on_trade_closed(SymbolState(SYMBOL), closed("T", "95"), now=NOW, params=PARAMS)
    assert lost.note == f"template 'T' locked until {NOW + 1800}: trade lost -0.5000R"


def test_a_template_lock_without_a_name_binds_every_template() -> None:
    state = apply_cooldown(SymbolState(SYMBOL),
                           SetCooldown(CooldownKind.TEMPLATE, NOW + 100, "operator"))
    assert state.template_cooldowns == ((ALL_TEMPLATES, NOW + 100),)
    decision = check_open_gate(state, now=NOW, template="T")
    assert decision.reject_reason == f"locked: template '*' until {NOW + 100}"
    named = apply_cooldown(state, SetCooldown(CooldownKind.TEMPLATE, NOW + 300, "", "T"))
    assert check_open_gate(named, now=NOW + 200, template="U").allowed
    assert not check_open_gate(named, now=NOW + 200, template="T").allowed


def test_other_locks_still_bind_every_template() -> None:
    state = attrs.evolve(SymbolState(SYMBOL), cooldown_until=CooldownUntil(loss=NOW + 5))
    decision = check_open_gate(state, now=NOW, template="T")
    assert decision.reject_reason == f"locked: loss until {NOW + 5}"
