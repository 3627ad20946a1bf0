"""Decimal helpers: every price and size in the domain is a finite Decimal."""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

ZERO = Decimal(0)


def to_decimal(value: object) -> Decimal:
    """Convert an exchange string, int or Decimal to Decimal; floats are refused (binary noise)."""
    if isinstance(value, bool | float):
        raise TypeError(f"refusing {type(value).__name__} {value!r}: pass a str or Decimal")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str):
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal number: {value!r}") from exc
    raise TypeError(f"cannot convert {type(value).__name__} to Decimal")


def is_positive_finite(value: Decimal) -> bool:
    return value.is_finite() and value > 0


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """True when value is an exact integer multiple of step (both finite, step > 0)."""
    try:
        return (value % step) == 0
    except InvalidOperation:
        # beyond the context precision (about 28 digits) no exchange size or price is valid
        return False


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to_step(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def plain(value: Decimal) -> str:
    """Render without exponent and without trailing zeros, as OKX sends numbers ("0.1", "30000")."""
    text = format(value.normalize(), "f")
    return text
