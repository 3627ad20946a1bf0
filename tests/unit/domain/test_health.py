"""Realised R from fills and fees, and health_roll against a direct recomputation."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.health import (
    PROFIT_FACTOR_CAP,
    TradeNotClosed,
    health_roll,
    realised_r,
    trade_result,
)
from domain.orders import PositionSide, Side
from domain.records import ClosedTrade, ExitKind, LimitExit, TradeFill, TradeResult
from domain.state import HealthRoll
from tests.unit.domain.records_strategies import closed_trades

D = Decimal
NOW = 1_700_000_000
BUY, SELL = Side.BUY, Side.SELL


def tf(side: Side, px: str, sz: str, fee: str = "0", ccy: str = "USDC") -> TradeFill:
    return TradeFill("o", "c", side, D(px), D(sz), D(fee), ccy, 0)


def trade(fills: list[TradeFill], *, side: PositionSide = PositionSide.LONG, risk: str = "10",
          ct: str = "1", template: str = "T", closed: int = 0,
          exits: tuple[LimitExit, ...] = ()) -> ClosedTrade:
    return ClosedTrade("BTC-USDC-SWAP", template, side, D(risk), D(ct), "USDC", tuple(fills),
                       exits, closed)


@pytest.mark.parametrize(("side", "fills", "risk", "ct", "expected"), [
    # long 2 @100, out 2 @120, R = 10 x 2: +40 / 20 = 2R
    (PositionSide.LONG, [tf(BUY, "100", "2"), tf(SELL, "120", "2")], "10", "1", D(2)),
    # the same with 0.01 contracts: contract value scales both sides of the ratio
    (PositionSide.LONG, [tf(BUY, "100", "2"), tf(SELL, "120", "2")], "10", "0.01", D(2)),
    # fees are charged (negative): 40 - 1 - 1 = 38 over 20
    (PositionSide.LONG, [tf(BUY, "100", "2", "-1"), tf(SELL, "120", "2", "-1")], "10", "1",
     D("1.9")),
    # a rebate (positive fee) adds
    (PositionSide.LONG, [tf(BUY, "100", "2", "0.5"), tf(SELL, "100", "2")], "10", "1",
     D("0.025")),
    # short 4 @100, out 1 @90 and 3 @110: +10 - 30 = -20 over R 5 x 4 = 20
    (PositionSide.SHORT, [tf(SELL, "100", "4"), tf(BUY, "90", "1"), tf(BUY, "110", "3")], "5",
     "1", D(-1)),
    # entries in two fills: average 101, out at 101
    (PositionSide.LONG, [tf(BUY, "100", "1"), tf(BUY, "102", "1"), tf(SELL, "101", "2")], "10",
     "1", D(0)),
    # fees on a fill in the settlement currency only count once: fee 0 in another ccy is fine
    (PositionSide.LONG, [tf(BUY, "100", "1", "0", "BTC"), tf(SELL, "110", "1")], "10", "1",
     D(1)),
])
def test_realised_r_from_fills_and_fees(side: PositionSide, fills: list[TradeFill], risk: str,
                                        ct: str, expected: Decimal) -> None:
    assert realised_r(trade(fills, side=side, risk=risk, ct=ct)) == expected


@pytest.mark.parametrize(("fills", "fragment"), [
    ([tf(BUY, "100", "2"), tf(SELL, "120", "1")], "entry fills 2, exit fills 1"),
    ([tf(BUY, "100", "2"), tf(SELL, "120", "3")], "entry fills 2, exit fills 3"),
    ([tf(SELL, "120", "2")], "entry fills 0"),
    ([], "entry fills 0"),
    ([tf(BUY, "100", "1", "-0.001", "BTC"), tf(SELL, "110", "1")], "fees in BTC"),
])
def test_a_trade_that_is_not_closed_has_no_realised_r(fills: list[TradeFill],
                                                      fragment: str) -> None:
    with pytest.raises(TradeNotClosed, match=fragment):
        realised_r(trade(fills))


def _r_trade(r: str, closed: int = 0, exits: tuple[LimitExit, ...] = ()) -> TradeResult:
    # long 1 @100, R 10 per contract: exit at 100 + 10 r
    return trade_result(trade([tf(BUY, "100", "1"), tf(SELL, str(100 + 10 * D(r)), "1")],
                              closed=closed, exits=exits), f"i{closed}")


def test_health_of_wins_losses_and_a_fallback() -> None:
    tp = LimitExit(ExitKind.TP1, "c1", False)
    runner_fallback = LimitExit(ExitKind.RUNNER, "c2", True)
    trades = [_r_trade("2", 1, (tp, runner_fallback)), _r_trade("-1", 2), _r_trade("-1", 3),
              _r_trade("3", 4, (tp,))]
    roll = health_roll(trades, window=50, now=NOW)
    assert roll == HealthRoll(win_rate=0.5, avg_r=0.75, max_dd=2.0, profit_factor=2.5,
                              fallback_quality=2 / 3, trade_n=4, last_calib_ts=NOW,
                              gross_win_r=5.0, gross_loss_r=2.0, limit_exit_n=3)


@pytest.mark.parametrize(("results", "max_dd"), [
    (["1", "1", "1"], 0.0),
    (["-1", "-1"], 2.0),          # from the 0 before the first trade
    (["2", "-1", "-3", "5", "-1"], 4.0),
    (["1", "-0.5", "1", "-2", "0.5"], 2.0),
])
def test_max_drawdown_is_the_deepest_fall_of_cumulative_r(results: list[str],
                                                          max_dd: float) -> None:
    trades = [_r_trade(r, i) for i, r in enumerate(results)]
    assert health_roll(trades, window=50, now=NOW).max_dd == pytest.approx(max_dd)


@pytest.mark.parametrize(("results", "pf"), [
    ([], 0.0),
    (["0"], 0.0),
    (["1", "2"], PROFIT_FACTOR_CAP),   # no loss: capped so the JSON stays finite
    (["-1"], 0.0),
    (["3", "-1", "-1"], 1.5),
    (["1000", "-0.5"], PROFIT_FACTOR_CAP),
])
def test_profit_factor(results: list[str], pf: float) -> None:
    trades = [_r_trade(r, i) for i, r in enumerate(results)]
    assert health_roll(trades, window=50, now=NOW).profit_factor == pytest.approx(pf)


def test_small_wins_without_losses_still_cap_the_profit_factor() -> None:
    roll = health_roll([_r_trade("0.5")], window=50, now=NOW)
    assert (roll.profit_factor, roll.gross_win_r) == (PROFIT_FACTOR_CAP, 0.5)


def test_trades_without_limit_exits_have_no_fallback_quality_to_report() -> None:
    roll = health_roll([_r_trade("1"), _r_trade("-1", 1)], window=50, now=NOW)
    assert (roll.fallback_quality, roll.limit_exit_n) == (0.0, 0)


def test_fees_in_foreign_currencies_are_named() -> None:
    fills = [tf(BUY, "100", "1", "-1", "BTC"), tf(SELL, "110", "1", "-1", "ETH")]
    with pytest.raises(TradeNotClosed, match="fees in BTC, ETH, not in USDC"):
        realised_r(trade(fills))


def test_the_window_keeps_the_most_recent_trades_by_close_time() -> None:
    trades = [_r_trade("-1", 10), _r_trade("2", 30), _r_trade("1", 20)]
    roll = health_roll(trades, window=2, now=NOW)
    assert (roll.trade_n, roll.avg_r, roll.win_rate) == (2, 1.5, 1.0)


def test_no_trade_is_an_empty_block_stamped_now() -> None:
    assert health_roll([], window=50, now=NOW) == HealthRoll(last_calib_ts=NOW)


@settings(max_examples=80, deadline=None)
@given(st.lists(closed_trades(), max_size=40), st.integers(1, 60))
def test_health_roll_is_a_direct_recomputation(trades: list[ClosedTrade], window: int) -> None:
    roll = health_roll([trade_result(t, str(i)) for i, t in enumerate(trades)], window=window,
                       now=NOW)
    recent = [t for _, _, t in sorted((t.closed_ts, i, t)
                                      for i, t in enumerate(trades))][-window:]
    results = []
    for t in recent:
        sign = 1 if t.side is PositionSide.LONG else -1
        entry = [f for f in t.fills if f.side is t.side.entry_side]
        pnl = sum(sign * (f.price if f.side is not t.side.entry_side else -f.price) * f.size
                  for f in t.fills) * t.contract_value + sum(f.fee for f in t.fills)
        results.append(pnl / (t.risk_per_unit * sum(f.size for f in entry) * t.contract_value))
    assert roll.trade_n == len(recent)
    assert roll.last_calib_ts == NOW
    if not recent:
        return
    assert roll.win_rate == pytest.approx(sum(r > 0 for r in results) / len(results))
    assert roll.avg_r == pytest.approx(float(sum(results) / len(results)))
    cumulative = [sum(results[:i + 1]) for i in range(len(results))]
    depths = [max([D(0), *cumulative[:i + 1]]) - cumulative[i] for i in range(len(results))]
    assert roll.max_dd == pytest.approx(float(max(depths)))
    wins = sum(r for r in results if r > 0)
    losses = -sum(r for r in results if r < 0)
    assert roll.gross_win_r == pytest.approx(float(wins))
    assert roll.gross_loss_r == pytest.approx(float(losses))
    if losses:
        assert roll.profit_factor == pytest.approx(min(float(wins / losses), PROFIT_FACTOR_CAP))
    exits = [e for t in recent for e in t.limit_exits]
    assert roll.limit_exit_n == len(exits)
    if exits:
        assert roll.fallback_quality == pytest.approx(
            sum(not e.fallback_used for e in exits) / len(exits))
