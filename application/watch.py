"""ProtectionWatch: keep every position protected while the engine runs.

RecoverProtection runs at start and again after every stream gap (ResyncNeeded), because pushes
missed during a gap are never replayed. A push saying our current stop triggered or vanished,
or that a take-profit filled, makes ManagePosition look at that symbol at once.
"""

import asyncio

import attrs

from application.manage_position import ManagePosition, ManagePositionCommand
from application.recover_protection import RecoverCommand, RecoverProtection
from application.shock_watch import ShockWatch
from domain.algo import AlgoState
from domain.ids import Role, parse_client_id
from domain.orders import OrderState
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.exchange_events import (
    AlgoUpdate,
    ExchangeEvent,
    OrderUpdate,
    PriceUpdate,
    ResyncNeeded,
)
from ports.orders import Orders
from ports.progress import Progress, Silent
from ports.state import StateStore
from ports.streams import Streams


@attrs.frozen
class WatchCommand:
    symbols: tuple[str, ...] = ()
    # stop after this many seconds (None: until cancelled)
    run_for_s: float | None = None
    poll_s: float = 1.0
    # the exchange's cancel-all-after countdown (0: not armed); refreshed every third of it
    dead_man_s: int = 60


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
                 store: StateStore, clock: Clock, orders: Orders | None = None,
                 shock: ShockWatch | None = None, progress: Progress | None = None) -> None:
        self._streams = streams
        self._recover = recover
        self._manage = manage
        self._store = store
        self._clock = clock
        self._orders = orders
        self._shock = shock
        self._progress = progress or Silent()
        self._armed_at: float | None = None
        self._polled_at: float | None = None
        # held through each step; operator commands handed to this engine take it too, so
        # they run between the watch's steps, never inside one
        self.turn = asyncio.Lock()

    async def execute(self, cmd: WatchCommand) -> WatchStopped:
        tally = _Tally()
        subscription = self._streams.subscribe()
        try:
            await self._streams.ws_start()
            await self._recover_all(cmd, tally)
            start = self._clock.monotonic()
            while cmd.run_for_s is None or self._clock.monotonic() - start < cmd.run_for_s:
                async with self.turn:
                    await self._tick(cmd, tally)
                event = await subscription.get(cmd.poll_s)
                if event is not None:
                    tally.events += 1
                    async with self.turn:
                        await self._on(event, cmd, tally)
        finally:
            subscription.close()
            await self._disarm(cmd)
            await self._streams.ws_stop()
        return WatchStopped(tally.recoveries, tally.managed, tally.events, tally.attention)

    def _symbols(self, cmd: WatchCommand) -> tuple[str, ...]:
        return tuple(sorted(set(cmd.symbols) | set(self._store.symbols())))

    async def _tick(self, cmd: WatchCommand, tally: _Tally) -> None:
        """Between pushes: keep the dead-man switch armed, ShockGuard calibrated, and judge
        each symbol's mark price."""
        now = self._clock.monotonic()
        symbols = self._symbols(cmd)
        if self._orders is not None and cmd.dead_man_s > 0 and symbols and (
                self._armed_at is None or now - self._armed_at >= cmd.dead_man_s / 3):
            await self._arm(symbols, cmd.dead_man_s, tally)
            self._armed_at = now
        if self._shock is None or (self._polled_at is not None
                                   and now - self._polled_at < cmd.poll_s):
            return
        self._polled_at = now
        for seen in [*await self._shock.calibrate_due(symbols),
                     *await self._shock.poll(symbols)]:
            self._progress.step(f"{seen.kind} {seen.symbol}: {seen.text}")
            tally.attention |= seen.needs_attention
            if seen.kind.startswith("shock"):
                tally.managed += 1

    async def _disarm(self, cmd: WatchCommand) -> None:
        """A watch stopped on purpose lifts the countdown, so the take-profits it leaves
        resting stay; only an engine that dies lets it fire."""
        if self._orders is None or self._armed_at is None:
            return
        try:
            await self._orders.arm_dead_man(symbols=self._symbols(cmd), timeout_s=0)
            self._progress.step("dead-man switch disarmed (watch stopped)")
        except ExchangeError as exc:
            self._progress.step(f"dead-man switch could not be disarmed: {exc}")

    async def _arm(self, symbols: tuple[str, ...], timeout_s: int, tally: _Tally) -> None:
        assert self._orders is not None
        try:
            switch = await self._orders.arm_dead_man(symbols=symbols, timeout_s=timeout_s)
        except ExchangeError as exc:
            self._progress.step(f"dead-man switch not armed: {exc}")
            tally.attention = True
            return
        if not switch.armed:
            self._progress.step(f"dead-man switch refused: {switch.why}")
            tally.attention = True
        elif self._armed_at is None:
            scope = f" ({switch.scope})" if switch.scope else ""
            self._progress.step(f"dead-man switch armed: resting orders are cancelled "
                                f"{timeout_s} s after this engine stops refreshing it{scope}")

    async def _recover_all(self, cmd: WatchCommand, tally: _Tally) -> None:
        done = await self._recover.execute(RecoverCommand(cmd.symbols))
        tally.recoveries += 1
        tally.attention |= done.needs_attention

    async def _on(self, event: ExchangeEvent, cmd: WatchCommand, tally: _Tally) -> None:
        if isinstance(event, ResyncNeeded):
            self._progress.step("stream gap: reconciling every symbol through REST")
            await self._recover_all(cmd, tally)
            return
        if isinstance(event, PriceUpdate) and event.kind == "mark" and self._shock:
            seen = await self._shock.on_mark(event.inst_id, event.price, event.ts_ms)
            if seen is not None:
                self._progress.step(f"{seen.kind} {seen.symbol}: {seen.text}")
                tally.attention |= seen.needs_attention
            return
        what, symbol = self._triage(event)
        if what == "recover":
            self._progress.step(f"{symbol}: our stop went away without us: recovering")
            await self._recover_all(attrs.evolve(cmd, symbols=(symbol,)), tally)
        elif what == "manage":
            done = await self._manage.execute(ManagePositionCommand(symbol))
            tally.managed += 1
            tally.attention |= done.needs_attention
            self._progress.step(f"{symbol}: {', '.join(done.observed) or 'no change'} -> "
                                f"{done.state.position_state.stage.value}")

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
