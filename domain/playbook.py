"""The regime-shift playbook (seed §6), always in the same four steps:

1. ShockGuard / margin DeRisk: count the SHOCK and, before TP2, shed the planned runner
   allocation (DeRisk). Only the runner allocation is shed because the resting TP1/TP2 orders
   cover the rest, and a reduce-only TP larger than the position could be refused. Whatever
   the new regime, when margin used / equity is above derisk_margin_ratio the position sheds
   derisk_fraction (MarginDeRisk, domain/derisk.py; it takes the runner allocation first, so
   it replaces the SHOCK shed, at the larger of the two sizes). Not when step 2 is about to
   close the whole runner anyway.
2. Runner: on SHOCK or CHOP an open runner is closed at once (market).
3. Remaining position: on SHOCK or CHOP the stop of a pre-TP2 position moves
   stop_tighten_fraction of the way toward the mark price (never looser, never past the mark).
4. Locks and logs: SHOCK sets the shock lock, and the freeze lock once max_triggers_60m SHOCKs
   fell within 60 min; then a REGIME_SHIFT risk event and, last, the regime_shift_log.

Every action carries its step, so the order is checkable; steps never decrease.
"""

import enum
from decimal import Decimal

import attrs

from domain.actions import Action, DeRisk, EmitRegimeShiftLog
from domain.derisk import margin_derisk
from domain.gate import apply_cooldown
from domain.instrument import InstrumentSpec
from domain.logs import RegimeShiftLog, RiskEventType
from domain.orders import PositionSide
from domain.params import Params
from domain.position_rules import Context, replace_stop, risk_event
from domain.records import MarginSnapshot
from domain.regime import Regime
from domain.runner import EXIT_REGIMES, SHOCK, manage_runner
from domain.shockguard import count_trigger, shock_locks
from domain.state import PositionStage, PositionState, ShockGuardState, SymbolState

_BEFORE_TP2 = (PositionStage.PRE_TP1, PositionStage.BETWEEN_TP1_TP2)


class PlaybookStep(enum.IntEnum):
    SHOCKGUARD = 1
    RUNNER = 2
    POSITION = 3
    COOLDOWN = 4


@attrs.frozen
class PlannedAction:
    step: PlaybookStep
    action: Action


@attrs.frozen
class PlaybookResult:
    """The symbol's state after the shift, the actions in order, and one note per step."""

    state: SymbolState
    planned: tuple[PlannedAction, ...]
    notes: tuple[str, ...]

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(item.action for item in self.planned)


@attrs.frozen
class _Shift:
    ctx: Context
    spec: InstrumentSpec
    old: Regime
    new: Regime
    mark: Decimal | None
    margin: MarginSnapshot | None = None


def on_regime_shift(symbol: str, old_regime: Regime, new_regime: Regime, state: SymbolState, *,
                    now: int, params: Params, spec: InstrumentSpec,
                    mark_price: Decimal | None,
                    margin: MarginSnapshot | None = None) -> PlaybookResult:
    """Run the four steps for a shift from old_regime to new_regime (no-op if they are equal).
    margin: the account's balances now (None: unknown, the margin half of step 1 is skipped
    and its note says so)."""
    if old_regime == new_regime:
        return PlaybookResult(state, (), ())
    shift = _Shift(Context(symbol, now, params), spec, old_regime, new_regime, mark_price,
                   margin)
    guard, step1, note1 = _step1(state, shift)
    position, step2, note2 = _runner(state.position_state, shift)
    step3, note3 = _tighten(position, shift)
    state = attrs.evolve(state, shockguard=guard, position_state=position,
                         last_regime=new_regime)
    state, step4, note4 = _locks(state, shift)
    notes = (note1, note2, note3, note4)
    planned = [*(PlannedAction(PlaybookStep.SHOCKGUARD, a) for a in step1),
               *(PlannedAction(PlaybookStep.RUNNER, a) for a in step2),
               *(PlannedAction(PlaybookStep.POSITION, a) for a in step3),
               *(PlannedAction(PlaybookStep.COOLDOWN, a) for a in step4)]
    planned += [PlannedAction(PlaybookStep.COOLDOWN, a) for a in _logs(state, shift, notes)]
    return PlaybookResult(state, tuple(planned), notes)


def _step1(state: SymbolState, shift: _Shift) -> tuple[ShockGuardState, list[Action], str]:
    guard, shock, shock_note = _shockguard(state, shift)
    pos = state.position_state
    if pos.stage is PositionStage.RUNNER_ONLY and shift.new in EXIT_REGIMES:
        return guard, list(shock), f"{shock_note}; margin: runner closes whole in step 2"
    margin, margin_note = margin_derisk(pos, shift.margin, symbol=shift.ctx.symbol,
                                        params=shift.ctx.params, spec=shift.spec)
    if margin is None:
        return guard, list(shock), f"{shock_note}; {margin_note}"
    shed = max((d.qty for d in shock), default=margin.qty)
    if shed > margin.qty:
        margin = attrs.evolve(margin, qty=shed,
                              reason=f"{margin.reason}, raised to the SHOCK shed {shed}")
    return guard, [margin], f"{shock_note}; {margin.reason} (one order)"


