"""What an OKX reply amounts to: OKX's HTTP status, `code` and `sCode` mapped to our outcomes.

Writes (placements and cancels) are judged into accepted / rejected / unknown; reads into ok /
rejected / transient (retry, then ExchangeUnavailable) / protocol error. The raw code is kept.
"""

from collections.abc import Mapping
from typing import Any

from adapters.common.converter import WireShapeError, structure_named
from adapters.common.http import Reply
from adapters.common.judgement import Judgement, Verdict, write_outcome
from adapters.common.judgement import read_error as venue_read_error
from adapters.okx import wire
from adapters.okx.converter import make_okx_converter
from domain.evidence import EvidenceRef
from ports.errors import ExchangeError

__all__ = ["Judgement", "Verdict", "judge_read", "judge_write", "read_ack", "read_envelope",
           "read_error", "write_outcome", "write_receipt"]

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


def read_envelope(payload: Any) -> wire.Envelope | None:
    """The reply's envelope through the lenient converter; None when the body is not one (not
    a JSON object, or no code); WireShapeError naming the wire field when it is one of the
    wrong shape (e.g. data not an array)."""
    if not isinstance(payload, Mapping):
        return None
    envelope = structure_named(make_okx_converter(), payload, wire.Envelope)
    return envelope if envelope.code else None


def data_items(envelope: wire.Envelope) -> list[Any]:
    """The envelope's data as an array (WireShapeError naming $.data otherwise)."""
    if not isinstance(envelope.data, list):
        raise WireShapeError(f"data is not an array: {envelope.data!r:.80} @ $.data")
    return envelope.data


def read_ack(item: Any, index: int = 0) -> wire.WriteAck:
    """A write's data item as a WriteAck (WireShapeError naming the field otherwise)."""
    root = f"$.data[{index}]"
    if not isinstance(item, Mapping):
        raise WireShapeError(f"not an object: {item!r:.80} @ {root}")
    return structure_named(make_okx_converter(), item, wire.WriteAck, root)


def write_receipt(payload: Any) -> tuple[str, str, wire.WriteAck]:
    """The envelope's code and msg and the first data item of a write's reply, as far as they
    came ("" and an empty WriteAck for what did not): what an OrderPlacement reports."""
    try:
        envelope = read_envelope(payload)
    except WireShapeError:
        return "", "", wire.WriteAck()
    if envelope is None:
        return "", "", wire.WriteAck()
    try:
        items = data_items(envelope)
        ack = read_ack(items[0]) if items else wire.WriteAck()
    except WireShapeError:
        ack = wire.WriteAck()
    return envelope.code, envelope.msg, ack


_NO_FAILURE = (None, "", "0")


def _failed_item(data: list[Any]) -> wire.WriteAck | None:
    # a read's items are other classes; only an object carrying a non-zero sCode is a failure
    for index, item in enumerate(data):
        # no sCode, "" or "0" structure to a WriteAck that is no failure: skip the converter
        if not isinstance(item, Mapping) or item.get("sCode") in _NO_FAILURE:
            continue
        try:
            ack = read_ack(item, index)
        except WireShapeError:
            continue
        if ack.s_code not in (None, "0"):
            return ack
    return None


def judge_read(reply: Reply) -> Judgement:
    """A read's reply: OK with data items, or why not."""
    status = reply.http_status
    if reply.failure is not None or status is None:
        return Judgement(Verdict.TRANSIENT, "", reply.failure or "no reply")
    try:
        envelope = read_envelope(reply.payload)
    except WireShapeError as exc:
        return Judgement(Verdict.PROTOCOL, str(status), f"malformed OKX envelope: {exc}")
    if envelope is None:
        if status >= 500 or status == 429:
            return Judgement(Verdict.TRANSIENT, str(status), f"HTTP {status}")
        return Judgement(Verdict.PROTOCOL, str(status),
                         f"HTTP {status} with a body that is not an OKX envelope: "
                         f"{reply.text[:160]!r}")
    code, msg = envelope.code, envelope.msg
    if code == TIMESTAMP_EXPIRED:
        return Judgement(Verdict.RESYNC, code, msg)
    if code in TRANSIENT_READ_CODES or status >= 500:
        return Judgement(Verdict.TRANSIENT, code, msg or f"HTTP {status}")
    if code != "0":
        return Judgement(Verdict.REJECTED, code, msg)
    if status != 200:
        return Judgement(Verdict.REJECTED, str(status), msg or f"HTTP {status}")
    try:
        data = data_items(envelope)
    except WireShapeError as exc:
        return Judgement(Verdict.PROTOCOL, code, f"malformed OKX envelope: {exc}")
    failed = _failed_item(data)
    if failed is not None:
        return Judgement(Verdict.REJECTED, failed.s_code or "", failed.s_msg)
    return Judgement(Verdict.OK, code, msg, tuple(data))


def judge_write(reply: Reply) -> Judgement:
    """A single-item write's reply. The item's sCode is authoritative when present."""
    status = reply.http_status
    if reply.failure is not None or status is None:
        return Judgement(Verdict.UNKNOWN, "", reply.failure or "no reply")
    try:
        envelope = read_envelope(reply.payload)
        items = envelope.data if envelope and isinstance(envelope.data, list) else []
        ack = read_ack(items[0]) if items else None
    except WireShapeError as exc:
        # the write may have been executed: never a rejection (resolve by lookup)
        return Judgement(Verdict.UNKNOWN, "", f"malformed OKX reply: {exc}")
    if envelope is None:
        if status >= 500 or status == 200:
            return Judgement(Verdict.UNKNOWN, f"http{status}", f"HTTP {status}, no OKX envelope")
        return Judgement(Verdict.REJECTED, str(status), f"HTTP {status}: {reply.text[:160]!r}")
    code, msg = envelope.code, envelope.msg
    s_code = (ack.s_code or "") if ack else ""
    if code == TIMESTAMP_EXPIRED:
        return Judgement(Verdict.RESYNC, code, msg)
    if code in UNKNOWN_CODES or s_code in UNKNOWN_CODES or status >= 500:
        return Judgement(Verdict.UNKNOWN, s_code if s_code in UNKNOWN_CODES else code,
                         msg or f"HTTP {status}")
    if s_code and s_code != "0":
        return Judgement(Verdict.REJECTED, s_code, ack.s_msg if ack else "")
    if code != "0" and not s_code:
        return Judgement(Verdict.REJECTED, code, msg)
    if status != 200:
        return Judgement(Verdict.REJECTED, str(status), msg or f"HTTP {status}")
    if ack is None:
        return Judgement(Verdict.UNKNOWN, code, "accepted without a data item")
    return Judgement(Verdict.OK, code, msg, (ack,))


def read_error(judgement: Judgement, http_status: int | None,
               evidence: EvidenceRef) -> ExchangeError:
    """The ports error a failed read raises."""
    return venue_read_error("OKX", judgement, http_status, evidence)
