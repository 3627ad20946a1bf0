"""Reading OKX request parameters: missing -> 50014, malformed -> 51000. What the values
mean for the instrument and the account is checked by the core (trading.py, algos.py)."""

import re
from collections.abc import Mapping
from decimal import Decimal

from simulator.core.errors import ApiError, ItemError
from simulator.core.models import LIMIT_TYPES, ORDER_TYPES
from simulator.core.numbers import parse_bool, parse_decimal
from simulator.core.requests import NewOrder
from simulator.core.state import ExchangeState

CLIENT_ID = re.compile(r"[A-Za-z0-9]{1,32}")
TAG = re.compile(r"[A-Za-z0-9]{1,16}")
Params = Mapping[str, object]


def text(params: Params, name: str) -> str:
    """An optional string parameter; "" when absent."""
    value = params.get(name, "")
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ItemError.param(name)
    return value


def required(params: Params, name: str) -> str:
    value = text(params, name)
    if value == "":
        raise ApiError.missing(name)
    return value


def one_of(params: Params, name: str, allowed: tuple[str, ...]) -> str:
    value = required(params, name)
    if value not in allowed:
        raise ItemError.param(name)
    return value


def client_id(params: Params, name: str) -> str:
    value = text(params, name)
    if value and not CLIENT_ID.fullmatch(value):
        raise ItemError.param(name)
    return value


def unsupported(params: Params, name: str) -> None:
    """Refuse, rather than silently drop, a feature the simulator does not model."""
    if params.get(name):
        raise ItemError("51000", msg=f"Parameter {name} error (not supported by the simulator)")


def tag(params: Params) -> str:
    value = text(params, "tag")
    if value and not TAG.fullmatch(value):
        raise ItemError.param("tag")
    return value


def positive(params: Params, name: str) -> Decimal:
    """A required number > 0 (its fit to the instrument is the core's business)."""
    value = parse_decimal(required(params, name), name)
    if value <= 0:
        raise ItemError.param(name)
    return value


def price(raw: str, name: str) -> Decimal:
    value = parse_decimal(raw, name)
    if value <= 0:
        raise ItemError.param(name)
    return value


def pos_side(state: ExchangeState, params: Params) -> str:
    value = text(params, "posSide")
    if state.account.pos_mode == "long_short_mode":
        if value not in ("long", "short"):
            raise ItemError.param("posSide")
        return value
    if value not in ("", "net"):
        raise ItemError.param("posSide")
    return "net"


def limit(params: Params, default: int = 100, maximum: int = 100) -> int:
    raw = text(params, "limit")
    if raw == "":
        return default
    if not raw.isdigit() or not 0 < int(raw) <= maximum:
        raise ApiError("51000", "limit")
    return int(raw)


def parse_order(state: ExchangeState, params: Params) -> NewOrder:
    """An OKX order (trade/order, batch-orders items, WS order op) as a core request."""
    inst_id = required(params, "instId")
    td_mode = required(params, "tdMode")
    side = required(params, "side")
    ord_type = required(params, "ordType")
    required(params, "sz")
    if inst_id not in state.instruments:  # OKX names the instrument before the other fields
        raise ItemError("51001")
    unsupported(params, "attachAlgoOrds")
    if td_mode not in ("cross", "isolated"):
        raise ItemError.param("tdMode")
    if side not in ("buy", "sell"):
        raise ItemError.param("side")
    if ord_type not in ORDER_TYPES:
        raise ItemError.param("ordType")
    position_side = pos_side(state, params)
    size = positive(params, "sz")
    px = price(required(params, "px"), "px") if ord_type in LIMIT_TYPES else None
    return NewOrder(inst_id, td_mode, side, position_side, ord_type, size, px,
                    parse_bool(params.get("reduceOnly", False), "reduceOnly"),
                    client_id(params, "clOrdId"), tag(params))
