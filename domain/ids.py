"""Deterministic client ids: the same intent and attempt always give the same id.

Layout (at most 32 ASCII letters/digits, as OKX allows): "px" + role (2 chars) + intent id
(1-24 letters/digits) + attempt (2 digits). A resend after an Unknown outcome reuses the
attempt, so the exchange sees the same clOrdId/algoClOrdId; a new attempt is made only after
the previous one is proven absent or terminal.
"""

import enum
import re

import attrs

from domain.errors import InvalidIntent

PREFIX = "px"
MAX_ATTEMPT = 99
_INTENT_ID = re.compile(r"[A-Za-z0-9]{1,24}")
_PARSE = re.compile(r"px([A-Z][A-Z0-9])([A-Za-z0-9]{1,24})([0-9]{2})")


class Role(enum.Enum):
    """What an order is for; the code is part of the client id."""

    ENTRY = "EN"
    TP1 = "T1"
    TP2 = "T2"
    STOP = "SL"
    FLATTEN = "FL"
    RUNNER_LIMIT = "RL"
    RUNNER_MARKET = "RM"
    DERISK = "DR"
    CLOSE = "CL"
    PROBE = "PB"
    SELFCHECK = "SC"


def validate_intent_id(intent_id: str) -> str:
    if not isinstance(intent_id, str) or not _INTENT_ID.fullmatch(intent_id):
        raise InvalidIntent(f"intent id must be 1-24 ASCII letters/digits, got {intent_id!r}")
    return intent_id


def client_id(intent_id: str, role: Role, attempt: int = 0) -> str:
    """The client id for one attempt of one role of one intent."""
    validate_intent_id(intent_id)
    if not 0 <= attempt <= MAX_ATTEMPT:
        raise InvalidIntent(f"attempt must be 0..{MAX_ATTEMPT}, got {attempt}")
    return f"{PREFIX}{role.value}{intent_id}{attempt:02d}"


@attrs.frozen
class ParsedClientId:
    role: Role
    intent_id: str
    attempt: int


def parse_client_id(value: str) -> ParsedClientId | None:
    """Recover role, intent and attempt from one of our ids; None for anyone else's id."""
    match = _PARSE.fullmatch(value or "")
    if match is None:
        return None
    try:
        role = Role(match.group(1))
    except ValueError:
        return None
    return ParsedClientId(role, match.group(2), int(match.group(3)))


def next_attempt(counters: tuple[tuple[str, int], ...], role: Role) -> int:
    """The attempt number the next id of this role gets."""
    return dict(counters).get(role.value, 0)


def allocate(counters: tuple[tuple[str, int], ...], intent_id: str,
             role: Role) -> tuple[str, tuple[tuple[str, int], ...]]:
    """A fresh client id for role and the counters with that attempt consumed."""
    attempt = next_attempt(counters, role)
    cid = client_id(intent_id, role, attempt)
    updated = dict(counters)
    updated[role.value] = attempt + 1
    return cid, tuple(sorted(updated.items()))
