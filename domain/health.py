"""Realised R of a closed trade from the exchange's fills and fees, and health_roll (seed §2.1).

realised R = (sell proceeds - buy costs) x contract value + fees (signed the exchange's way,
negative = charged), divided by the trade's initial R in money: |entry - initial stop| x entry
size x contract value. The entry size is what the fills on the entry side add up to; a trade
whose exit fills do not add up to it is not closed and has no realised R.

health_roll over the last `window_trades` closed trades (by close time):
- win_rate: share with realised R > 0 (a trade at exactly 0 R is not a win);
- avg_r: mean realised R;
- max_dd: deepest peak-to-trough fall of cumulative R, starting from 0 before the first trade
  (a positive number of R; 0 when cumulative R never fell);
- profit_factor: sum of winning R / |sum of losing R|, capped at PROFIT_FACTOR_CAP so the JSON
  stays finite; with no losing trade it is the cap when anything was won and 0 when nothing
  was (gross_win_r / gross_loss_r carry the sums themselves);
- fallback_quality: share of the limit-first exits (TP1, TP2, runner) of those trades that
  completed without the market fallback (limit_exit_n counts them; 0.0 when there were none);
- trade_n: trades in the window; last_calib_ts: when this was computed.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal

from domain.errors import DomainError
from domain.orders import Side
from domain.records import ClosedTrade, TradeResult
from domain.state import HealthRoll
from domain.stats import mean

PROFIT_FACTOR_CAP = 999.0


class TradeNotClosed(DomainError):
    """The fills do not describe a trade from flat to flat in one settlement currency."""


def realised_r(trade: ClosedTrade) -> Decimal:
    """The trade's result in multiples of its initial risk, fees included."""
    entry_side = trade.side.entry_side
    entry_qty = sum((f.size for f in trade.fills if f.side is entry_side), Decimal(0))
    exit_qty = sum((f.size for f in trade.fills if f.side is not entry_side), Decimal(0))
    if entry_qty == 0 or exit_qty != entry_qty:
        raise TradeNotClosed(f"{trade.symbol}: entry fills {entry_qty}, exit fills {exit_qty}")
    foreign = sorted({f.fee_ccy for f in trade.fills if f.fee != 0 and
                      f.fee_ccy != trade.settle_ccy})
    if foreign:
        raise TradeNotClosed(f"{trade.symbol}: fees in {', '.join(foreign)}, not in "
                             f"{trade.settle_ccy}")
    flow = sum((f.price * f.size if f.side is Side.SELL else -f.price * f.size
                for f in trade.fills), Decimal(0))
    fees = sum((f.fee for f in trade.fills), Decimal(0))
    pnl = flow * trade.contract_value + fees
    return pnl / (trade.risk_per_unit * entry_qty * trade.contract_value)


def trade_result(trade: ClosedTrade, trade_id: str) -> TradeResult:
    """The summary health_roll keeps of a closed trade (raises TradeNotClosed)."""
    return TradeResult(trade_id, trade.closed_ts, trade.template, realised_r(trade),
                       trade.limit_exits)


def last_trades(trades: Iterable[TradeResult], window: int) -> list[TradeResult]:
    return sorted(trades, key=lambda t: t.closed_ts)[-window:]


def max_drawdown(results: Sequence[Decimal]) -> Decimal:
    peak = cumulative = deepest = Decimal(0)
    for r in results:
        cumulative += r
        peak = max(peak, cumulative)
        deepest = max(deepest, peak - cumulative)
    return deepest


def profit_factor(gross_win: Decimal, gross_loss: Decimal) -> float:
    if gross_loss == 0:
        return PROFIT_FACTOR_CAP if gross_win > 0 else 0.0
    return min(float(gross_win / gross_loss), PROFIT_FACTOR_CAP)


def health_roll(trades: Iterable[TradeResult], *, window: int, now: int) -> HealthRoll:
    """The block for the given closed trades (only the last `window` count)."""
    recent = last_trades(trades, window)
    if not recent:
        return HealthRoll(last_calib_ts=now)
    results = [t.realised_r for t in recent]
    gross_win = sum((r for r in results if r > 0), Decimal(0))
    gross_loss = -sum((r for r in results if r < 0), Decimal(0))
    exits = [e for t in recent for e in t.limit_exits]
    clean = sum(1 for e in exits if not e.fallback_used)
    return HealthRoll(
        win_rate=sum(1 for r in results if r > 0) / len(results),
        avg_r=float(mean(results)),
        max_dd=float(max_drawdown(results)),
        profit_factor=profit_factor(gross_win, gross_loss),
        fallback_quality=clean / len(exits) if exits else 0.0,
        trade_n=len(recent),
        last_calib_ts=now,
        gross_win_r=float(gross_win),
        gross_loss_r=float(gross_loss),
        limit_exit_n=len(exits))
