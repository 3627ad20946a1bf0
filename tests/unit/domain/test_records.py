"""Records the exchange could not have sent are refused with a message naming the field."""

from decimal import Decimal

import pytest

from domain.errors import DomainError
from domain.orders import OrderState, PositionSide, Side
from domain.records import (
    ClosedTrade,
    LimitOrderRecord,
    MarginSnapshot,
    RecordError,
    TradeFill,
)
from domain.stats import mean, nearest_rank

D = Decimal


def test_a_fee_must_be_a_finite_decimal() -> None:
    with pytest.raises(RecordError, match=r"fee must be a finite Decimal, got 0\.1"):
        TradeFill("o", "c", Side.BUY, D(1), D(1), 0.1, "USDC", 0)  # type: ignore[arg-type]
    with pytest.raises(RecordError, match=r"fee must be a finite Decimal, got Decimal..NaN"):
        TradeFill("o", "c", Side.BUY, D(1), D(1), D("NaN"), "USDC", 0)
    assert TradeFill("o", "c", Side.BUY, D(1), D(1), D("-0.5"), "USDC", 0).fee == D("-0.5")


@pytest.mark.parametrize("bid", [99.0, D(0), D(-1), D("Infinity")])
def test_a_book_price_must_be_none_or_positive(bid: object) -> None:
    with pytest.raises(RecordError, match="bid must be None or a finite Decimal > 0"):
        LimitOrderRecord("o", "c", OrderState.FILLED, D(1), D(1), D(100), bid,  # type: ignore
                         D(101), 0)


def test_a_trade_has_a_side() -> None:
    with pytest.raises(RecordError, match=r"^a trade is LONG or SHORT$"):
        ClosedTrade("X", "T", PositionSide.NONE, D(1), D(1), "USDC", (), (), 0)


def test_margin_used_cannot_be_negative() -> None:
    with pytest.raises(RecordError, match="margin_used must be >= 0, got -1"):
        MarginSnapshot(D(10), D(-1))
    assert MarginSnapshot(D(-10), D(0)).equity == D(-10)


@pytest.mark.parametrize(("percent", "value"), [(1, 1), (50, 5), (95, 10), (100, 10)])
def test_nearest_rank_accepts_1_to_100(percent: int, value: int) -> None:
    assert nearest_rank([D(v) for v in range(10, 0, -1)], percent) == D(value)


@pytest.mark.parametrize("percent", [0, 101, -5])
def test_nearest_rank_refuses_other_percentiles(percent: int) -> None:
    with pytest.raises(DomainError, match=f"percentile must be in 1..100, got {percent}"):
        nearest_rank([D(1)], percent)


def test_empty_statistics_are_refused() -> None:
    with pytest.raises(DomainError, match=r"^no values to take a percentile of$"):
        nearest_rank([], 95)
    with pytest.raises(DomainError, match=r"^no values to average$"):
        mean([])
    assert mean([D(1), D(2)]) == D("1.5")
    assert isinstance(mean([D(1)]), Decimal)
