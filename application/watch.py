"""ProtectionWatch: keep every position protected while the engine runs.

RecoverProtection runs at start and again after every stream gap (ResyncNeeded), because pushes
missed during a gap are never replayed. A push saying our current stop triggered or vanished,
or that a take-profit filled, makes ManagePosition look at that symbol at once.
"""

import attrs

from application.manage_position import ManagePosition, ManagePositionCommand
from application.recover_protection import RecoverCommand, RecoverProtection
from domain.algo import AlgoState
from domain.ids import Role, parse_client_id
from domain.orders import OrderState
from ports.clock import Clock
from ports.exchange_events import AlgoUpdate, ExchangeEvent, OrderUpdate, ResyncNeeded
from ports.state import StateStore
from ports.streams import Streams


@attrs.frozen
class WatchCommand:
    symbols: tuple[str, ...] = ()
    # stop after this many seconds (None: until cancelled)
    run_for_s: float | None = None
    poll_s: float = 1.0


@attrs.frozen
class WatchStopped:
    recoveries: int
    managed: int
    events: int
    needs_attention: bool


@attrs.define
class _Tally:
    recoveries: int = 0
    managed: int = 0
    events: int = 0
    attention: bool = False


class ProtectionWatch:
    def __init__(self, streams: Streams, recover: RecoverProtection, manage: ManagePosition,
                 store: StateStore, clock: Clock) -> None:
        self._streams = streams
        self._recover = recover
        self._manage = manage
        self._store = store
        self._clock = clock

    async def execute(self, cmd: WatchCommand) -> WatchStopped:
        tally = _Tally()
        subscription = self._streams.subscribe()
        try:
            await self._streams.ws_start()
            await self._recover_all(cmd, tally)
            start = self._clock.monotonic()
            while cmd.run_for_s is None or self._clock.monotonic() - start < cmd.run_for_s:
                event = await subscription.get(cmd.poll_s)
                if event is not None:
                    tally.events += 1
                    await self._on(event, cmd, tally)
        finally:
            subscription.close()
            await self._streams.ws_stop()
        return WatchStopped(tally.recoveries, tally.managed, tally.events, tally.attention)

    async def _recover_all(self, cmd: WatchCommand, tally: _Tally) -> None:
        done = await self._recover.execute(RecoverCommand(cmd.symbols))
        tally.recoveries += 1
        tally.attention |= done.needs_attention

    async def _on(self, event: ExchangeEvent, cmd: WatchCommand, tally: _Tally) -> None:
        if isinstance(event, ResyncNeeded):
            await self._recover_all(cmd, tally)
            return
        what, symbol = self._triage(event)
        if what == "recover":
            await self._recover_all(attrs.evolve(cmd, symbols=(symbol,)), tally)
        elif what == "manage":
            done = await self._manage.execute(ManagePositionCommand(symbol))
            tally.managed += 1
            tally.attention |= done.needs_attention

    def _triage(self, event: ExchangeEvent) -> tuple[str, str]:
        """("manage" | "recover" | "", symbol) for a push about one of our orders."""
        if isinstance(event, AlgoUpdate):
            algo = event.algo_order
            current = self._store.get_symbol_state(algo.inst_id).position_state
            if not algo.client_algo_id or algo.client_algo_id != current.sl_algo.client_algo_id:
                return "", algo.inst_id
            if algo.state is AlgoState.EFFECTIVE:
                return "manage", algo.inst_id
            if algo.state in (AlgoState.CANCELED, AlgoState.ORDER_FAILED):
                # our live stop went away without us: the position is unprotected
                return "recover", algo.inst_id
        if isinstance(event, OrderUpdate):
            status = event.status
            parsed = parse_client_id(status.client_order_id)
            if parsed is not None and parsed.role in (Role.TP1, Role.TP2) and \
                    status.state is OrderState.FILLED:
                return "manage", status.inst_id
        return "", ""
