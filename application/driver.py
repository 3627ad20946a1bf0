"""PositionDriver: exchange-observed events through the stage machine, actions to the exchange.

Every state change is flushed before the next request leaves, so a crash between any two steps
leaves a store that RecoverProtection can reconcile. Actions run in the order the domain gave;
an event an action produces is applied at once (depth-first), and order-placing actions left
over from before the position went flat are skipped.
"""

from collections.abc import Awaitable, Callable, Sequence

import attrs

from application.client_ids import allocate_ids
from application.notes import Note
from application.order_path import StopSent
from application.pending_stops import PendingStops
from application.performer_context import Venue
from application.performers import Performer
from application.trade_record import TradeRecorder
from domain.actions import (
    Action,
    CancelProtection,
    CancelTakeProfits,
    CloseRunner,
    DeRisk,
    EmergencyFlatten,
    EmitRegimeShiftLog,
    EmitRiskEvent,
    MarginDeRisk,
    PlaceProtection,
    PlaceTakeProfit,
    ReplaceProtection,
    SetCooldown,
)
from domain.errors import InvalidTransition
from domain.events import PositionEvent
from domain.gate import apply_cooldown
from domain.ids import Role
from domain.instrument import InstrumentSpec
from domain.logs import RiskEvent, RiskEventType
from domain.orders import PositionSide
from domain.params import Params
from domain.stage_machine import transition
from domain.state import PositionStage, PositionState, SymbolState
from ports.clock import Clock
from ports.progress import Progress, Silent
from ports.state import StateStore

# how a stop sent before the event (application/early_stop.py) ended, awaited where it is used
EarlyResult = Callable[[], Awaitable[StopSent | None]]

_PLACING = (PlaceProtection, ReplaceProtection, PlaceTakeProfit, CloseRunner, DeRisk,
            MarginDeRisk)
# what an "ordered" risk event says when the actions before it placed nothing
_NONE_PLACED = {
    RiskEventType.REGIME_SHIFT: "no step of the playbook placed an order",
    RiskEventType.RUNNER_EXIT: "the runner close placed no order",
    RiskEventType.EMERGENCY_FLAT: "the flatten placed no order",
}
_STOPS = (PlaceProtection, ReplaceProtection)


def _last_stop_only(actions: list[Action]) -> list[Action]:
    """Of several stop placements decided in one batch only the last is still wanted."""
    stops = [n for n, a in enumerate(actions) if isinstance(a, _STOPS)]
    return [a for n, a in enumerate(actions) if not isinstance(a, _STOPS) or n == stops[-1]]


@attrs.frozen
class DriveResult:
    state: SymbolState
    notes: tuple[Note, ...]
    # (exchange id or "", client id) of every order and stop placed, in order
    placed: tuple[tuple[str, str], ...] = ()

    @property
    def needs_attention(self) -> bool:
        return any(n.needs_attention for n in self.notes)


