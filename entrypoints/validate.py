"""Checks of what a user typed, at the edge, with messages in the user's terms.

Each function returns the value in the engine's type or raises BadInput naming the option.
They run before any container is built, so a refused input sends nothing.
"""

import math
import os
import re
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import attrs

from domain.orders import PositionSide
from entrypoints.boundary import BadInput
from entrypoints.symbols import symbol_problem

# OKX perpetual swaps: BASE-QUOTE-SWAP, upper-case letters and digits (BTC-USDT-SWAP)
_SWAP_ID = re.compile(r"[A-Z0-9]{1,20}-[A-Z0-9]{1,20}-SWAP")
_INTENT_ID = re.compile(r"[A-Za-z0-9]{1,24}")
MAX_RUN_FOR_S = 366 * 24 * 3600


def swap_id(text: str, option: str) -> str:
    """An OKX perpetual swap instId such as BTC-USDT-SWAP."""
    if _SWAP_ID.fullmatch(text):
        return text
    hint = f" (did you mean {text.upper()}?)" if _SWAP_ID.fullmatch(text.upper()) else ""
    raise BadInput(f"{option} {text!r} is not an OKX perpetual swap instId like "
                   f"BTC-USDT-SWAP{hint}")


def symbol(text: str, option: str, venue: str) -> str:
    """A perpetual of the venue's exchange: an OKX instId (BTC-USDT-SWAP) on an OKX venue, a
    Binance USDⓈ-M symbol (BTCUSDC) on a Binance one."""
    from entrypoints.settings import exchange_of  # not loaded for `--help`

    exchange = exchange_of(venue)
    if exchange == "okx":
        return swap_id(text, option)
    problem = symbol_problem(text, exchange)
    if problem:
        raise BadInput(f"{option} {problem} (venue {venue})")
    return text


def decimal(text: str, option: str, *, what: str) -> Decimal:
    """A finite decimal above zero, never a float; `what` names it in the message."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BadInput(f"{option} must be {what}, got {text!r}") from None
    if not value.is_finite():
        raise BadInput(f"{option} must be a finite number, got {text!r}")
    if value <= 0:
        raise BadInput(f"{option} must be greater than zero, got {text!r}")
    return value


def optional_decimal(text: str | None, option: str, *, what: str) -> Decimal | None:
    return None if text is None else decimal(text, option, what=what)


def seconds(value: float | None, option: str) -> float | None:
    """A positive, finite duration in seconds (at most a year)."""
    if value is None:
        return None
    if not math.isfinite(value) or not 0 < value <= MAX_RUN_FOR_S:
        raise BadInput(f"{option} must be a number of seconds above 0 and at most "
                       f"{MAX_RUN_FOR_S}, got {value}")
    return value


DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_HALT_S = 30 * 86400


def duration(text: str, option: str) -> int:
    """Whole seconds from "90", "90s", "30m", "2h" or "1d" (1 s to 30 days)."""
    raw = text.strip().lower()
    unit = raw[-1:] if raw[-1:] in DURATION_UNITS else "s"
    number = raw[:-1] if raw[-1:] in DURATION_UNITS else raw
    if not number.isdigit() or not 0 < int(number) * DURATION_UNITS[unit] <= MAX_HALT_S:
        raise BadInput(f"{option} must be a duration like 90s, 30m, 2h or 1d (at most 30 "
                       f"days), got {text!r}")
    return int(number) * DURATION_UNITS[unit]


def intent_id(text: str) -> str:
    if not _INTENT_ID.fullmatch(text):
        raise BadInput(f"--intent-id must be 1 to 24 ASCII letters or digits, got {text!r}")
    return text


@attrs.frozen
class PlanFields:
    """The plan as the operator typed it, checked in the operator's terms before the domain's
    TradePlan is built from it."""

    side: PositionSide
    qty: Decimal
    stop_price: Decimal
    tp1_price: Decimal
    tp1_qty: Decimal
    tp2_price: Decimal
    tp2_qty: Decimal
    entry_price: Decimal | None


def open_plan(cmd: PlanFields) -> None:
    """The plan's own consistency; the instrument's tick and lot sizes and the market are
    checked by the engine before the entry is sent."""
    if cmd.tp1_qty + cmd.tp2_qty > cmd.qty:
        raise BadInput(f"--tp1-qty {cmd.tp1_qty} plus --tp2-qty {cmd.tp2_qty} exceed --qty "
                       f"{cmd.qty}: the take-profits can close at most the whole position")
    sign = 1 if cmd.side is PositionSide.LONG else -1
    side, direction = cmd.side.value.lower(), "above" if sign == 1 else "below"
    if not sign * cmd.tp1_price > sign * cmd.stop_price:
        raise BadInput(f"a {side} needs --tp1 {direction} --stop, got tp1 {cmd.tp1_price}, "
                       f"stop {cmd.stop_price}")
    if not sign * cmd.tp2_price >= sign * cmd.tp1_price:
        raise BadInput(f"a {side} needs --tp2 at or {direction} --tp1, got tp2 "
                       f"{cmd.tp2_price}, tp1 {cmd.tp1_price}")
    entry = cmd.entry_price
    if entry is not None and not sign * cmd.stop_price < sign * entry < sign * cmd.tp1_price:
        raise BadInput(f"--entry-px {entry} must lie between --stop {cmd.stop_price} and "
                       f"--tp1 {cmd.tp1_price}")


def writable_dir(path: Path, option: str, *, create: bool) -> Path:
    """A directory this process can create files in (made, with its parents, when create)."""
    if path.exists() and not path.is_dir():
        raise BadInput(f"{option} {path} is a file, not a directory")
    if not path.exists():
        if not create:
            raise BadInput(f"{option} {path} does not exist: create it first")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadInput(f"{option} {path} cannot be created: {exc.strerror}") from None
    try:
        # the real test: permission bits do not bind root, a read-only mount does
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise BadInput(f"{option} {path} is not writable: {exc.strerror or exc}") from None
    if not os.access(path, os.X_OK):
        raise BadInput(f"{option} {path} cannot be entered (no search permission)")
    return path