def _shockguard(state: SymbolState,
                shift: _Shift) -> tuple[ShockGuardState, list[DeRisk], str]:
    guard = state.shockguard
    if shift.new != SHOCK:
        return guard, [], f"1 shockguard: {shift.new} is not SHOCK"
    guard = count_trigger(guard, shift.ctx.now)
    count = guard.trigger_count_60m
    pos = state.position_state
    if pos.stage not in _BEFORE_TP2:
        return guard, [], f"1 shockguard: SHOCK #{count} in 60 min; no pre-TP2 position"
    qty = _derisk_qty(pos, shift)
    if qty == 0:
        return guard, [], (f"1 shockguard: SHOCK #{count} in 60 min; runner allocation "
                           f"{pos.qty_runner} has nothing to shed")
    side = pos.side.exit_side
    reason = f"SHOCK: shed {qty} of the runner allocation {pos.qty_runner}"
    derisk = DeRisk(shift.ctx.symbol, pos.intent_id, side, qty, reason)
    return guard, [derisk], f"1 shockguard: SHOCK #{count} in 60 min; {reason}"


def _derisk_qty(pos: PositionState, shift: _Shift) -> Decimal:
    fraction = shift.ctx.params.shockguard.derisk_runner_fraction
    qty = shift.spec.size_floor(pos.qty_runner * fraction)
    rest = pos.qty_runner - qty
    # never leave a runner remnant too small to trade on its own
    if rest != 0 and rest < shift.spec.min_sz and qty > 0:
        qty = pos.qty_runner
    return qty if qty >= shift.spec.min_sz else Decimal(0)


def _runner(pos: PositionState, shift: _Shift) -> tuple[PositionState, list[Action], str]:
    if pos.stage is not PositionStage.RUNNER_ONLY:
        return pos, [], "2 runner: no runner open"
    if shift.new not in EXIT_REGIMES:
        return pos, [], f"2 runner: kept ({shift.new} allows a runner)"
    decision = manage_runner(pos, symbol=shift.ctx.symbol, now=shift.ctx.now,
                             current_price=shift.mark, regime=shift.new,
                             params=shift.ctx.params)
    return decision.state, list(decision.actions), f"2 runner: close now ({decision.reason})"


def _tighten(pos: PositionState, shift: _Shift) -> tuple[list[Action], str]:
    if pos.stage not in _BEFORE_TP2:
        return [], "3 position: no pre-TP2 position"
    if shift.new not in EXIT_REGIMES:
        return [], f"3 position: stop kept ({shift.new})"
    stop = _tighter_stop(pos, shift)
    if stop is None:
        return [], f"3 position: stop {pos.sl_price} kept (no tighter tick short of the mark)"
    reason = f"{shift.new}: stop {pos.sl_price} -> {stop} toward mark {shift.mark}"
    return [replace_stop(pos, shift.ctx, stop, reason)], f"3 position: {reason}"


def _tighter_stop(pos: PositionState, shift: _Shift) -> Decimal | None:
    fraction = shift.ctx.params.shockguard.stop_tighten_fraction
    mark = shift.mark
    if mark is None or fraction == 0:
        return None
    target = pos.sl_price + (mark - pos.sl_price) * fraction
    if pos.side is PositionSide.LONG:
        stop = shift.spec.price_floor(target)
        return stop if pos.sl_price < stop < mark else None
    stop = shift.spec.price_ceil(target)
    return stop if mark < stop < pos.sl_price else None


def _locks(state: SymbolState, shift: _Shift) -> tuple[SymbolState, list[Action], str]:
    if shift.new != SHOCK:
        return state, [], "4 cooldown: unchanged"
    locks = shock_locks(state.shockguard.trigger_count_60m, now=shift.ctx.now,
                        params=shift.ctx.params, why="regime shift to SHOCK")
    for lock in locks:
        state = apply_cooldown(state, lock)
    named = ", ".join(f"{lock.kind.value} until {lock.until}" for lock in locks)
    return state, list(locks), f"4 cooldown: {named}"


def _logs(state: SymbolState, shift: _Shift, notes: tuple[str, ...]) -> list[Action]:
    pos = state.position_state
    event = risk_event(shift.ctx, RiskEventType.REGIME_SHIFT, pos, pos.qty_open, shift.mark,
                       f"{shift.old} -> {shift.new}", collect=True)
    log = RegimeShiftLog(shift.ctx.now, shift.ctx.symbol, shift.old, shift.new, notes,
                         state.cooldown_until.shock, state.cooldown_until.freeze)
    return [event, EmitRegimeShiftLog(log)]
