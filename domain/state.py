"""Per-symbol persistent state, field for field as seed 001 §2.1 and §3 name it.

Times are epoch seconds (ints), prices and sizes Decimal (contracts for sizes). Fields the seed
does not name are marked "extension" and only ever added, never renamed.
"""

import enum
from decimal import Decimal

import attrs

from domain.numbers import ZERO
from domain.orders import PositionSide
from domain.records import ExecFill, LimitOrderRecord, TradeResult
from domain.regime import Regime, Tier


class PositionStage(enum.Enum):
    FLAT = "FLAT"
    PRE_TP1 = "PRE_TP1"
    BETWEEN_TP1_TP2 = "BETWEEN_TP1_TP2"
    RUNNER_ONLY = "RUNNER_ONLY"


@attrs.frozen
class CooldownUntil:
    loss: int = 0
    template: int = 0
    freeze: int = 0
    shock: int = 0


@attrs.frozen
class ShockGuardState:
    q95_1m: float | None = None
    q95_3m: float | None = None
    recalib_ts: int = 0
    trigger_count_60m: int = 0
    # extension: epoch seconds of the SHOCK shifts within 60 min (trigger_count_60m counts them)
    trigger_ts_60m: tuple[int, ...] = ()


@attrs.frozen
class ExecQualityRoll:
    fill_rate_30: float = 0.0
    slippage_cost30_r: float = 0.0
    cancel_rate_30: float = 0.0
    spread_p95: float = 0.0
    sample_n: int = 0
    last_update_ts: int = 0
    # extension: how many fills slippage_cost30_r averages (<= 30; sample_n counts orders)
    fill_n: int = 0


@attrs.frozen
class HealthRoll:
    win_rate: float = 0.0
    avg_r: float = 0.0
    max_dd: float = 0.0
    profit_factor: float = 0.0
    fallback_quality: float = 0.0
    trade_n: int = 0
    last_calib_ts: int = 0
    # extension: the sums profit_factor divides (in R), so "no losing trade" is visible
    gross_win_r: float = 0.0
    gross_loss_r: float = 0.0
    # extension: limit-first exits fallback_quality is the share of (0: no exit yet)
    limit_exit_n: int = 0


@attrs.frozen
class OrderRef:
    order_id: str = ""
    client_order_id: str = ""


@attrs.frozen
class AlgoRef:
    algo_id: str = ""
    client_algo_id: str = ""


@attrs.frozen
class SlAlgo:
    algo_id: str = ""
    client_algo_id: str = ""
    working_type: str = "MARK_PRICE"


@attrs.frozen
class PendingStop:
    """Extension: a stop of ours sent (or possibly sent) that the exchange has not yet shown
    open, canceled or finished. It is written with its client id's allocation, before the
    placement leaves, so that a later command or a restarted engine can cancel it by client id
    even while the exchange's queries cannot see it yet. since: epoch seconds it was sent."""

    client_algo_id: str
    algo_id: str = ""
    since: int = 0


@attrs.frozen
class LastOrders:
    entry: OrderRef = OrderRef()
    tp: tuple[OrderRef, ...] = ()
    sl: AlgoRef = AlgoRef()


@attrs.frozen
class BookAtPlacement:
    """The best bid and ask read just before an order of ours was placed: a limit order's
    spread counts in spread_p95; a market order's intended price (the touch it takes, else
    the mark) is what its fills' slippage is measured against in slippage_cost30_r."""

    client_order_id: str
    bid: Decimal | None
    ask: Decimal | None
    intended: Decimal | None = None


@attrs.frozen
class PositionState:
    side: PositionSide = PositionSide.NONE
    entry_price: Decimal = ZERO
    qty_total: Decimal = ZERO
    qty_runner: Decimal = ZERO
    sl_price: Decimal = ZERO
    sl_algo: SlAlgo = SlAlgo()
    tp1_done: bool = False
    tp2_done: bool = False
    peak_pnl_r: Decimal = ZERO
    bars_after_tp2: int = 0
    last_orders: LastOrders = LastOrders()
    # extension: where the position is in the stage machine (seed §3 position_stage)
    stage: PositionStage = PositionStage.FLAT
    # extension: contracts still open (qty_total minus what TP1/TP2 closed)
    qty_open: Decimal = ZERO
    # extension: the stop was seen in the exchange's open algo orders (seed §7)
    sl_confirmed: bool = False
    # extension: the persisted intent whose client ids these orders carry
    intent_id: str = ""
    # extension: the trade plan the Quant service sent with the entry
    tp1_price: Decimal = ZERO
    tp1_qty: Decimal = ZERO
    tp2_price: Decimal = ZERO
    tp2_qty: Decimal = ZERO
    # extension: |entry - initial stop| per contract, the "R" that pnl_r is measured in
    risk_per_unit: Decimal = ZERO
    # extension: sum of (exit - entry) * contracts, signed for the side, over the closes so far;
    # its sign at FLAT decides the loss cooldown
    realized_pnl: Decimal = ZERO
    # extension: signal tier of the entry ("A" or "B"); a losing "B" trade sets b_blacklist_until
    tier: Tier = Tier.NONE
    # extension: why a runner exit has been ordered ("" while none is pending)
    runner_exit_reason: str = ""
    # extension: next attempt number per client-id role code (domain/ids.py). OKX dedupes a
    # clOrdId only among pending orders, so an id is never reused once allocated.
    next_attempts: tuple[tuple[str, int], ...] = ()
    # extension: the book read before each limit order of this position was placed
    books: tuple[BookAtPlacement, ...] = ()


