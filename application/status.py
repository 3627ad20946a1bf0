"""Status: per symbol, what the exchange holds, which stops protect it, and which locks bind."""

from decimal import Decimal

import attrs

from domain.gate import check_open_gate
from domain.ids import Role, parse_client_id
from domain.orders import PositionSide
from domain.recovery_rules import protection_gap
from domain.state import PositionStage, SymbolState
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.state import StateStore


@attrs.frozen
class StatusCommand:
    symbols: tuple[str, ...] = ()


@attrs.frozen
class StopView:
    client_algo_id: str
    algo_id: str
    stop_price: Decimal | None
    size: Decimal | None
    state: str


@attrs.frozen
class SymbolStatus:
    symbol: str
    exchange_side: str
    exchange_qty: Decimal
    entry_price: Decimal | None
    unrealized_pnl: Decimal | None
    stage: str
    stored_qty_open: Decimal
    stored_stop: str
    stop_confirmed: bool
    stops: tuple[StopView, ...]
    may_open: bool
    locks: str
    # "" when the exchange shows every position of the symbol under exactly one stop of ours
    # (and none of ours without a position); otherwise what is wrong
    protection_gap: str = ""
    # the stored SymbolState in full (seed 001 §2.1: rolling blocks, ShockGuard, cooldowns)
    state: SymbolState | None = None


@attrs.frozen
class StatusReport:
    symbols: tuple[SymbolStatus, ...]

    @property
    def needs_attention(self) -> bool:
        """A position is unprotected at the exchange (or our stops are stray)."""
        return any(s.protection_gap for s in self.symbols)


class Status:
    def __init__(self, account: Account, algos: AlgoOrders, store: StateStore,
                 clock: Clock) -> None:
        self._account = account
        self._algos = algos
        self._store = store
        self._clock = clock

    async def execute(self, cmd: StatusCommand) -> StatusReport:
        positions = await self._account.get_positions()
        symbols = sorted(set(cmd.symbols) | set(self._store.symbols())
                         | set(positions.by_symbol))
        now = self._clock.now_ms() // 1000
        rows = []
        for symbol in symbols:
            snap = positions.by_symbol.get(symbol)
            state = self._store.get_symbol_state(symbol)
            pos = state.position_state
            algos = await self._algos.get_open_algo_orders(symbol)
            ours = [a for a in algos if (p := parse_client_id(a.client_algo_id)) is not None
                    and p.role is Role.STOP]
            gap = protection_gap(snap.side if snap else PositionSide.NONE,
                                 snap.qty if snap else Decimal(0), ours)
            gate = check_open_gate(state, now=now)
            rows.append(SymbolStatus(
                symbol, snap.side.value if snap else "NONE",
                snap.qty if snap else Decimal(0), snap.entry_price if snap else None,
                snap.unrealized_pnl if snap else None, pos.stage.value, pos.qty_open,
                f"{pos.sl_algo.client_algo_id}@{pos.sl_price}" if pos.sl_algo.client_algo_id
                else "", pos.sl_confirmed,
                tuple(StopView(a.client_algo_id, a.algo_id, a.stop_price, a.size,
                               a.state.value) for a in algos),
                gate.allowed and pos.stage is PositionStage.FLAT and not pos.intent_id,
                gate.reject_reason or ("" if pos.stage is PositionStage.FLAT
                                       else f"a position is open ({pos.stage.value})"), gap,
                state))
        return StatusReport(tuple(rows))
