"""The one cattrs converter for OKX payloads: the shared wire hooks (adapters/common/converter.py:
camelCase names, "" as None, Decimal never float, "true"/"false" booleans, digit-string
integers, unknown keys tolerated) plus OKX's candle rows (arrays)."""

from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

import cattrs

from adapters.common.converter import (
    camel,
    make_wire_converter,
    structure_all_with,
    structure_decimal,
    structure_int,
)
from adapters.okx.wire import Candle
from domain.evidence import EvidenceRef

T = TypeVar("T")
__all__ = ["camel", "make_okx_converter", "structure_all", "unstructure"]


def _structure_candle(row: object, _type: type) -> Candle:
    if not isinstance(row, list | tuple) or len(row) < 6:
        raise ValueError(f"a candle row is an array of at least 6 strings, got {row!r}")
    confirm = str(row[8]) if len(row) > 8 else "1"
    return Candle(ts=structure_int(row[0], int), open=structure_decimal(row[1], Decimal),
                  high=structure_decimal(row[2], Decimal),
                  low=structure_decimal(row[3], Decimal),
                  close=structure_decimal(row[4], Decimal),
                  vol=structure_decimal(row[5], Decimal), confirm=confirm == "1")


@cache
def make_okx_converter() -> cattrs.Converter:
    """The converter for every OKX payload, built once (hooks are compiled on first use)."""
    conv = make_wire_converter()
    conv.register_structure_hook(Candle, _structure_candle)
    return conv


def structure_all(items: Iterable[Any], cls: type[T], evidence: EvidenceRef) -> list[T]:
    """Every item as cls; a payload of the wrong shape is a protocol error naming the field."""
    return structure_all_with(make_okx_converter(), items, cls, evidence)


def unstructure(request: object) -> dict[str, Any]:
    """A request body as OKX's camelCase JSON object (None fields left out)."""
    body = make_okx_converter().unstructure(request)
    assert isinstance(body, dict)
    return body
