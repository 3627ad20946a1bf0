"""exec_quality_roll (seed 001 §2.1) over the exchange's record of our limit orders and fills.

- fill_rate_30: over the last 30 limit orders that reached a terminal state at the exchange,
  contracts filled / contracts placed (a partial fill counts for what filled).
- cancel_rate_30: share of those 30 orders that ended canceled (partially filled or not).
- spread_p95: nearest-rank 95th percentile of the relative spread (ask - bid) / mid read just
  before each of those orders was placed (orders placed without a book read are left out).
- slippage_cost30_r: over the last 30 fills, the mean of |fill price - intended price| x
  filled size / the trade's initial R. Intended: a limit order's price; a runner's market
  fallback, its limit's price; any other market order (entry, de-risk, flatten, close), the
  touch read just before it left (market_intended); a stop's child order, the stop trigger.
- sample_n: how many orders the window holds (<= 30); last_update_ts: when this was computed.
"Last" is by the exchange's time (done_ms / ts_ms); equal times keep the order given.
"""

from collections.abc import Iterable
from decimal import Decimal

from domain.orders import Side
from domain.records import ExecFill, LimitOrderRecord
from domain.state import ExecQualityRoll
from domain.stats import mean, nearest_rank

WINDOW = 30  # the seed's field names fix it: fill_rate_30, cancel_rate_30, slippage_cost30_r


def market_intended(side: Side, *, bid: Decimal | None, ask: Decimal | None,
                    mark: Decimal | None) -> Decimal | None:
    """The price a market order is meant at: the touch it takes (the best ask for a buy, the
    best bid for a sell), or the mark when that side of the book is empty or unknown."""
    touch = ask if side is Side.BUY else bid
    if touch is not None and touch > 0:
        return touch
    return mark if mark is not None and mark > 0 else None


def last_orders(orders: Iterable[LimitOrderRecord]) -> list[LimitOrderRecord]:
    return sorted(orders, key=lambda o: o.done_ms)[-WINDOW:]


def last_fills(fills: Iterable[ExecFill]) -> list[ExecFill]:
    return sorted(fills, key=lambda f: f.ts_ms)[-WINDOW:]


def exec_quality_roll(orders: Iterable[LimitOrderRecord], fills: Iterable[ExecFill], *,
                      now: int) -> ExecQualityRoll:
    """The block for the given history (any length; only the last 30 of each count)."""
    window = last_orders(orders)
    recent = last_fills(fills)
    fill_rate = cancel_rate = spread = 0.0
    if window:
        placed = sum(o.size for o in window)
        fill_rate = float(sum(o.filled for o in window) / placed)
        cancel_rate = sum(1 for o in window if o.canceled) / len(window)
        spreads = [s for s in (o.relative_spread for o in window) if s is not None]
        if spreads:
            spread = float(nearest_rank(spreads, 95))
    slippage = float(mean([f.slippage_r for f in recent])) if recent else 0.0
    return ExecQualityRoll(fill_rate_30=fill_rate, slippage_cost30_r=slippage,
                           cancel_rate_30=cancel_rate, spread_p95=spread,
                           sample_n=len(window), last_update_ts=now, fill_n=len(recent))
