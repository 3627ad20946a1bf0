"""The recovery rules (seed §1.5)."""

from decimal import Decimal

import attrs
import pytest

from domain.actions import EmergencyFlatten, PlaceProtection
from domain.algo import AlgoOrder, AlgoState, WorkingType
from domain.errors import InvalidIntent
from domain.orders import PositionSide, Side
from domain.params import Params, ProtectionParams, UnknownPositionPolicy
from domain.recovery_rules import (
    adopt_unknown_position,
    default_stop_price,
    protection_gap,
    stop_problem,
    stop_within_tolerance,
)
from tests.unit.domain.builders import PARAMS, SPEC, SYMBOL

D = Decimal


def algo(**overrides: object) -> AlgoOrder:
    fields: dict[str, object] = {
        "inst_id": SYMBOL, "algo_id": "a1", "client_algo_id": "pxSLabc12300",
        "state": AlgoState.LIVE, "side": Side.SELL, "size": D(10), "close_position": False,
        "stop_price": D(90), "working_type": WorkingType.MARK_PRICE, "reduce_only": True,
        "updated_ms": 1}
    fields.update(overrides)
    return AlgoOrder(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("observed", "fragment"), [
    (algo(), None),
    (algo(stop_price=D("90.2")), None),
    (algo(stop_price=D("89.8")), None),
    (algo(stop_price=D("90.3")), "more than 2 ticks"),
    (algo(size=None, close_position=True), None),
    (None, "no stop"),
    (algo(state=AlgoState.EFFECTIVE), "not open"),
    (algo(side=Side.BUY), "does not close"),
    (algo(reduce_only=False), "reduce-only"),
    (algo(size=D(7)), "size 7"),
    (algo(stop_price=None), "no trigger"),
])
def test_stop_problem(observed: AlgoOrder | None, fragment: str | None) -> None:
    problem = stop_problem(observed, position_side=PositionSide.LONG, qty=D(10),
                           stop_price=D(90), spec=SPEC, params=PARAMS)
    if fragment is None:
        assert problem is None
    else:
        assert problem is not None and fragment in problem


def test_a_zero_tolerance_demands_the_exact_trigger() -> None:
    strict = Params(protection=ProtectionParams(stop_deviation_ticks=0))
    assert stop_within_tolerance(D(90), D(90), SPEC, strict)
    assert not stop_within_tolerance(D("90.1"), D(90), SPEC, strict)


@pytest.mark.parametrize(("side", "entry", "mark", "expected"), [
    (PositionSide.LONG, "100", "105", "98"),      # 2% under entry
    (PositionSide.LONG, "100", "95", "93.1"),     # 2% under the lower mark
    (PositionSide.SHORT, "100", "95", "102"),
    (PositionSide.SHORT, "100", "101.01", "103.1"),  # 103.0302 rounded up
])
def test_default_stop_sits_beyond_the_worse_price(side: PositionSide, entry: str, mark: str,
                                                  expected: str) -> None:
    assert default_stop_price(side, D(entry), D(mark), SPEC, PARAMS) == D(expected)


def test_a_flat_side_gets_no_default_stop() -> None:
    with pytest.raises(InvalidIntent):
        default_stop_price(PositionSide.NONE, D(1), D(1), SPEC, PARAMS)


def test_an_unknown_position_is_protected_or_flattened_by_policy() -> None:
    kwargs = {"symbol": SYMBOL, "intent_id": "rec1", "position_side": PositionSide.SHORT,
              "qty": D(3), "entry_price": D(100), "mark_price": D(99), "spec": SPEC}
    protect = adopt_unknown_position(params=PARAMS, **kwargs)  # type: ignore[arg-type]
    assert protect == PlaceProtection(SYMBOL, "rec1", Side.BUY, D(3), D(102),
                                      "unknown position: default stop")
    flatten_params = attrs.evolve(PARAMS, protection=ProtectionParams(
        unknown_position_policy=UnknownPositionPolicy.FLATTEN))
    flatten = adopt_unknown_position(params=flatten_params, **kwargs)  # type: ignore[arg-type]
    assert isinstance(flatten, EmergencyFlatten)
    assert (flatten.qty, flatten.side) == (D(3), Side.BUY)


def our_stop(cid: str = "pxSLabc12300", side: Side = Side.SELL, size: str | None = "10",
             close_position: bool = False, reduce_only: bool = True) -> AlgoOrder:
    return AlgoOrder(SYMBOL, "a-" + cid, cid, AlgoState.LIVE, side,
                     D(size) if size is not None else None, close_position, D("90"),
                     WorkingType.MARK_PRICE, reduce_only, 0)


@pytest.mark.parametrize(("side", "qty", "stops", "gap"), [
    (PositionSide.LONG, "10", [our_stop()], ""),
    (PositionSide.LONG, "10", [our_stop(size="12")], ""),  # larger still closes it all
    (PositionSide.LONG, "10", [our_stop(size=None, close_position=True)], ""),
    (PositionSide.SHORT, "10", [our_stop(side=Side.BUY)], ""),
    (PositionSide.LONG, "10", [], "LONG 10 has no stop"),
    (PositionSide.LONG, "10", [our_stop(size="6")], "covers 6 of 10"),
    (PositionSide.LONG, "10", [our_stop(side=Side.BUY)], "does not close the LONG"),
    (PositionSide.LONG, "10", [our_stop(reduce_only=False)], "does not close the LONG"),
    (PositionSide.LONG, "10", [our_stop(), our_stop("pxSLabc12301")], "has 2 stops"),
    (PositionSide.NONE, "0", [our_stop()], "1 stop(s) of ours without a position"),
    (PositionSide.NONE, "0", [], ""),
])
def test_protection_gap_names_what_leaves_a_position_unprotected(
        side: PositionSide, qty: str, stops: list[AlgoOrder], gap: str) -> None:
    found = protection_gap(side, D(qty), stops)
    assert (gap in found and bool(found)) if gap else found == ""
