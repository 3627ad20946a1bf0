"""InstrumentSpec rounding and the Decimal helpers (floats are refused)."""

from decimal import Decimal
from typing import Any

import pytest

from domain.errors import InvalidIntent
from domain.instrument import InstrumentSpec
from domain.numbers import ceil_to_step, floor_to_step, is_multiple, plain, to_decimal
from tests.unit.domain.builders import SPEC, spec

D = Decimal


@pytest.mark.parametrize(("price", "floor", "ceil"), [
    ("100.17", "100.1", "100.2"), ("100.1", "100.1", "100.1"), ("0.05", "0.0", "0.1"),
    ("99.99", "99.9", "100.0"),
])
def test_price_rounding_stays_on_the_tick(price: str, floor: str, ceil: str) -> None:
    assert SPEC.price_floor(D(price)) == D(floor)
    assert SPEC.price_ceil(D(price)) == D(ceil)


def test_size_rounding_and_contract_conversion() -> None:
    fractional = spec(lot="0.01", min_sz="0.01")
    assert fractional.size_floor(D("1.239")) == D("1.23")
    # ct_val 0.01 BTC per contract: 0.05 BTC is 5 contracts
    assert SPEC.contracts_for(D("0.05")) == D(5)
    assert SPEC.contracts_for(D("0.059")) == D(5)
    assert SPEC.is_live


@pytest.mark.parametrize("field", ["tick_sz", "lot_sz", "min_sz", "ct_val", "ct_mult"])
@pytest.mark.parametrize("bad", [D(0), D(-1), D("NaN"), D("Infinity")])
def test_a_spec_refuses_non_positive_steps(field: str, bad: Decimal) -> None:
    fields: dict[str, Any] = {"tick_sz": D("0.1"), "lot_sz": D(1), "min_sz": D(1),
                              "ct_val": D("0.01"), "ct_mult": D(1), field: bad}
    with pytest.raises(InvalidIntent, match=field):
        InstrumentSpec("X-USDC-SWAP", "SWAP", "live", settle_ccy="USDC", **fields)


@pytest.mark.parametrize("value", [1.5, 0.1, True, False])
def test_to_decimal_refuses_floats_and_bools(value: object) -> None:
    with pytest.raises(TypeError):
        to_decimal(value)


@pytest.mark.parametrize(("value", "expected"), [("0.1", D("0.1")), (3, D(3)),
                                                 (D("2.5"), D("2.5"))])
def test_to_decimal_accepts_strings_ints_and_decimals(value: object, expected: Decimal) -> None:
    assert to_decimal(value) == expected


def test_to_decimal_rejects_junk() -> None:
    with pytest.raises(ValueError):
        to_decimal("1,5")
    with pytest.raises(TypeError):
        to_decimal([1])


def test_step_helpers() -> None:
    assert is_multiple(D("0.3"), D("0.1"))
    assert not is_multiple(D("0.35"), D("0.1"))
    assert floor_to_step(D("7"), D("2")) == D(6)
    assert ceil_to_step(D("7"), D("2")) == D(8)
    assert plain(D("30000.000")) == "30000"
    assert plain(D("1E+2")) == "100"
    assert plain(D("0.10")) == "0.1"
