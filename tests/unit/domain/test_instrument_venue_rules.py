"""The optional rules some venues publish (Binance: maxQty, MARKET_LOT_SIZE, MIN_NOTIONAL,
PERCENT_PRICE) default to None, so a spec built as OKX's adapter builds it is unchanged."""

from decimal import Decimal

import attrs
import pytest

from domain.errors import InvalidIntent
from domain.instrument import InstrumentSpec, LotRule, PriceBand
from domain.orders import PositionSide
from domain.plan import TradePlan, check_min_notional

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


def binance_spec(max_sz: str | None = "1000", market_max: str | None = "120") -> InstrumentSpec:
    return InstrumentSpec("BTCUSDC", "PERPETUAL", "live", D("0.1"), D("0.001"), D("0.001"),
                          D(1), D(1), "USDC", max_sz=D(max_sz) if max_sz else None,
                          market_lot=LotRule(D("0.001"), D("0.001"),
                                             D(market_max) if market_max else None))


def plan(qty: str, entry: str | None = None) -> TradePlan:
    size = D(qty)
    return TradePlan(PositionSide.LONG, size, D("29400"), D("30300"), D("0.004"),
                     D("30600"), D("0.003"), "i1",
                     entry_price=D(entry) if entry else None)


@pytest.mark.parametrize(("qty", "entry"), [("120", None), ("120", "29900"), ("0.010", None)])
def test_a_plan_within_the_published_maximums_passes(qty: str, entry: str | None) -> None:
    plan(qty, entry).check(binance_spec())


@pytest.mark.parametrize("entry", [None, "29900"])
def test_a_position_too_large_to_flatten_at_market_in_one_order_is_refused(
        entry: str | None) -> None:
    with pytest.raises(InvalidIntent, match=r"^entry size 120.001 is above the market order "
                                            r"maximum 120: the position could not be flattened"):
        plan("120.001", entry).check(binance_spec())
    plan("120.001", entry).check(binance_spec(market_max=None))  # no published maximum


def test_an_entry_above_max_qty_is_refused() -> None:
    with pytest.raises(InvalidIntent, match=r"^entry size 1000.001 is above maxSz 1000$"):
        plan("1000.001").check(binance_spec(market_max="2000"))
    plan("1000").check(binance_spec(market_max="2000"))
    plan("1000.001").check(binance_spec(max_sz=None, market_max=None))


def notional_spec(min_notional: str | None = "100") -> InstrumentSpec:
    return attrs.evolve(binance_spec(), min_notional=D(min_notional) if min_notional else None)


def test_an_entry_below_the_minimum_notional_is_refused_before_sending() -> None:
    # 0.010 at the mark 30000 is 300 < 400; a limit entry is valued at its own price
    with pytest.raises(InvalidIntent, match=r"^entry notional 300.000 \(0.010 at 30000\) is "
                                            r"below the instrument's minimum notional 400$"):
        check_min_notional(plan("0.010"), notional_spec("400"), price=D("30000"))
    with pytest.raises(InvalidIntent, match=r"0.010 at 24000"):
        check_min_notional(plan("0.010", "24000"), notional_spec("250"), price=D("30000"))


def test_an_entry_at_or_above_the_minimum_notional_passes() -> None:
    check_min_notional(plan("0.010"), notional_spec("300"), price=D("30000"))  # exactly 300
    check_min_notional(plan("0.010", "29900"), notional_spec("250"), price=D("1"))  # limit
    check_min_notional(plan("0.010"), notional_spec(None), price=D("30000"))  # none published
