"""Hypothesis strategies that fill every field of the persisted attrs types."""

import enum
import types
from decimal import Decimal
from typing import Any, Union, get_args, get_origin

import attrs
from hypothesis import strategies as st

from domain.records import ExecFill, LimitOrderRecord
from tests.unit.domain.records_strategies import exec_fills, limit_orders

_ints = st.integers(min_value=-(2**63), max_value=2**63)
_decimals = st.decimals(allow_nan=False, allow_infinity=False)
_floats = st.floats(allow_nan=False)  # infinity included: a profit factor can be infinite


# records whose validators refuse arbitrary field values: drawn by their own strategies
VALIDATED: dict[Any, st.SearchStrategy[Any]] = {LimitOrderRecord: limit_orders(),
                                               ExecFill: exec_fills()}


def strategy_for(type_: Any) -> st.SearchStrategy[Any]:
    """A strategy for any field type used by domain.state and domain.logs."""
    origin, args = get_origin(type_), get_args(type_)
    if origin in (Union, types.UnionType):
        return st.one_of(*(strategy_for(a) for a in args))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy_for(args[0]), max_size=3).map(tuple)
        return st.tuples(*(strategy_for(a) for a in args))
    simple: dict[Any, st.SearchStrategy[Any]] = {
        Decimal: _decimals, float: _floats, int: _ints, bool: st.booleans(),
        str: st.text(max_size=12), type(None): st.none()}
    if type_ in simple:
        return simple[type_]
    if isinstance(type_, type) and issubclass(type_, enum.Enum):
        return st.sampled_from(list(type_))
    if type_ in VALIDATED:
        return VALIDATED[type_]
    if attrs.has(type_):
        return filled(type_)
    raise TypeError(f"no strategy for {type_!r}")


def filled(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Instances of an attrs class with every field drawn, defaults included."""
    return st.builds(cls, **{f.name: strategy_for(f.type) for f in attrs.fields(cls)})
