"""What a Binance reply amounts to: the HTTP status and Binance's `code` mapped to outcomes.

Binance answers an error with a non-2xx status and {"code": <negative int>, "msg"}; a success
is the object or array itself (a few success bodies carry {"code": 200}). Writes are judged into
accepted / rejected / unknown, reads into ok / rejected / transient (retry, then
ExchangeUnavailable) / resync / protocol error; 429 and 418 are the pacer's business as well.
The raw code is kept as text ("-2019").
"""

from collections.abc import Mapping
from typing import Any

import attrs

from adapters.common.http import Reply
from adapters.common.judgement import Judgement, Verdict, write_outcome
from adapters.common.judgement import read_error as venue_read_error
from domain.evidence import EvidenceRef
from ports.errors import ExchangeError

__all__ = ["Judgement", "Verdict", "judge_read", "judge_write", "read_error", "write_outcome"]

TIMESTAMP_OUTSIDE_WINDOW = "-1021"
# the request may or may not have run: -1000 unknown, -1001 disconnected, -1006 unexpected
# response, -1007 timeout ("send status unknown"); never a rejection, resolve by lookup
UNKNOWN_CODES = frozenset({"-1000", "-1001", "-1006", "-1007"})
# a read that met one of these may be asked again (-1003 too many requests, -1008 overloaded)
TRANSIENT_READ_CODES = UNKNOWN_CODES | {"-1003", "-1008"}
ORDER_NOT_FOUND = "-2013"
CANCEL_REJECTED = "-2011"  # "Unknown order sent.": filled, canceled or never there
DUPLICATE_CLIENT_ID = "-4116"
LISTEN_KEY_MISSING = "-1125"
TOO_MANY_REQUESTS, BANNED = 429, 418


@attrs.frozen
class Limited:
    """A 429 or 418 answer: how long Binance asks us to stay away."""

    status: int
    retry_after_s: float | None
    message: str


def error_of(payload: Any) -> tuple[str, str] | None:
    """(code, msg) of a Binance error body; None for a success body."""
    if not isinstance(payload, Mapping) or "code" not in payload:
        return None
    code = str(payload["code"])
    if not code.startswith("-"):
        return None  # {"code": 200, "msg": "success"} and kin
    return code, str(payload.get("msg", ""))


def limited(reply: Reply) -> Limited | None:
    if reply.http_status not in (TOO_MANY_REQUESTS, BANNED):
        return None
    raw = reply.header("retry-after")
    try:
        retry_after = float(raw) if raw is not None else None
    except ValueError:
        retry_after = None
    found = error_of(reply.payload)
    return Limited(reply.http_status, retry_after, found[1] if found else reply.text[:160])


def judge_read(reply: Reply) -> Judgement:
    """A read's reply: OK with the payload as its one item, or why not."""
    status = reply.http_status
    if reply.failure is not None or status is None:
        return Judgement(Verdict.TRANSIENT, "", reply.failure or "no reply")
    found = error_of(reply.payload)
    if found is not None:
        code, msg = found
        if code == TIMESTAMP_OUTSIDE_WINDOW:
            return Judgement(Verdict.RESYNC, code, msg)
        if code in TRANSIENT_READ_CODES or status >= 500 or status in (TOO_MANY_REQUESTS,
                                                                        BANNED):
            return Judgement(Verdict.TRANSIENT, code, msg)
        return Judgement(Verdict.REJECTED, code, msg)
    if status >= 500 or status in (TOO_MANY_REQUESTS, BANNED):
        return Judgement(Verdict.TRANSIENT, str(status), f"HTTP {status}")
    if status != 200 or reply.payload is None:
        return Judgement(Verdict.PROTOCOL, str(status),
                         f"HTTP {status} with a body that is not Binance's: "
                         f"{reply.text[:160]!r}")
    return Judgement(Verdict.OK, "", "", (reply.payload,))


def judge_write(reply: Reply) -> Judgement:
    """A write's reply (a placement or a cancel). A 429/418 was refused before it ran."""
    status = reply.http_status
    if reply.failure is not None or status is None:
        return Judgement(Verdict.UNKNOWN, "", reply.failure or "no reply")
    found = error_of(reply.payload)
    if found is not None:
        code, msg = found
        if code == TIMESTAMP_OUTSIDE_WINDOW:
            return Judgement(Verdict.RESYNC, code, msg)
        if status in (TOO_MANY_REQUESTS, BANNED):
            return Judgement(Verdict.REJECTED, code, msg)
        if code in UNKNOWN_CODES or status >= 500:
            return Judgement(Verdict.UNKNOWN, code, msg)
        return Judgement(Verdict.REJECTED, code, msg)
    if status >= 500:
        # 503 "Unknown error..." or a gateway page: the order may exist
        return Judgement(Verdict.UNKNOWN, f"http{status}", f"HTTP {status}: "
                                                          f"{reply.text[:160]!r}")
    if status != 200:
        return Judgement(Verdict.REJECTED, str(status), f"HTTP {status}: {reply.text[:160]!r}")
    if not isinstance(reply.payload, Mapping):
        return Judgement(Verdict.UNKNOWN, "http200", "HTTP 200 without a readable answer")
    return Judgement(Verdict.OK, "", "", (reply.payload,))


def read_error(judgement: Judgement, http_status: int | None,
               evidence: EvidenceRef) -> ExchangeError:
    """The ports error a failed read raises."""
    return venue_read_error("Binance", judgement, http_status, evidence)
