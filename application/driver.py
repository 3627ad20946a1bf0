"""PositionDriver: exchange-observed events through the stage machine, actions to the exchange.

Every state change is flushed before the next request leaves, so a crash between any two steps
leaves a store that RecoverProtection can reconcile. Actions run in the order the domain gave;
an event an action produces is applied at once (depth-first), and order-placing actions left
over from before the position went flat are skipped.
"""

import attrs

from application.client_ids import allocate_ids
from application.performers import Note, Performer
from domain.actions import (
    Action,
    CancelProtection,
    CancelTakeProfits,
    CloseRunner,
    DeRisk,
    EmergencyFlatten,
    EmitRegimeShiftLog,
    EmitRiskEvent,
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
from domain.params import Params
from domain.stage_machine import transition
from domain.state import PositionStage, SymbolState
from ports.clock import Clock
from ports.exchange import ExchangeAdapter
from ports.progress import Progress, Silent
from ports.state import StateStore

_PLACING = (PlaceProtection, ReplaceProtection, PlaceTakeProfit, CloseRunner, DeRisk)


@attrs.frozen
class DriveResult:
    state: SymbolState
    notes: tuple[Note, ...]

    @property
    def needs_attention(self) -> bool:
        return any(n.needs_attention for n in self.notes)


class PositionDriver:
    def __init__(self, exchange: ExchangeAdapter, store: StateStore, clock: Clock,
                 params: Params, progress: Progress | None = None) -> None:
        self._exchange = exchange
        self._store = store
        self._clock = clock
        self._params = params
        self._progress = progress or Silent()

    async def feed(self, symbol: str, spec: InstrumentSpec, event: PositionEvent) -> DriveResult:
        """Apply one exchange-observed event and perform everything it calls for."""
        performer = self._performer(symbol, spec)
        await self._apply(performer, symbol, spec, event)
        await performer.cancel_strays(symbol)
        return DriveResult(self._store.get_symbol_state(symbol), tuple(performer.notes))

    async def perform(self, symbol: str, spec: InstrumentSpec,
                      actions: tuple[Action, ...]) -> DriveResult:
        """Perform actions decided elsewhere (playbook, recovery), with their follow-ups."""
        performer = self._performer(symbol, spec)
        await self._perform_all(performer, symbol, spec, actions)
        await performer.cancel_strays(symbol)
        return DriveResult(self._store.get_symbol_state(symbol), tuple(performer.notes))

    def _now(self) -> int:
        return self._clock.now_ms() // 1000

    def _save(self, state: SymbolState) -> None:
        self._store.set_symbol_state(state.symbol, state)
        self._store.flush()

    def _performer(self, symbol: str, spec: InstrumentSpec) -> Performer:
        def allocate(role: Role, count: int) -> tuple[str, ...]:
            return allocate_ids(self._store, symbol, role, count)
        return Performer(self._exchange, self._clock, self._params, spec, allocate,
                         self._progress)

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

    async def _perform_all(self, performer: Performer, symbol: str, spec: InstrumentSpec,
                           actions: tuple[Action, ...]) -> None:
        for action in actions:
            flat = self._store.get_symbol_state(symbol).position_state.stage is \
                PositionStage.FLAT
            if flat and isinstance(action, _PLACING):
                performer.note(f"skipped {type(action).__name__}: position is flat")
                continue
            event = await self._perform(performer, symbol, action)
            if event is not None:
                await self._apply(performer, symbol, spec, event)

    async def _perform(self, performer: Performer, symbol: str,
                       action: Action) -> PositionEvent | None:
        match action:
            case SetCooldown():
                self._save(apply_cooldown(self._store.get_symbol_state(symbol), action))
            case EmitRiskEvent():
                self._store.append_event(action.event)
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
            case EmergencyFlatten():
                return await performer.flatten(action)
        return None
