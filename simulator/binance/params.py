"""Reading Binance request parameters (query string and form body, all strings).

Missing -> -1102, malformed -> -1130 (or the specific code Binance has for the field), too many
decimals for the symbol -> -1111. Booleans are "true"/"false"; numbers may come as "1e-05"
(the official SDK formats floats with str()).
"""

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from simulator.binance.errors import BinanceError, invalid, missing
from simulator.core.instruments import Instrument

Params = Mapping[str, str]
CLIENT_ID = re.compile(r"[.A-Z:/a-z0-9_-]{1,36}")
SIDES = ("BUY", "SELL")
POSITION_SIDES = ("BOTH", "LONG", "SHORT")


def text(params: Params, name: str) -> str:
    return params.get(name, "")


def required(params: Params, name: str) -> str:
    value = params.get(name, "")
    if value == "":
        raise missing(name)
    return value


def number(raw: str, name: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise invalid(name) from None
    if not value.is_finite():
        raise invalid(name)
    return value


def decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def quantity(params: Params, name: str, inst: Instrument) -> Decimal:
    value = number(required(params, name), name)
    if value <= 0:
        raise BinanceError(-4003)
    if decimals(value) > decimals(inst.lot_sz):
        raise BinanceError(-1111)
    return value


def price(params: Params, name: str, inst: Instrument, needed: bool = True) -> Decimal | None:
    raw = params.get(name, "")
    if raw == "":
        if needed:
            raise missing(name)
        return None
    value = number(raw, name)
    if value <= 0:
        raise invalid(name)
    if decimals(value) > decimals(inst.tick_sz):
        raise BinanceError(-1111)
    return value


def boolean(params: Params, name: str) -> bool:
    raw = params.get(name, "")
    if raw in ("", "false", "FALSE", "False"):
        return False
    if raw in ("true", "TRUE", "True"):
        return True
    raise invalid(name)


def client_id(params: Params, name: str) -> str:
    value = params.get(name, "")
    if value and not CLIENT_ID.fullmatch(value):
        raise BinanceError(-4015)
    return value


def side(params: Params) -> str:
    value = required(params, "side")
    if value not in SIDES:
        raise BinanceError(-1117)
    return value


def integer(params: Params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise invalid(name)
    return int(raw)
