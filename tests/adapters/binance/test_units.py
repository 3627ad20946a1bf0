"""Quantities cross the adapter's edge in one place: domain size <-> Binance base-asset text."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.binance.units import BASE_PER_UNIT, price_text, to_quantity, to_size
from domain.errors import InvalidIntent

sizes = st.decimals(min_value=Decimal("1E-8"), max_value=Decimal("1E9"), allow_nan=False,
                    allow_infinity=False, places=8)
steps = st.sampled_from([Decimal("0.001"), Decimal("0.01"), Decimal("0.1"), Decimal(1),
                         Decimal("0.00001")])


@given(size=sizes)
def test_a_size_goes_out_and_comes_back_unchanged(size: Decimal) -> None:
    text = to_quantity(size)
    assert to_size(Decimal(text)) == size


@given(size=sizes)
def test_the_wire_text_is_plain_digits_never_an_exponent_or_a_float(size: Decimal) -> None:
    text = to_quantity(size)
    assert "E" not in text and "e" not in text
    assert text == text.strip() and not text.endswith(".")
    assert Decimal(text) == size * BASE_PER_UNIT


@given(lots=st.integers(min_value=1, max_value=10**6), step=steps)
def test_a_multiple_of_the_step_stays_a_multiple_after_the_round_trip(lots: int,
                                                                      step: Decimal) -> None:
    size = lots * step
    back = to_size(Decimal(to_quantity(size)))
    assert back % step == 0 and back == size


@given(quantity=st.decimals(min_value=Decimal("-1E9"), max_value=Decimal("1E9"),
                            allow_nan=False, allow_infinity=False, places=8))
def test_a_signed_position_amount_keeps_its_sign(quantity: Decimal) -> None:
    size = to_size(quantity)
    assert (size > 0) == (quantity > 0) and (size < 0) == (quantity < 0)


@pytest.mark.parametrize("bad", [Decimal(0), Decimal("-0.01"), Decimal("NaN"),
                                 Decimal("Infinity"), 0.01, "0.01", None])
def test_quantities_and_prices_that_are_not_positive_finite_decimals_are_refused(
        bad: object) -> None:
    with pytest.raises(InvalidIntent, match=r"a quantity must be a finite Decimal > 0, got "):
        to_quantity(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidIntent, match=r"a price must be a finite Decimal > 0, got "):
        price_text(bad)  # type: ignore[arg-type]


def test_prices_are_plain_text_without_trailing_zeros() -> None:
    assert price_text(Decimal("29400.10")) == "29400.1"
    assert price_text(Decimal("3E+4")) == "30000"
