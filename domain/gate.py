"""The open gate (seed §4): a new entry is allowed only once every lock has expired.

allowed = now >= max(cooldown_until.loss, .template, .freeze, .shock, b_blacklist_until)
"""

from collections.abc import Iterable

import attrs

from domain.actions import Action, CooldownKind, SetCooldown
from domain.logs import GateResult, GateVerdict
from domain.state import SymbolState

GATE_NAME = "cooldown_gate"


@attrs.frozen
class Lock:
    kind: CooldownKind
    until: int


@attrs.frozen
class GateDecision:
    """allowed, or the locks still binding at `now` (in seed order) and why."""

    allowed: bool
    reject_reason: str
    binding: tuple[Lock, ...]
    open_at: int


def locks_of(state: SymbolState) -> tuple[Lock, ...]:
    """All five locks of a symbol, in the order the seed lists them."""
    until = state.cooldown_until
    return (Lock(CooldownKind.LOSS, until.loss), Lock(CooldownKind.TEMPLATE, until.template),
            Lock(CooldownKind.FREEZE, until.freeze), Lock(CooldownKind.SHOCK, until.shock),
            Lock(CooldownKind.B_BLACKLIST, state.b_blacklist_until))


def check_open_gate(state: SymbolState, *, now: int) -> GateDecision:
    """May a new position open on this symbol at `now` (epoch seconds)?"""
    locks = locks_of(state)
    open_at = max(lock.until for lock in locks)
    binding = tuple(lock for lock in locks if now < lock.until)
    if now >= open_at:
        return GateDecision(True, "", (), open_at)
    named = ", ".join(f"{lock.kind.value} until {lock.until}" for lock in binding)
    return GateDecision(False, f"locked: {named}", binding, open_at)


def gate_result(decision: GateDecision) -> GateResult:
    """The gate line of a CandidateEvaluation log (seed §8)."""
    if decision.allowed:
        return GateResult(GATE_NAME, GateVerdict.PASS)
    return GateResult(GATE_NAME, GateVerdict.FAIL, decision.reject_reason)


def apply_cooldown(state: SymbolState, lock: SetCooldown) -> SymbolState:
    """Set one lock; a lock is only ever extended, never shortened."""
    if lock.kind is CooldownKind.B_BLACKLIST:
        return attrs.evolve(state, b_blacklist_until=max(state.b_blacklist_until, lock.until))
    field = lock.kind.value
    current: int = getattr(state.cooldown_until, field)
    until = attrs.evolve(state.cooldown_until, **{field: max(current, lock.until)})
    return attrs.evolve(state, cooldown_until=until)


def apply_cooldowns(state: SymbolState, actions: Iterable[Action]) -> SymbolState:
    """Apply every SetCooldown among actions; other actions are left to the caller."""
    for action in actions:
        if isinstance(action, SetCooldown):
            state = apply_cooldown(state, action)
    return state
