"""What an OKX reply amounts to: OKX's HTTP status, `code` and `sCode` mapped to our outcomes.

Writes (placements and cancels) are judged into accepted / rejected / unknown; reads into ok /
rejected / transient (retry, then ExchangeUnavailable) / protocol error. The raw code is kept.
"""

from collections.abc import Mapping
from typing import Any

from adapters.common.http import Reply
from adapters.common.judgement import Judgement, Verdict, write_outcome
from adapters.common.judgement import read_error as venue_read_error
from domain.evidence import EvidenceRef
from ports.errors import ExchangeError

__all__ = ["Judgement", "Verdict", "judge_read", "judge_write", "read_error", "write_outcome"]

# The request may or may not have been executed: never a rejection, resolve by lookup.
UNKNOWN_CODES = frozenset({"50001", "50004", "50013", "50026", "51054", "51149"})
# A read that met one of these (or a transport failure / 5xx) may be asked again.
TRANSIENT_READ_CODES = UNKNOWN_CODES | {"50011"}
TIMESTAMP_EXPIRED = "50102"
ORDER_NOT_FOUND = "51603"
# cancel refused because the order is filled, canceled, gone (or being canceled): look it up
CANCEL_LOOKUP_CODES = frozenset({"51400", "51401", "51402", "51410"})
# same for algos, plus "already triggered" (51412/51416) and "does not exist"
ALGO_CANCEL_LOOKUP_CODES = CANCEL_LOOKUP_CODES | {"51412", "51416", ORDER_NOT_FOUND}


def _envelope(payload: Any) -> tuple[str, str, Any] | None:
    if not isinstance(payload, Mapping) or "code" not in payload:
        return None
    return str(payload["code"]), str(payload.get("msg", "")), payload.get("data")


def _failed_item(data: Any) -> Mapping[str, Any] | None:
    for item in data if isinstance(data, list) else ():
        if isinstance(item, Mapping) and item.get("sCode") not in (None, "", "0"):
            return item
    return None


def judge_read(reply: Reply) -> Judgement:
    """A read's reply: OK with data items, or why not."""
    status = reply.http_status
    if reply.failure is not None or status is None:
        return Judgement(Verdict.TRANSIENT, "", reply.failure or "no reply")
    envelope = _envelope(reply.payload)
    if envelope is None:
        if status >= 500 or status == 429:
            return Judgement(Verdict.TRANSIENT, str(status), f"HTTP {status}")
        return Judgement(Verdict.PROTOCOL, str(status),
                         f"HTTP {status} with a body that is not an OKX envelope: "
                         f"{reply.text[:160]!r}")
    code, msg, data = envelope
    if code == TIMESTAMP_EXPIRED:
        return Judgement(Verdict.RESYNC, code, msg)
    if code in TRANSIENT_READ_CODES or status >= 500:
        return Judgement(Verdict.TRANSIENT, code, msg or f"HTTP {status}")
    if code != "0":
        return Judgement(Verdict.REJECTED, code, msg)
    if status != 200:
        return Judgement(Verdict.REJECTED, str(status), msg or f"HTTP {status}")
    if not isinstance(data, list):
        return Judgement(Verdict.PROTOCOL, code, f"data is not an array: {data!r:.160}")
    failed = _failed_item(data)
    if failed is not None:
        return Judgement(Verdict.REJECTED, str(failed["sCode"]), str(failed.get("sMsg", "")))
    return Judgement(Verdict.OK, code, msg, tuple(data))


def judge_write(reply: Reply) -> Judgement:
    """A single-item write's reply. The item's sCode is authoritative when present."""
    status = reply.http_status
    if reply.failure is not None or status is None:
        return Judgement(Verdict.UNKNOWN, "", reply.failure or "no reply")
    envelope = _envelope(reply.payload)
    if envelope is None:
        if status >= 500 or status == 200:
            return Judgement(Verdict.UNKNOWN, f"http{status}", f"HTTP {status}, no OKX envelope")
        return Judgement(Verdict.REJECTED, str(status), f"HTTP {status}: {reply.text[:160]!r}")
    code, msg, data = envelope
    item = data[0] if isinstance(data, list) and data else None
    s_code = str(item.get("sCode", "")) if isinstance(item, Mapping) else ""
    if code == TIMESTAMP_EXPIRED:
        return Judgement(Verdict.RESYNC, code, msg)
    if code in UNKNOWN_CODES or s_code in UNKNOWN_CODES or status >= 500:
        return Judgement(Verdict.UNKNOWN, s_code if s_code in UNKNOWN_CODES else code,
                         msg or f"HTTP {status}")
    if s_code and s_code != "0":
        return Judgement(Verdict.REJECTED, s_code, str(item.get("sMsg", "")) if item else "")
    if code != "0" and not s_code:
        return Judgement(Verdict.REJECTED, code, msg)
    if status != 200:
        return Judgement(Verdict.REJECTED, str(status), msg or f"HTTP {status}")
    if item is None:
        return Judgement(Verdict.UNKNOWN, code, "accepted without a data item")
    return Judgement(Verdict.OK, code, msg, (item,))


def read_error(judgement: Judgement, http_status: int | None,
               evidence: EvidenceRef) -> ExchangeError:
    """The ports error a failed read raises."""
    return venue_read_error("OKX", judgement, http_status, evidence)
