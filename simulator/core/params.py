"""Reading request parameters the way OKX does: missing -> 50014, malformed -> 51000."""

import re
from collections.abc import Mapping
from decimal import Decimal

from simulator.core.errors import ApiError, ItemError
from simulator.core.instruments import Instrument
from simulator.core.numbers import is_multiple, parse_decimal
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


def instrument(state: ExchangeState, inst_id: str, tradable: bool = True) -> Instrument:
    inst = state.instruments.get(inst_id)
    if inst is None:
        raise ItemError("51001")
    if tradable and inst.state == "suspend":
        raise ItemError("51022")
    if tradable and inst.state in ("preopen", "test"):
        raise ItemError("51021")
    return inst


def account_mode(state: ExchangeState, td_mode: str) -> None:
    """Spot mode cannot trade swaps (51010); the pooled modes have no isolated margin."""
    if state.config.acct_lv == "1":
        raise ItemError("51010")
    if td_mode == "isolated" and state.config.acct_lv in ("3", "4"):
        raise ItemError("50072")


def size(params: Params, name: str, inst: Instrument) -> Decimal:
    value = parse_decimal(required(params, name), name)
    if value <= 0:
        raise ItemError.param(name)
    if not is_multiple(value, inst.lot_sz):
        raise ItemError("51121")
    if value < inst.min_sz:
        raise ItemError("51020")
    return value


def price(raw: str, name: str, inst: Instrument) -> Decimal:
    value = parse_decimal(raw, name)
    if value <= 0:
        raise ItemError.param(name)
    if not is_multiple(value, inst.tick_sz):
        raise ItemError("51150")
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