@attrs.frozen
class RollHistory:
    """Extension: the exchange-observed records the rolling blocks are computed from, kept
    bounded (the last 30 terminal limit orders and fills, the last health window of trades),
    so exec_quality_roll and health_roll survive a restart."""

    orders: tuple[LimitOrderRecord, ...] = ()
    fills: tuple[ExecFill, ...] = ()
    trades: tuple[TradeResult, ...] = ()


@attrs.frozen
class HaltMark:
    """Extension: the operator's halt in force (until 0: none) and the freeze it raised
    (domain/incident.py)."""

    since: int = 0
    until: int = 0
    prior_freeze: int = 0
    incident_id: str = ""
    reason: str = ""

    @property
    def active(self) -> bool:
        return self.until > 0


@attrs.frozen
class SymbolState:
    symbol: str
    last_regime: Regime = Regime.NONE
    last_template: str = ""
    cooldown_until: CooldownUntil = CooldownUntil()
    b_blacklist_until: int = 0
    shockguard: ShockGuardState = ShockGuardState()
    exec_quality_roll: ExecQualityRoll = ExecQualityRoll()
    health_roll: HealthRoll = HealthRoll()
    position_state: PositionState = PositionState()
    # extension: (template, until) per template whose losing trade locked it; a template lock
    # binds only its own template, cooldown_until.template is the latest of them (seed §4)
    template_cooldowns: tuple[tuple[str, int], ...] = ()
    # extension: intent ids whose orders reached (or may have reached) the exchange, newest
    # last. Client ids derive from them, so a reused intent would reuse client ids of orders
    # the exchange already holds (it dedupes only among pending ones). Bounded: INTENT_MEMORY.
    used_intents: tuple[str, ...] = ()
    # extension: what exec_quality_roll and health_roll are computed from (domain/rolling.py)
    roll_history: RollHistory = RollHistory()
    # extension: the halt in force, if any (domain/incident.py)
    halt: HaltMark = HaltMark()
    # extension: stops sent but not yet seen open, canceled or finished (PendingStop)
    pending_stops: tuple[PendingStop, ...] = ()


INTENT_MEMORY = 1000


def remember_intent(state: SymbolState, intent_id: str) -> SymbolState:
    """The state with intent_id recorded as used (the oldest forgotten past INTENT_MEMORY)."""
    if intent_id in state.used_intents:
        return state
    return attrs.evolve(state, used_intents=(*state.used_intents, intent_id)[-INTENT_MEMORY:])


# a pending stop the exchange says it does not hold is forgotten once it was sent this long
# ago: longer than any placement request can still be on its way (the placement itself gives up
# after seconds) and than the visibility lag the invariant harness draws (60 s)
PENDING_STOP_FORGET_S = 300
# at most this many are kept (the oldest forgotten first): each costs a cancel per recovery
PENDING_STOP_MEMORY = 50


def with_pending_stops(state: SymbolState, client_algo_ids: tuple[str, ...],
                       since: int) -> SymbolState:
    """The state with these stop client ids recorded as sent and not yet confirmed."""
    known = {p.client_algo_id for p in state.pending_stops}
    added = tuple(PendingStop(c, "", since) for c in client_algo_ids if c not in known)
    kept = (*state.pending_stops, *added)[-PENDING_STOP_MEMORY:]
    return attrs.evolve(state, pending_stops=kept)


def pending_stop_ids(state: SymbolState, client_algo_id: str, algo_id: str) -> SymbolState:
    """The state with the exchange's id of a pending stop learnt (from its placement answer)."""
    return attrs.evolve(state, pending_stops=tuple(
        attrs.evolve(p, algo_id=algo_id) if p.client_algo_id == client_algo_id and algo_id
        else p for p in state.pending_stops))


def without_pending_stop(state: SymbolState, client_algo_id: str) -> SymbolState:
    """The state with a pending stop settled: seen open (it is the position's stop now),
    canceled, finished, refused, or not held past PENDING_STOP_FORGET_S."""
    return attrs.evolve(state, pending_stops=tuple(
        p for p in state.pending_stops if p.client_algo_id != client_algo_id))
