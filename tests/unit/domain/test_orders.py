"""OrderIntent, client ids, Fill and outcomes: bad input fails before any order exists."""

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidIntent, NotAnExchangeRecord
from domain.evidence import EvidenceRef
from domain.orders import (
    ExchangeTrade,
    Fill,
    OrderIntent,
    OrderState,
    OrderStatus,
    OrdType,
    PositionSide,
    Side,
    validate_client_id,
)
from domain.outcome import Accepted, Outcome, Rejected, Unknown
from tests.unit.domain.builders import SPEC

D = Decimal
EVIDENCE = EvidenceRef("orders.jsonl", 3)


def intent(*, size: object = D(2), price: object = D("100.1"), ord_type: OrdType = OrdType.LIMIT,
           cid: str = "pxENabc12300") -> OrderIntent:
    return OrderIntent(SPEC, Side.BUY, ord_type, size, price, False, cid)  # type: ignore[arg-type]


def test_a_valid_limit_intent_is_built() -> None:
    made = intent()
    assert made.inst_id == "BTC-USDC-SWAP"
    assert made.size == D(2)


@pytest.mark.parametrize(("size", "fragment"), [
    (D("NaN"), "finite"), (D("Infinity"), "finite"), (D("-Infinity"), "finite"),
    (D("sNaN"), "finite"), (D(0), "> 0"), (D(-1), "> 0"), (D("1.5"), "lotSz"),
    (2.0, "Decimal"), ("2", "Decimal"),
])
def test_a_bad_size_is_rejected(size: object, fragment: str) -> None:
    with pytest.raises(InvalidIntent, match=fragment):
        intent(size=size)


def test_a_size_below_min_sz_is_rejected() -> None:
    spec = attrs.evolve(SPEC, min_sz=D(5))
    with pytest.raises(InvalidIntent, match="minSz"):
        OrderIntent(spec, Side.BUY, OrdType.LIMIT, D(4), D(100), False, "pxENabc12300")


@pytest.mark.parametrize(("price", "fragment"), [
    (D("NaN"), "finite"), (D("Infinity"), "finite"), (D(0), "> 0"), (D("-100"), "> 0"),
    (D("100.05"), "tickSz"), (None, "finite"), (100.1, "Decimal"),
])
def test_a_bad_limit_price_is_rejected(price: object, fragment: str) -> None:
    with pytest.raises(InvalidIntent, match=fragment):
        intent(price=price)


@pytest.mark.parametrize("ord_type", [OrdType.POST_ONLY, OrdType.IOC, OrdType.FOK])
def test_every_priced_type_needs_a_price(ord_type: OrdType) -> None:
    with pytest.raises(InvalidIntent):
        intent(ord_type=ord_type, price=None)


def test_a_market_order_needs_no_price_and_refuses_one() -> None:
    assert intent(ord_type=OrdType.MARKET, price=None).price is None
    with pytest.raises(InvalidIntent, match="market order carries no price"):
        intent(ord_type=OrdType.MARKET, price=D(100))


@pytest.mark.parametrize("cid", ["", "a" * 33, "px-EN", "px_EN", "pxÉN1", "px EN", "px\nEN",
                                 "日本"])
def test_a_bad_client_id_is_rejected(cid: str) -> None:
    with pytest.raises(InvalidIntent, match="client id"):
        intent(cid=cid)
    with pytest.raises(InvalidIntent):
        validate_client_id(cid)


@pytest.mark.parametrize("cid", ["a", "a" * 32, "pxENabc12300", "ABCxyz0189"])
def test_a_good_client_id_passes(cid: str) -> None:
    assert validate_client_id(cid) == cid
    assert intent(cid=cid).client_order_id == cid


NON_FINITE = [D("NaN"), D("-NaN"), D("sNaN"), D("Infinity"), D("-Infinity")]
# realistic magnitudes; beyond 28 digits see test_a_huge_size_is_an_invalid_intent
NUMBERS = st.one_of(st.decimals(min_value=-10**9, max_value=10**9, places=3),
                    st.sampled_from(NON_FINITE))