class PositionDriver:
    def __init__(self, venue: Venue, store: StateStore, clock: Clock,
                 params: Params, progress: Progress | None = None) -> None:
        self._venue = venue
        self._store = store
        self._clock = clock
        self._params = params
        self._progress = progress or Silent()
        self.recorder = TradeRecorder(venue.orders, store, clock, params)

    @property
    def venue(self) -> Venue:
        return self._venue

    async def feed(self, symbol: str, spec: InstrumentSpec, event: PositionEvent, *,
                   early: EarlyResult | None = None) -> DriveResult:
        """Apply one exchange-observed event and perform everything it calls for; early: a
        stop already sent for it (application/early_stop.py), which the first stop placement
        adopts or replaces."""
        return await self.feed_all(symbol, spec, (event,), early=early)

    async def feed_all(self, symbol: str, spec: InstrumentSpec,
                       events: Sequence[PositionEvent], *,
                       early: EarlyResult | None = None) -> DriveResult:
        """Apply events the exchange shows have all happened already (e.g. TP1, TP2 and the
        stop while we were away), then perform what they call for. The actions of an earlier
        event are not performed against a position the later ones already changed: only the
        last stop placement survives, and nothing is placed once the position is flat."""
        performer = self._performer(symbol, spec)
        performer.early = early
        state = self._store.get_symbol_state(symbol)
        actions: list[Action] = []
        closed: PositionState | None = None
        for event in events:
            try:
                decision = transition(state.position_state, event, symbol=symbol,
                                      now=self._now(), params=self._params, spec=spec)
            except InvalidTransition as exc:
                performer.note(f"{type(event).__name__} not applied: {exc}", True)
                break
            if _closes(state.position_state, decision.state):
                closed = state.position_state
            state = attrs.evolve(state, position_state=decision.state)
            actions += decision.actions
        self._save(state)
        await self._perform_all(performer, symbol, spec, tuple(_last_stop_only(actions)))
        if closed is not None:
            await self._record(performer, symbol, spec, closed)
        await performer.unadopted()
        await performer.cancel_strays(symbol)
        return self._result(symbol, performer)

    async def perform(self, symbol: str, spec: InstrumentSpec,
                      actions: tuple[Action, ...]) -> DriveResult:
        """Perform actions decided elsewhere (playbook, recovery), with their follow-ups."""
        performer = self._performer(symbol, spec)
        await self._perform_all(performer, symbol, spec, actions)
        await performer.cancel_strays(symbol)
        return self._result(symbol, performer)

    def _result(self, symbol: str, performer: Performer) -> DriveResult:
        return DriveResult(self._store.get_symbol_state(symbol), tuple(performer.notes),
                           tuple(performer.placed))

    def _now(self) -> int:
        return self._clock.now_ms() // 1000

    def _save(self, state: SymbolState) -> None:
        self._store.set_symbol_state(state.symbol, state)
        self._store.flush()

    def _performer(self, symbol: str, spec: InstrumentSpec) -> Performer:
        def allocate(role: Role, count: int) -> tuple[str, ...]:
            # a stop's id is recorded as pending in the same write (application/pending_stops)
            since = self._now() if role is Role.STOP else None
            return allocate_ids(self._store, symbol, role, count, pending_since=since)
        return Performer(self._venue, self._clock, self._params, spec, allocate,
                         self._progress, PendingStops(self._store, symbol))

    async def _apply(self, performer: Performer, symbol: str, spec: InstrumentSpec,
                     event: PositionEvent) -> None:
        state = self._store.get_symbol_state(symbol)
        try:
            decision = transition(state.position_state, event, symbol=symbol, now=self._now(),
                                  params=self._params, spec=spec)
        except InvalidTransition as exc:
            performer.note(f"{type(event).__name__} not applied: {exc}", True)
            return
        self._save(attrs.evolve(state, position_state=decision.state))
        await self._perform_all(performer, symbol, spec, decision.actions)
        if _closes(state.position_state, decision.state):
            await self._record(performer, symbol, spec, state.position_state)

    async def _record(self, performer: Performer, symbol: str, spec: InstrumentSpec,
                      before: PositionState) -> None:
        for note in await self.recorder.trade_closed(symbol, spec, before,
                                                      tuple(performer.books)):
            performer.note(note.text, note.needs_attention)

    def _keep_books(self, symbol: str, performer: Performer) -> None:
        """Books read for this position's limit orders, kept until the trade is recorded."""
        state = self._store.get_symbol_state(symbol)
        pos = state.position_state
        new = [b for b in performer.books if b not in pos.books]
        if new and pos.stage is not PositionStage.FLAT:
            self._save(attrs.evolve(state, position_state=attrs.evolve(
                pos, books=(*pos.books, *new))))

    async def _perform_all(self, performer: Performer, symbol: str, spec: InstrumentSpec,
                           actions: tuple[Action, ...]) -> None:
        # the orders this decision's actions place (their follow-ups included) start here
        start = len(performer.placed)
        for action in actions:
            flat = self._store.get_symbol_state(symbol).position_state.stage is \
                PositionStage.FLAT
            if flat and isinstance(action, _PLACING):
                performer.note(f"skipped {type(action).__name__}: position is flat")
                continue
            if isinstance(action, EmitRiskEvent):
                self._store.append_event(_with_orders(action, performer, start))
                continue
            event = await self._perform(performer, symbol, action)
            self._keep_books(symbol, performer)
            if event is not None:
                await self._apply(performer, symbol, spec, event)

    def _current(self, symbol: str, action: Action) -> Action | None:
        """A stop placement as of now: the size and the stop to replace are the stored
        position's when the action is performed, not when it was decided (an action decided
        before a de-risk or a take-profit fill would otherwise place a stop for the old size
        and leave the newer stop live). None: nothing is open to protect."""
        if not isinstance(action, PlaceProtection | ReplaceProtection):
            return action
        pos = self._store.get_symbol_state(symbol).position_state
        if pos.stage is PositionStage.FLAT or pos.qty_open <= 0:
            return None
        side = PositionSide(pos.side).exit_side
        if isinstance(action, PlaceProtection):
            return attrs.evolve(action, side=side, qty=pos.qty_open)
        return attrs.evolve(action, side=side, qty=pos.qty_open,
                            old_algo_id=pos.sl_algo.algo_id,
                            old_client_algo_id=pos.sl_algo.client_algo_id)

    async def _perform(self, performer: Performer, symbol: str,
                       action: Action) -> PositionEvent | None:
        current = self._current(symbol, action)
        if current is None:
            performer.note(f"skipped {type(action).__name__}: nothing open to protect")
            return None
        action = current
        match action:
            case SetCooldown():
                self._save(apply_cooldown(self._store.get_symbol_state(symbol), action))
            case EmitRegimeShiftLog():
                self._store.append_event(action.log)
            case PlaceProtection():
                return await performer.place_protection(action)
            case ReplaceProtection():
                return await performer.replace_protection(action)
            case CancelProtection():
                await performer.cancel_protection(action)
            case PlaceTakeProfit():
                await performer.place_take_profit(action)
            case CancelTakeProfits():
                await performer.cancel_take_profits(action)
            case CloseRunner():
                return await performer.close_runner(action)
            case DeRisk():
                return await performer.de_risk(action)
            case MarginDeRisk():
                return await performer.margin_de_risk(action)
            case EmergencyFlatten():
                return await performer.flatten(action)
        return None


def _with_orders(action: EmitRiskEvent, performer: Performer, start: int) -> RiskEvent:
    """The event as written: an "ordered" event lists what the actions before it placed, or
    says why there is nothing (the last note, when there is one, tells what happened)."""
    event = action.event
    if not action.collect_orders:
        return event
    placed = performer.placed[start:]
    why = _NONE_PLACED.get(event.event_type, "its actions placed no order")
    if performer.notes:
        why = f"{why} ({performer.notes[-1].text})"
    return event.with_orders(tuple(o for o, _ in placed if o), tuple(c for _, c in placed if c),
                             why)


def _closes(before: PositionState, after: PositionState) -> bool:
    """Did this transition end a trade (an open position gone flat)?"""
    return before.stage is not PositionStage.FLAT and after.stage is PositionStage.FLAT
