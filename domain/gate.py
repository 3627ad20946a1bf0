"""The open gate (seed §4): a new entry is allowed only once every lock has expired.

allowed = now >= max(cooldown_until.loss, .template, .freeze, .shock, b_blacklist_until)

The template lock binds per template (issue 13: a losing trade on template T locks T, not the
others): asked about a candidate's template, the gate uses that template's own lock from
template_cooldowns; asked without one, it uses cooldown_until.template, the latest of them.
A template lock that names no template (ALL_TEMPLATES, or one in a state file written before
template_cooldowns existed) binds every template.
"""

from collections.abc import Iterable

import attrs

from domain.actions import Action, CooldownKind, SetCooldown
from domain.logs import GateResult, GateVerdict
from domain.state import SymbolState

GATE_NAME = "cooldown_gate"


ALL_TEMPLATES = "*"


@attrs.frozen
class Lock:
    kind: CooldownKind
    until: int
    template: str = ""

    def describe(self) -> str:
        if self.kind is CooldownKind.TEMPLATE and self.template:
            return f"template {self.template!r} until {self.until}"
        return f"{self.kind.value} until {self.until}"


@attrs.frozen
class GateDecision:
    """allowed, or the locks still binding at `now` (in seed order) and why."""

    allowed: bool
    reject_reason: str
    binding: tuple[Lock, ...]
    open_at: int


def template_locks(state: SymbolState) -> tuple[tuple[str, int], ...]:
    """(template, until) of every template lock; a bare cooldown_until.template binds all."""
    if not state.template_cooldowns and state.cooldown_until.template > 0:
        return ((ALL_TEMPLATES, state.cooldown_until.template),)
    return state.template_cooldowns


def template_lock(state: SymbolState, template: str | None) -> Lock:
    """The template lock a candidate of `template` meets (None: any template)."""
    if template is None:
        return Lock(CooldownKind.TEMPLATE, state.cooldown_until.template)
    mine = [(name, until) for name, until in template_locks(state)
            if name in (template, ALL_TEMPLATES)]
    name, until = max(mine, key=lambda item: item[1], default=(template, 0))
    return Lock(CooldownKind.TEMPLATE, until, name)


def locks_of(state: SymbolState, template: str | None = None) -> tuple[Lock, ...]:
    """All five locks of a symbol, in the order the seed lists them."""
    until = state.cooldown_until
    return (Lock(CooldownKind.LOSS, until.loss), template_lock(state, template),
            Lock(CooldownKind.FREEZE, until.freeze), Lock(CooldownKind.SHOCK, until.shock),
            Lock(CooldownKind.B_BLACKLIST, state.b_blacklist_until))


def check_open_gate(state: SymbolState, *, now: int, template: str | None = None) -> GateDecision:
    """May a new position (of `template`, if given) open on this symbol at `now` (epoch s)?"""
    locks = locks_of(state, template)
    open_at = max(lock.until for lock in locks)
    binding = tuple(lock for lock in locks if now < lock.until)
    if now >= open_at:
        return GateDecision(True, "", (), open_at)
    named = ", ".join(lock.describe() for lock in binding)
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
    if lock.kind is CooldownKind.TEMPLATE:
        state = attrs.evolve(state, template_cooldowns=_extend(
            template_locks(state), lock.template or ALL_TEMPLATES, lock.until))
    return attrs.evolve(state, cooldown_until=until)


def _extend(locks: tuple[tuple[str, int], ...], template: str,
            until: int) -> tuple[tuple[str, int], ...]:
    current = max((u for name, u in locks if name == template), default=0)
    others = tuple((name, u) for name, u in locks if name != template)
    return (*others, (template, max(current, until)))


def apply_cooldowns(state: SymbolState, actions: Iterable[Action]) -> SymbolState:
    """Apply every SetCooldown among actions; other actions are left to the caller."""
    for action in actions:
        if isinstance(action, SetCooldown):
            state = apply_cooldown(state, action)
    return state
