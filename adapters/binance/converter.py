"""The one cattrs converter for Binance payloads: the shared wire hooks
(adapters/common/converter.py) plus kline rows, which are arrays."""

from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

import cattrs

from adapters.binance.wire import Kline
from adapters.common.converter import (
    make_wire_converter,
    structure_all_with,
    structure_decimal,
    structure_int,
)
from domain.evidence import EvidenceRef
from ports.errors import ExchangeProtocolError

T = TypeVar("T")


def _structure_kline(row: object, _type: type) -> Kline:
    if not isinstance(row, list | tuple) or len(row) < 7:
        raise ValueError(f"a kline row is an array of at least 7 values, got {row!r}")
    return Kline(open_time=structure_int(row[0], int), open=structure_decimal(row[1], Decimal),
                 high=structure_decimal(row[2], Decimal), low=structure_decimal(row[3], Decimal),
                 close=structure_decimal(row[4], Decimal),
                 volume=structure_decimal(row[5], Decimal),
                 close_time=structure_int(row[6], int))


@cache
def make_binance_converter() -> cattrs.Converter:
    """The converter for every Binance payload, built once."""
    conv = make_wire_converter()
    conv.register_structure_hook(Kline, _structure_kline)
    return conv


def structure_all(items: Iterable[Any], cls: type[T], evidence: EvidenceRef) -> list[T]:
    """Every item as cls; a payload of the wrong shape is a protocol error naming the field."""
    return structure_all_with(make_binance_converter(), items, cls, evidence)


def structure_one(payload: Any, cls: type[T], evidence: EvidenceRef) -> T:
    """A single object as cls (Binance answers most calls with a bare object)."""
    return structure_all((payload,), cls, evidence)[0]


def structure_list(payload: Any, cls: type[T], evidence: EvidenceRef) -> list[T]:
    """A bare JSON array as cls items; anything else is a protocol error."""
    if not isinstance(payload, list):
        raise ExchangeProtocolError(f"expected a JSON array of {cls.__name__}, got "
                                    f"{type(payload).__name__}", evidence)
    return structure_all(payload, cls, evidence)
