"""The optional rules some venues publish (Binance: maxQty, MARKET_LOT_SIZE, MIN_NOTIONAL,
PERCENT_PRICE) default to None, so a spec built as OKX's adapter builds it is unchanged."""

from decimal import Decimal

import pytest

from domain.errors import InvalidIntent
from domain.instrument import InstrumentSpec, LotRule, PriceBand

D = Decimal


def test_a_spec_without_the_optional_rules_has_none_of_them() -> None:
    spec = InstrumentSpec("BTC-USDT-SWAP", "SWAP", "live", D("0.1"), D("0.01"), D("0.01"),
                          D("0.01"), D(1), "USDT")
    assert (spec.max_sz, spec.market_lot, spec.min_notional, spec.price_band) == (
        None, None, None, None)


def test_the_optional_rules_are_kept_as_given() -> None:
    spec = InstrumentSpec("BTCUSDC", "SWAP", "live", D("0.1"), D("0.001"), D("0.001"), D(1),
                          D(1), "USDC", max_sz=D("1000"),
                          market_lot=LotRule(D("0.001"), D("0.001"), D("120")),
                          min_notional=D("5"), price_band=PriceBand(D("1.05"), D("0.95")))
    assert spec.market_lot is not None and spec.market_lot.max_sz == D("120")
    assert spec.price_band == PriceBand(D("1.05"), D("0.95"))


@pytest.mark.parametrize("field", ["max_sz", "min_notional"])
@pytest.mark.parametrize("bad", [D(0), D("-1"), D("NaN"), 5])
def test_an_optional_rule_given_must_be_a_positive_decimal(field: str, bad: object) -> None:
    with pytest.raises(InvalidIntent, match=field):
        InstrumentSpec("X", "SWAP", "live", D("0.1"), D("0.01"), D("0.01"), D(1), D(1), "USDC",
                       **{field: bad})  # type: ignore[arg-type]


@pytest.mark.parametrize("make", [lambda: LotRule(D(0), D("0.01")),
                                  lambda: LotRule(D("0.01"), D("-1")),
                                  lambda: LotRule(D("0.01"), D("0.01"), D(0)),
                                  lambda: PriceBand(D(0), D("0.95")),
                                  lambda: PriceBand(D("1.05"), D("NaN"))])
def test_lot_rules_and_price_bands_refuse_non_positive_numbers(make: object) -> None:
    with pytest.raises(InvalidIntent):
        make()  # type: ignore[operator]
