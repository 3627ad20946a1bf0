"""Runner exits (seed §5) evaluated directly, and the pnl_r helper."""

from decimal import Decimal

import attrs
import pytest

from domain.actions import CloseRunner, EmitRiskEvent, ExitMethod
from domain.errors import DomainError
from domain.logs import RiskEventType
from domain.orders import PositionSide, Side
from domain.params import Params, RunnerParams
from domain.regime import Regime
from domain.runner import RunnerExit, manage_runner, pnl_r
from domain.state import PositionStage, PositionState
from tests.unit.domain.builders import NOW, SYMBOL

D = Decimal


@pytest.mark.parametrize(("side", "entry", "price", "risk", "expected"), [
    (PositionSide.LONG, "100", "120", "10", "2"),
    (PositionSide.LONG, "100", "95", "10", "-0.5"),
    (PositionSide.SHORT, "100", "80", "10", "2"),
    (PositionSide.SHORT, "100", "105", "10", "-0.5"),
    (PositionSide.LONG, "100", "100", "3", "0"),
])
def test_pnl_r(side: PositionSide, entry: str, price: str, risk: str, expected: str) -> None:
    assert pnl_r(side, D(entry), D(price), D(risk)) == D(expected)


@pytest.mark.parametrize(("side", "risk"), [(PositionSide.NONE, "1"), (PositionSide.LONG, "0"),
                                            (PositionSide.LONG, "-1"),
                                            (PositionSide.LONG, "NaN")])
def test_pnl_r_refuses_nonsense(side: PositionSide, risk: str) -> None:
    with pytest.raises(DomainError):
        pnl_r(side, D(100), D(101), D(risk))


def a_runner(*, bars: int = 0, peak: str = "2", side: PositionSide = PositionSide.LONG,
             pending: str = "") -> PositionState:
    return PositionState(side=side, entry_price=D(100), qty_total=D(10), qty_runner=D(2),
                         qty_open=D(2), sl_price=D(110), stage=PositionStage.RUNNER_ONLY,
                         tp1_done=True, tp2_done=True, peak_pnl_r=D(peak), bars_after_tp2=bars,
                         risk_per_unit=D(10), intent_id="abc123", runner_exit_reason=pending)


PARAMS = Params(runner=RunnerParams(max_bars_after_tp2=5, min_peak_r=D("1.5"),
                                    giveback=D("0.4")))


@pytest.mark.parametrize(("pos", "price", "regime", "expected"), [
    (a_runner(), "118", None, None),
    (a_runner(bars=4), "118", None, None),
    (a_runner(bars=5), "118", None, RunnerExit.TIME),
    (a_runner(bars=9), "118", "TREND", RunnerExit.TIME),
    # peak 2R, giveback 0.4: exit at or below 1.2R = 112
    (a_runner(), "112.1", None, None),
    (a_runner(), "112", None, RunnerExit.GIVEBACK),
    (a_runner(), "90", None, RunnerExit.GIVEBACK),
    # a peak under min_peak_r does not arm the giveback
    (a_runner(peak="1.4"), "100", None, None),
    (a_runner(), "130", "SHOCK", RunnerExit.REGIME),
    (a_runner(), "130", "CHOP", RunnerExit.REGIME),
    (a_runner(bars=7), "105", "SHOCK", RunnerExit.REGIME),
    (a_runner(), None, "CHOP", RunnerExit.REGIME),
    (a_runner(bars=5), None, None, RunnerExit.TIME),
    (a_runner(side=PositionSide.SHORT), "88", None, RunnerExit.GIVEBACK),
    (a_runner(side=PositionSide.SHORT), "87.9", None, None),
])
def test_runner_rules(pos: PositionState, price: str | None, regime: str | None,
                      expected: RunnerExit | None) -> None:
    decision = manage_runner(pos, symbol=SYMBOL, now=NOW,
                             current_price=None if price is None else D(price),
                             regime=None if regime is None else Regime(regime), params=PARAMS)
    assert decision.exit is expected
    if expected is None:
        assert decision.actions == () and decision.state == pos
        return
    close, log = decision.actions
    method = ExitMethod.MARKET if expected is RunnerExit.REGIME else ExitMethod.LIMIT_THEN_MARKET
    side = Side.SELL if pos.side is PositionSide.LONG else Side.BUY
    assert close == CloseRunner(SYMBOL, "abc123", side, D(2), method, decision.reason)
    assert isinstance(log, EmitRiskEvent)
    assert log.event.event_type is RiskEventType.RUNNER_EXIT
    assert decision.state.runner_exit_reason == decision.reason


def test_a_pending_exit_is_not_reordered_unless_the_regime_demands_it() -> None:
    pos = a_runner(bars=9, pending="time: 9 bars")
    again = manage_runner(pos, symbol=SYMBOL, now=NOW, current_price=D(118), regime=None,
                          params=PARAMS)
    assert again.actions == () and "already ordered" in again.reason
    urgent = manage_runner(pos, symbol=SYMBOL, now=NOW, current_price=D(118), regime=Regime.SHOCK,
                           params=PARAMS)
    assert urgent.exit is RunnerExit.REGIME and len(urgent.actions) == 2


@pytest.mark.parametrize("stage", [PositionStage.FLAT, PositionStage.PRE_TP1,
                                   PositionStage.BETWEEN_TP1_TP2])
def test_no_runner_no_exit(stage: PositionStage) -> None:
    pos = attrs.evolve(a_runner(bars=99), stage=stage)
    decision = manage_runner(pos, symbol=SYMBOL, now=NOW, current_price=D(90), regime=Regime.SHOCK,
                             params=PARAMS)
    assert decision.exit is None and decision.actions == ()
