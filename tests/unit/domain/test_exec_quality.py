"""exec_quality_roll: the block equals a direct recomputation from the records, and each field
means what ARCHITECTURE.md says."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.exec_quality import WINDOW, exec_quality_roll, market_intended
from domain.orders import OrderState, Side
from domain.records import ExecFill, LimitOrderRecord, RecordError
from domain.state import ExecQualityRoll
from tests.unit.domain.records_strategies import exec_fills, limit_orders

D = Decimal
NOW = 1_700_000_000


def _direct_p95(values: list[Decimal]) -> Decimal:
    # the smallest observed value with at least 95% of the values at or below it
    for candidate in sorted(values):
        if sum(1 for v in values if v <= candidate) * 100 >= 95 * len(values):
            return candidate
    raise AssertionError("unreachable")


@settings(max_examples=200, deadline=None)
@given(st.lists(limit_orders(), max_size=70), st.lists(exec_fills(), max_size=70))
def test_the_block_is_a_direct_recomputation_of_the_last_30(
        orders: list[LimitOrderRecord], fills: list[ExecFill]) -> None:
    roll = exec_quality_roll(orders, fills, now=NOW)
    # "last 30" by exchange time, ties in the order given
    window = [o for _, _, o in sorted((o.done_ms, i, o) for i, o in enumerate(orders))][-30:]
    recent = [f for _, _, f in sorted((f.ts_ms, i, f) for i, f in enumerate(fills))][-30:]
    assert roll.sample_n == len(window) == min(30, len(orders))
    assert roll.fill_n == len(recent)
    assert roll.last_update_ts == NOW
    if window:
        placed = sum(o.size for o in window)
        assert roll.fill_rate_30 == pytest.approx(float(sum(o.filled for o in window) / placed))
        cancels = [o for o in window if o.state in (OrderState.CANCELED, OrderState.MMP_CANCELED)]
        assert roll.cancel_rate_30 == pytest.approx(len(cancels) / len(window))
        spreads = [(o.ask - o.bid) / ((o.ask + o.bid) / 2) for o in window
                   if o.bid is not None and o.ask is not None]
        expected = float(_direct_p95(spreads)) if spreads else 0.0
        assert roll.spread_p95 == pytest.approx(expected)
    else:
        assert (roll.fill_rate_30, roll.cancel_rate_30, roll.spread_p95) == (0.0, 0.0, 0.0)
    if recent:
        costs = [abs(f.fill_px - f.intended_px) * f.fill_sz / f.trade_risk for f in recent]
        assert roll.slippage_cost30_r == pytest.approx(float(sum(costs) / len(costs)))
    else:
        assert roll.slippage_cost30_r == 0.0


def order(state: OrderState = OrderState.FILLED, size: str = "10", filled: str | None = None,
          done_ms: int = 0, bid: str | None = "99", ask: str | None = "101") -> LimitOrderRecord:
    fill = size if filled is None else filled
    return LimitOrderRecord("o", "c", state, D(size), D(fill), D(100),
                            None if bid is None else D(bid), None if ask is None else D(ask),
                            done_ms)


def fill(intended: str, px: str, sz: str, risk: str, ts: int = 0,
         fallback: bool = False) -> ExecFill:
    return ExecFill("t", "o", "c", D(intended), D(px), D(sz), D(risk), fallback, ts)


def test_nothing_observed_is_an_empty_block_stamped_now() -> None:
    assert exec_quality_roll([], [], now=NOW) == ExecQualityRoll(last_update_ts=NOW)


def test_a_partial_fill_counts_for_what_filled_and_as_a_cancel() -> None:
    roll = exec_quality_roll([order(), order(OrderState.CANCELED, "10", "5"),
                              order(OrderState.CANCELED, "20", "0")], [], now=NOW)
    assert roll.fill_rate_30 == pytest.approx(15 / 40)
    assert roll.cancel_rate_30 == pytest.approx(2 / 3)
    assert roll.sample_n == 3


def test_only_the_30_most_recent_orders_count() -> None:
    old = [order(OrderState.CANCELED, filled="0", done_ms=i) for i in range(10)]
    new = [order(done_ms=100 + i) for i in range(WINDOW)]
    roll = exec_quality_roll(new + old, [], now=NOW)
    assert (roll.fill_rate_30, roll.cancel_rate_30, roll.sample_n) == (1.0, 0.0, 30)
    roll = exec_quality_roll(new[1:] + old, [], now=NOW)
    assert roll.cancel_rate_30 == pytest.approx(1 / 30)


def test_slippage_is_a_share_of_r_including_market_fallbacks() -> None:
    # 2 points on 5 contracts against R = 100 points x contracts is 0.1 R; a limit at its price 0
    fills = [fill("100", "102", "5", "100", fallback=True), fill("100", "100", "5", "100"),
             fill("100", "97", "10", "200")]
    roll = exec_quality_roll([], fills, now=NOW)
    assert roll.slippage_cost30_r == pytest.approx((0.1 + 0 + 0.15) / 3)
    assert roll.fill_n == 3


def test_spread_p95_is_an_observed_spread_by_nearest_rank() -> None:
    # 20 orders: 19 with a 2% spread and one with 10%; rank ceil(0.95 x 20) = 19 -> 2%
    orders = [order(bid="99", ask="101") for _ in range(19)] + [order(bid="95", ask="105")]
    assert exec_quality_roll(orders, [], now=NOW).spread_p95 == pytest.approx(0.02)
    # with 21 orders rank ceil(19.95) = 20: the 20th smallest, a second 10% spread
    orders += [order(bid="95", ask="105")]
    assert exec_quality_roll(orders, [], now=NOW).spread_p95 == pytest.approx(0.1)


def test_orders_placed_without_a_book_read_are_left_out_of_the_spread() -> None:
    roll = exec_quality_roll([order(bid=None, ask=None), order(bid="99", ask="101")], [],
                             now=NOW)
    assert roll.spread_p95 == pytest.approx(0.02)
    assert roll.sample_n == 2


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"state": OrderState.LIVE}, "not terminal"),
    ({"state": OrderState.PARTIALLY_FILLED, "filled": "3"}, "not terminal"),
    ({"state": OrderState.FILLED, "filled": "3"}, "filled but shows"),
    ({"state": OrderState.CANCELED, "filled": "11"}, "filled 11 of 10"),
    ({"state": OrderState.CANCELED, "filled": "-1"}, "filled -1 of 10"),
    ({"bid": "101", "ask": "99"}, "crossed book"),
    ({"size": "0"}, "size"),
])
def test_a_record_the_exchange_cannot_have_sent_is_refused(kwargs: dict[str, object],
                                                           fragment: str) -> None:
    with pytest.raises(RecordError, match=fragment):
        order(**kwargs)  # type: ignore[arg-type]


PRICES = st.one_of(st.none(), st.decimals(min_value=Decimal("-1"), max_value=Decimal("100000"),
                                           places=1, allow_nan=False, allow_infinity=False))


@given(bid=PRICES, ask=PRICES, mark=PRICES, buy=st.booleans())
def test_a_market_order_is_meant_at_its_touch_else_the_mark(
        bid: Decimal | None, ask: Decimal | None, mark: Decimal | None, buy: bool) -> None:
    side = Side.BUY if buy else Side.SELL
    got = market_intended(side, bid=bid, ask=ask, mark=mark)
    touch = ask if buy else bid
    if touch is not None and touch > 0:
        assert got == touch                  # a buy takes the ask, a sell the bid
    elif mark is not None and mark > 0:
        assert got == mark                   # no usable book on that side: the mark
    else:
        assert got is None                   # nothing to judge the fill against
