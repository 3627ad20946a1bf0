"""Small exact statistics for the rolling blocks: nearest-rank percentile and mean.

The nearest-rank percentile (the ceil(q x n)-th smallest value) is always a value that was
observed, never an interpolation between two, so a q95 of spreads is a spread that happened.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

from domain.errors import DomainError

_Num = TypeVar("_Num", Decimal, float)


def nearest_rank(values: Sequence[_Num], percent: int) -> _Num:
    """The percent-th percentile (1..100) by nearest rank; raises on an empty sequence."""
    if not 1 <= percent <= 100:
        raise DomainError(f"percentile must be in 1..100, got {percent}")
    if not values:
        raise DomainError("no values to take a percentile of")
    ordered = sorted(values)
    rank = -(-percent * len(ordered) // 100)  # ceil without floats
    return ordered[rank - 1]


def mean(values: Sequence[Decimal]) -> Decimal:
    if not values:
        raise DomainError("no values to average")
    return sum(values, Decimal(0)) / len(values)
