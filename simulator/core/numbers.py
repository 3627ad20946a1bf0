"""Decimal parsing and OKX-style number formatting (strings, no exponent, "" for none)."""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from simulator.core.errors import ItemError


def fmt(value: Decimal | int | None) -> str:
    """OKX number string: plain notation, no trailing zeros; "" when not applicable."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def parse_decimal(raw: object, field: str) -> Decimal:
    """A finite Decimal from a JSON string or number, else 51000 'Parameter {field} error'."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ItemError.param(field)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ItemError.param(field) from None
    if not value.is_finite():
        raise ItemError.param(field)
    return value


def parse_bool(raw: object, field: str) -> bool:
    """JSON booleans, or the strings "true"/"false" that some clients send."""
    if isinstance(raw, bool):
        return raw
    if raw in ("true", "false"):
        return raw == "true"
    if raw in ("", None):
        return False
    raise ItemError.param(field)


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return value % step == 0


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step
