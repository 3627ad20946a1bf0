"""The one cattrs converter for OKX payloads.

Hooks are registered in this order (later registrations win in cattrs, so the specific ones
come last): attrs classes renamed snake_case <-> camelCase with unknown keys tolerated (OKX adds
fields), then optional fields where OKX's "" means "not applicable" (-> None), then Decimal <-> str
(never float), booleans that arrive as "true"/"false", and candle rows (arrays).
"""

import re
import types
import typing
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from adapters.okx.wire import Candle
from domain.evidence import EvidenceRef
from domain.numbers import plain, to_decimal
from ports.errors import ExchangeProtocolError

T = TypeVar("T")


def camel(name: str) -> str:
    """snake_case -> camelCase: cl_ord_id -> clOrdId, s_code -> sCode."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _structure_decimal(value: object, _type: type) -> Decimal:
    if value == "":
        raise ValueError("empty string where a number is required")
    number = to_decimal(value)
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _structure_bool(value: object, _type: type) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"not a boolean: {value!r}")


def _structure_int(value: object, _type: type) -> int:
    # OKX sends timestamps and counts as digit strings; floats and bools are refused
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise ValueError(f"not an integer: {value!r}")


def _structure_candle(row: object, _type: type) -> Candle:
    if not isinstance(row, list | tuple) or len(row) < 6:
        raise ValueError(f"a candle row is an array of at least 6 strings, got {row!r}")
    confirm = str(row[8]) if len(row) > 8 else "1"
    return Candle(ts=_structure_int(row[0], int), open=_structure_decimal(row[1], Decimal),
                  high=_structure_decimal(row[2], Decimal),
                  low=_structure_decimal(row[3], Decimal),
                  close=_structure_decimal(row[4], Decimal),
                  vol=_structure_decimal(row[5], Decimal), confirm=confirm == "1")


def _optional_inner(type_: Any) -> Any | None:
    args = typing.get_args(type_)
    if typing.get_origin(type_) in (typing.Union, types.UnionType) and len(args) == 2 \
            and type(None) in args:
        return next(a for a in args if a is not type(None))
    return None


def _optional_factory(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(type_: Any) -> Callable[[Any, Any], Any]:
        inner: Any = _optional_inner(type_)

        def hook(value: Any, _type: Any) -> Any:
            return None if value is None or value == "" else conv.structure(value, inner)
        return hook
    return factory


def _attrs_structure(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(cls: Any) -> Callable[[Any, Any], Any]:
        renames: dict[str, Any] = {a.name: override(rename=camel(a.name))
                                   for a in attrs.fields(cls)}
        return make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=False, **renames)
    return factory


def _attrs_unstructure(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any], Any]]:
    def factory(cls: Any) -> Callable[[Any], Any]:
        # a field left at a None default is not sent at all (OKX reads "" as a value)
        renames: dict[str, Any] = {
            a.name: override(rename=camel(a.name), omit_if_default=a.default is None)
            for a in attrs.fields(cls)}
        return make_dict_unstructure_fn(cls, conv, **renames)
    return factory


@cache
def make_okx_converter() -> cattrs.Converter:
    """The converter for every OKX payload, built once (hooks are compiled on first use)."""
    conv = cattrs.Converter(detailed_validation=True)
    conv.register_structure_hook_factory(attrs.has, _attrs_structure(conv))
    conv.register_unstructure_hook_factory(attrs.has, _attrs_unstructure(conv))
    conv.register_structure_hook_factory(lambda t: _optional_inner(t) is not None,
                                         _optional_factory(conv))
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, plain)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(Candle, _structure_candle)
    return conv


def structure_all(items: Iterable[Any], cls: type[T], evidence: EvidenceRef) -> list[T]:
    """Every item as cls; a payload of the wrong shape is a protocol error naming the field."""
    conv = make_okx_converter()
    try:
        return [conv.structure(item, cls) for item in items]
    except cattrs.BaseValidationError as exc:
        # paths name attributes; show them as the wire spells them ($.mark_px -> $.markPx)
        details = "; ".join(re.sub(r"\.([a-z0-9_]+)", lambda m: "." + camel(m.group(1)), line)
                            for line in cattrs.transform_error(exc))
        raise ExchangeProtocolError(f"unexpected {cls.__name__} payload: {details}",
                                    evidence) from exc
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ExchangeProtocolError(f"unexpected {cls.__name__} payload: {exc}",
                                    evidence) from exc


def unstructure(request: object) -> dict[str, Any]:
    """A request body as OKX's camelCase JSON object (None fields left out)."""
    body = make_okx_converter().unstructure(request)
    assert isinstance(body, dict)
    return body
