"""The strict cattrs converter for our own persisted formats (state store, event log).

Strict means a file that does not say exactly what we wrote is refused: unknown keys, a string
where a number belongs, a number where a Decimal string belongs, a string where a list belongs.
cattrs' stock hooks coerce (int("3"), bool("no") is True, tuple("abc")), which would turn a
hand-edited or damaged file into a plausible but wrong position, so the primitives are replaced.
"""

import enum
import functools
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, get_args, get_origin

from cattrs import IterableValidationError, IterableValidationNote
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.converters import Converter
from cattrs.preconf.json import JsonConverter, make_converter


def _structure_decimal(value: Any, _: type) -> Decimal:
    # Decimals travel as strings so "30000.10" comes back with its trailing zero and no float
    # ever touches a price or size
    if not isinstance(value, str):
        raise TypeError(f"expected a decimal string such as \"30000.10\", got {value!r}")
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not parsed.is_finite():
        raise ValueError(f"a decimal must be finite, got {value!r}")
    return parsed


def _structure_int(value: Any, cl: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    # class hooks also serve subclasses (an IntEnum): give those their own type back
    return value if cl is int else cl(value)


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _structure_str(value: Any, cl: type) -> str:
    # a class hook also serves str's subclasses (StrEnum: Regime, Tier): those keep their own
    # check and come back as members, not as bare strings
    if cl is not str and _is_str_enum(cl):
        return _str_enum_hook(cl)(value, cl)  # type: ignore[return-value]
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value if cl is str else cl(value)


def _is_str_enum(type_: Any) -> bool:
    # enums persisted by their string value (position side, stage, tier, regime, ...)
    return (isinstance(type_, type) and issubclass(type_, enum.Enum)
            and all(isinstance(member.value, str) for member in type_))


def _str_enum_hook(type_: type[enum.Enum]) -> Callable[[Any, Any], enum.Enum]:
    names = ", ".join(repr(member.value) for member in type_)

    def structure(value: Any, _: Any) -> enum.Enum:
        if not isinstance(value, str):
            raise TypeError(f"expected a string naming a {type_.__name__} ({names}), got {value!r}")
        try:
            return type_(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a {type_.__name__}: expected one of {names}") \
                from None
    return structure


def _is_tuple(type_: Any) -> bool:
    return type_ is tuple or get_origin(type_) is tuple


def _tuple_hook(type_: Any, converter: Converter) -> Callable[[Any, Any], tuple[Any, ...]]:
    args = get_args(type_)
    homogeneous = not args or (len(args) == 2 and args[1] is Ellipsis)
    inner: Callable[[Any, Any], tuple[Any, ...]] = (
        homogenous_tuple_structure_factory(type_, converter) if homogeneous
        else _hetero_tuple_hook(args, converter))

    def structure(value: Any, t: Any) -> tuple[Any, ...]:
        # JSON only yields lists; tuples come from an in-memory unstructure
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"expected a list, got {value!r}")
        return inner(value, t)
    return structure


def _hetero_tuple_hook(args: tuple[Any, ...],
                       converter: Converter) -> Callable[[Any, Any], tuple[Any, ...]]:
    hooks = [converter.get_structure_hook(a) for a in args]

    def structure(value: Any, t: Any) -> tuple[Any, ...]:
        if len(value) != len(args):
            raise ValueError(f"expected {len(args)} items, got {len(value)}: {value!r}")
        out, errors = [], []
        for ix, (hook, arg, item) in enumerate(zip(hooks, args, value, strict=True)):
            try:
                out.append(hook(item, arg))
            except Exception as exc:
                exc.__notes__ = [*getattr(exc, "__notes__", []),
                                 IterableValidationNote(f"Structuring {t} @ index {ix}", ix, arg)]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {t!r}", errors, t)
        return tuple(out)
    return structure


@functools.cache
def state_converter() -> JsonConverter:
    """The shared strict converter; cattrs builds each class's hooks once, on first use."""
    return make_state_converter()


def make_state_converter(*, forbid_extra_keys: bool = True) -> JsonConverter:
    """A JSON converter that refuses any value of the wrong type, and extra keys unless told
    (files under seed 000 §8's freeze may gain fields that older readers must pass over)."""
    converter = make_converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    # by class: cattrs consults its class hooks before any predicate, and its own str hook
    # is str(value), which turned a null into "None" and 5 into "5"
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook_factory(_is_tuple, _tuple_hook)
    converter.register_structure_hook_factory(_is_str_enum, _str_enum_hook)
    return converter
