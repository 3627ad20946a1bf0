"""Status: per symbol, what the exchange holds, which stops protect it, which locks bind, and
which stops of ours are still pending (sent, not yet settled: application/pending_stops.py)."""

from collections.abc import Sequence
from decimal import Decimal

import attrs

from domain.algo import AlgoOrder
from domain.gate import check_open_gate
from domain.ids import Role, parse_client_id
from domain.orders import PositionSide
from domain.recovery_rules import protection_gap
from domain.state import PendingStop, PositionStage, SymbolState
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


# what a pending stop's exchange state reads when the open algo orders do not show it: on its
# way (visibility lag), or gone (canceled, triggered): the open orders cannot tell which
NOT_SEEN = "not seen"


@attrs.frozen
class PendingStopView:
    """A pending stop as the status read finds it: the store's record beside the symbol's open
    algo orders, which status reads anyway (no request of its own)."""

    client_algo_id: str
    # the exchange's id: from the open algo orders when shown, else as the placement answered
    algo_id: str
    since: int
    # seconds since it was sent; None when the record has no time
    age_s: int | None
    # the state the exchange's open algo orders show it in ("live"), or "not seen"
    exchange: str
    # it is the position's recorded stop (a pending record the next write settles)
    adopted: bool

    @property
    def stray(self) -> bool:
        """Live at the exchange and no position's stop: a stop of ours nothing owns."""
        return self.exchange != NOT_SEEN and not self.adopted


def pending_stop_views(pending: tuple[PendingStop, ...], shown: Sequence[AlgoOrder],
                       position_stop: str, now: int) -> tuple[PendingStopView, ...]:
    """Each pending stop against the open algo orders (matched by client id: both venues show
    it); position_stop: the client id of the open position's recorded stop ("" when flat)."""
    views = []
    for stop in pending:
        algo = next((a for a in shown if a.client_algo_id == stop.client_algo_id), None)
        views.append(PendingStopView(
            stop.client_algo_id, algo.algo_id if algo else stop.algo_id, stop.since,
            now - stop.since if stop.since > 0 else None,
            algo.state.value if algo else NOT_SEEN,
            stop.client_algo_id == position_stop))
    return tuple(views)


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
    # stops sent but not yet settled in the store, with what the exchange shows of each
    pending_stops: tuple[PendingStopView, ...] = ()

    @property
    def stray_pending(self) -> tuple[PendingStopView, ...]:
        return tuple(p for p in self.pending_stops if p.stray)


@attrs.frozen
class StatusReport:
    symbols: tuple[SymbolStatus, ...]

    @property
    def needs_attention(self) -> bool:
        """A position is unprotected at the exchange, our stops are stray, or a pending stop
        of ours is live at the exchange without being a position's stop. A pending stop the
        exchange does not show is routine (on its way, or gone): no alarm."""
        return any(s.protection_gap or s.stray_pending for s in self.symbols)


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
            held = pos.sl_algo.client_algo_id if pos.stage is not PositionStage.FLAT else ""
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
                state, pending_stop_views(state.pending_stops, algos, held, now)))
        return StatusReport(tuple(rows))
