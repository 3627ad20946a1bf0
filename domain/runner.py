"""Runner exits (seed §5): time, giveback and regime, as pure rules over PositionState.

A regime exit (SHOCK/CHOP) is ordered at market because the seed says the runner is closed
without waiting (§3); time and giveback exits try a reduce-only limit first (§5).
"""

import enum
from decimal import Decimal

import attrs

from domain.actions import Action, CloseRunner, EmitRiskEvent, ExitMethod
from domain.errors import DomainError
from domain.logs import RiskEvent, RiskEventType
from domain.orders import PositionSide
from domain.params import Params
from domain.regime import Regime
from domain.state import PositionStage, PositionState

SHOCK = Regime.SHOCK
CHOP = Regime.CHOP
# regimes in which no runner may stay open (seed §3 hard rule, §5)
EXIT_REGIMES = frozenset({SHOCK, CHOP})


class RunnerExit(enum.Enum):
    REGIME = "regime"
    TIME = "time"
    GIVEBACK = "giveback"


def pnl_r(side: PositionSide, entry: Decimal, price: Decimal, risk_per_unit: Decimal) -> Decimal:
    """Profit per contract at price, in multiples of the initial risk R (negative when losing)."""
    if side is PositionSide.NONE:
        raise DomainError("a flat position has no pnl")
    if not risk_per_unit.is_finite() or risk_per_unit <= 0:
        raise DomainError(f"risk per unit must be > 0, got {risk_per_unit}")
    move = price - entry if side is PositionSide.LONG else entry - price
    return move / risk_per_unit


def position_pnl_r(pos: PositionState, price: Decimal) -> Decimal:
    return pnl_r(pos.side, pos.entry_price, price, pos.risk_per_unit)


@attrs.frozen
class RunnerDecision:
    """state carries runner_exit_reason once an exit is ordered; exit is None when none is."""

    state: PositionState
    exit: RunnerExit | None
    reason: str
    actions: tuple[Action, ...] = ()


def exit_rule(pos: PositionState, current_r: Decimal | None, regime: Regime | None,
              params: Params) -> tuple[RunnerExit | None, str]:
    """Which exit rule fires, most urgent first, with a reason naming the numbers."""
    rules = params.runner
    if regime in EXIT_REGIMES:
        return RunnerExit.REGIME, f"regime {regime}: no runner may stay open"
    if pos.bars_after_tp2 >= rules.max_bars_after_tp2:
        return RunnerExit.TIME, (f"time: {pos.bars_after_tp2} bars after TP2 >= "
                                 f"{rules.max_bars_after_tp2}")
    floor = pos.peak_pnl_r * (1 - rules.giveback)
    # without a current price the giveback cannot be judged; time and regime still can
    if current_r is not None and pos.peak_pnl_r >= rules.min_peak_r and current_r <= floor:
        return RunnerExit.GIVEBACK, (f"giveback: {current_r:.4f}R <= peak {pos.peak_pnl_r:.4f}R "
                                     f"x (1 - {rules.giveback})")
    return None, ""


def manage_runner(pos: PositionState, *, symbol: str, now: int, current_price: Decimal | None,
                  regime: Regime | None, params: Params) -> RunnerDecision:
    """Decide whether the runner closes now; a pending time/giveback exit is not re-ordered."""
    if pos.stage is not PositionStage.RUNNER_ONLY:
        return RunnerDecision(pos, None, f"no runner open (stage {pos.stage.value})")
    current_r = None if current_price is None else position_pnl_r(pos, current_price)
    exit_, reason = exit_rule(pos, current_r, regime, params)
    if exit_ is None:
        return RunnerDecision(pos, None, "")
    if pos.runner_exit_reason and exit_ is not RunnerExit.REGIME:
        return RunnerDecision(pos, None, f"exit already ordered: {pos.runner_exit_reason}")
    side = pos.side
    method = ExitMethod.MARKET if exit_ is RunnerExit.REGIME else ExitMethod.LIMIT_THEN_MARKET
    close = CloseRunner(symbol, pos.intent_id, side.exit_side, pos.qty_open, method, reason)
    log = RiskEvent(now, RiskEventType.RUNNER_EXIT, symbol, pos.side, pos.qty_open,
                    current_price, (), (), f"ordered ({method.value}): {reason}")
    return RunnerDecision(attrs.evolve(pos, runner_exit_reason=reason), exit_, reason,
                          (close, EmitRiskEvent(log, collect_orders=True)))