@given(NUMBERS)
def test_intent_sizes_are_accepted_exactly_when_positive_finite_and_on_the_lot(
        size: Decimal) -> None:
    good = size.is_finite() and size > 0 and size % SPEC.lot_sz == 0 and size >= SPEC.min_sz
    try:
        intent(size=size)
    except InvalidIntent:
        assert not good
    else:
        assert good


@given(NUMBERS)
def test_intent_prices_are_accepted_exactly_when_positive_finite_and_on_the_tick(
        price: Decimal) -> None:
    good = price.is_finite() and price > 0 and price % SPEC.tick_sz == 0
    try:
        intent(price=price)
    except InvalidIntent:
        assert not good
    else:
        assert good


@pytest.mark.parametrize("field", ["size", "price"])
def test_a_huge_number_is_an_invalid_intent(field: str) -> None:
    with pytest.raises(InvalidIntent):
        intent(**{field: D("1E+30")})  # type: ignore[arg-type]


def test_position_sides_map_to_order_sides() -> None:
    assert PositionSide.LONG.entry_side is Side.BUY
    assert PositionSide.LONG.exit_side is Side.SELL
    assert PositionSide.SHORT.exit_side is Side.BUY
    assert Side.BUY.opposite is Side.SELL
    with pytest.raises(InvalidIntent):
        _ = PositionSide.NONE.exit_side


def status(*, acc: str = "2", avg: str | None = "100.1",
           evidence: EvidenceRef | None = EVIDENCE) -> OrderStatus:
    return OrderStatus("BTC-USDC-SWAP", "ord1", "pxENabc12300", OrderState.FILLED, Side.BUY,
                       "limit", D(2), D("100.1"), D(acc), D(avg) if avg else None, False, 1,
                       evidence)


def test_a_fill_cannot_be_constructed_directly() -> None:
    with pytest.raises(NotAnExchangeRecord):
        Fill("BTC-USDC-SWAP", "ord1", "c", Side.BUY, D(1), D(100), "made up", EVIDENCE)


def test_a_fill_from_an_order_status_keeps_its_evidence() -> None:
    fill = Fill.from_order_status(status())
    assert (fill.size, fill.avg_price, fill.source, fill.evidence) == (
        D(2), D("100.1"), "order_status", EVIDENCE)


@pytest.mark.parametrize("kwargs", [{"evidence": None}, {"acc": "0"}, {"avg": None}])
def test_a_status_without_evidence_or_fill_proves_nothing(kwargs: dict[str, object]) -> None:
    with pytest.raises(NotAnExchangeRecord):
        Fill.from_order_status(status(**kwargs))  # type: ignore[arg-type]


def test_a_fill_from_a_trade() -> None:
    trade = ExchangeTrade("BTC-USDC-SWAP", "t9", "ord1", "c1", Side.SELL, D("99.9"), D(1),
                          D("-0.01"), "USDC", 5)
    fill = Fill.from_trade(trade, EVIDENCE)
    assert (fill.trade_id, fill.size, fill.avg_price, fill.source) == ("t9", D(1), D("99.9"),
                                                                     "trade")
    with pytest.raises(NotAnExchangeRecord):
        Fill.from_trade(attrs.evolve(trade, fill_sz=D(0)), EVIDENCE)


def test_order_states_know_which_are_terminal() -> None:
    terminal = {s for s in OrderState if s.is_terminal}
    assert terminal == {OrderState.FILLED, OrderState.CANCELED, OrderState.MMP_CANCELED}


def test_outcomes_are_three_distinct_values() -> None:
    outcomes: list[Outcome] = [Accepted("1"), Rejected("51008", "insufficient", 200),
                               Unknown("1")]
    assert [type(o).__name__ for o in outcomes] == ["Accepted", "Rejected", "Unknown"]
    assert Rejected("1", "x").http_status is None
    assert outcomes[0] == Accepted("1")
    assert outcomes[0] != outcomes[2]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Accepted("1").exchange_id = "2"  # type: ignore[misc]


def test_an_evidence_ref_needs_a_path_and_a_sequence() -> None:
    assert str(EVIDENCE) == "orders.jsonl#3"
    with pytest.raises(ValueError):
        EvidenceRef("", 1)
    with pytest.raises(ValueError):
        EvidenceRef("a", -1)
