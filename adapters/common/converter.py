"""The hooks every venue's lenient wire converter is built from.

Registered in this order (later registrations win in cattrs, so the specific ones come last):
attrs classes renamed snake_case <-> the wire's name (camelCase, or a field's `wire` metadata)
with unknown keys tolerated (exchanges add fields), then optional fields where "" means "not
applicable" (-> None), then Decimal <-> str (never float), booleans that arrive as "true"/"false"
and integers that arrive as digit strings. A venue adds its own hooks after these.
"""

import re
import types
import typing
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from domain.evidence import EvidenceRef
from domain.numbers import plain, to_decimal
from ports.errors import ExchangeProtocolError

T = TypeVar("T")
WIRE = "wire"  # attrs field metadata key: the field's name on the wire when not camelCase


def camel(name: str) -> str:
    """snake_case -> camelCase: cl_ord_id -> clOrdId, s_code -> sCode."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_name(field: "attrs.Attribute[Any]") -> str:
    return str(field.metadata.get(WIRE) or camel(field.name))


def structure_decimal(value: object, _type: type) -> Decimal:
    if value == "":
        raise ValueError("empty string where a number is required")
    number = to_decimal(value)
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def structure_bool(value: object, _type: type) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"not a boolean: {value!r}")


def structure_int(value: object, _type: type) -> int:
    # timestamps and counts come as numbers or digit strings; floats and bools are refused
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise ValueError(f"not an integer: {value!r}")


def optional_inner(type_: Any) -> Any | None:
    args = typing.get_args(type_)
    if typing.get_origin(type_) in (typing.Union, types.UnionType) and len(args) == 2 \
            and type(None) in args:
        return next(a for a in args if a is not type(None))
    return None


def _optional_factory(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(type_: Any) -> Callable[[Any, Any], Any]:
        inner: Any = optional_inner(type_)

        def hook(value: Any, _type: Any) -> Any:
            return None if value is None or value == "" else conv.structure(value, inner)
        return hook
    return factory


def _attrs_structure(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(cls: Any) -> Callable[[Any, Any], Any]:
        renames: dict[str, Any] = {a.name: override(rename=wire_name(a))
                                   for a in attrs.fields(cls)}
        return make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=False, **renames)
    return factory


def _attrs_unstructure(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any], Any]]:
    def factory(cls: Any) -> Callable[[Any], Any]:
        # a field left at a None default is not sent at all (an exchange reads "" as a value)
        renames: dict[str, Any] = {
            a.name: override(rename=wire_name(a), omit_if_default=a.default is None)
            for a in attrs.fields(cls)}
        return make_dict_unstructure_fn(cls, conv, **renames)
    return factory


def make_wire_converter() -> cattrs.Converter:
    """A lenient converter with the shared hooks; the caller adds its venue's hooks."""
    conv = cattrs.Converter(detailed_validation=True)
    conv.register_structure_hook_factory(attrs.has, _attrs_structure(conv))
    conv.register_unstructure_hook_factory(attrs.has, _attrs_unstructure(conv))
    conv.register_structure_hook_factory(lambda t: optional_inner(t) is not None,
                                         _optional_factory(conv))
    conv.register_structure_hook(Decimal, structure_decimal)
    conv.register_unstructure_hook(Decimal, plain)
    conv.register_structure_hook(bool, structure_bool)
    conv.register_structure_hook(int, structure_int)
    return conv


def _wire_names(cls: Any, seen: set[Any] | None = None) -> dict[str, str]:
    """attribute name -> wire name over cls and the attrs classes its fields hold."""
    seen = seen if seen is not None else set()
    if cls in seen or not attrs.has(cls):
        return {}
    seen.add(cls)
    names: dict[str, str] = {}
    for field in attrs.fields(cls):
        names[field.name] = wire_name(field)
        for inner in (field.type, *typing.get_args(field.type)):
            for nested in (inner, *typing.get_args(inner)):
                names.update(_wire_names(nested, seen))
    return names


class WireShapeError(ValueError):
    """A payload that is not the class it should be; the message names the wire field."""


def structure_named(conv: cattrs.Converter, value: Any, cls: type[T], root: str = "$") -> T:
    """value as cls, or WireShapeError naming each bad field as the wire spells it, under root
    ($.mark_px -> $.markPx; with root "$.data[0]": $.data[0].sCode)."""
    try:
        return conv.structure(value, cls)
    except cattrs.BaseValidationError as exc:
        names = _wire_names(cls)
        details = "; ".join(
            re.sub(r"\.([a-z0-9_]+)", lambda m: "." + names.get(m.group(1), camel(m.group(1))),
                   line).replace("@ $", f"@ {root}")
            for line in cattrs.transform_error(exc))
        raise WireShapeError(details) from exc
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise WireShapeError(f"{exc} @ {root}") from exc


def structure_all_with(conv: cattrs.Converter, items: Iterable[Any], cls: type[T],
                       evidence: EvidenceRef) -> list[T]:
    """Every item as cls; a payload of the wrong shape is a protocol error naming the field as
    the wire spells it ($.mark_px -> $.markPx)."""
    try:
        return [structure_named(conv, item, cls) for item in items]
    except WireShapeError as exc:
        raise ExchangeProtocolError(f"unexpected {cls.__name__} payload: {exc}",
                                    evidence) from exc
