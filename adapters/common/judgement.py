"""What a judged reply amounts to, on every venue: a verdict, the exchange's raw code and
message, and the payload items. Each venue's errors.py judges its own replies into these."""

import enum
from typing import Any

import attrs

from domain.evidence import EvidenceRef
from domain.outcome import Accepted, Outcome, Rejected, Unknown
from ports.errors import (
    ExchangeError,
    ExchangeProtocolError,
    ExchangeRejected,
    ExchangeUnavailable,
)


class Verdict(enum.Enum):
    OK = "ok"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    TRANSIENT = "transient"
    RESYNC = "resync"
    PROTOCOL = "protocol"


@attrs.frozen
class Judgement:
    verdict: Verdict
    code: str = ""
    message: str = ""
    items: tuple[Any, ...] = ()

    @property
    def evidence_outcome(self) -> str:
        """The outcome word of the evidence record: ok, rejected:CODE, unknown:WHY, error:…"""
        if self.verdict is Verdict.OK:
            return "ok"
        if self.verdict in (Verdict.REJECTED, Verdict.RESYNC):
            return f"rejected:{self.code}"
        if self.verdict is Verdict.UNKNOWN:
            return f"unknown:{self.code or self.message}"
        if self.verdict is Verdict.TRANSIENT:
            return f"error:unavailable:{self.code or self.message}"
        return "error:protocol"


def write_outcome(judgement: Judgement, http_status: int | None, exchange_id: str) -> Outcome:
    """The domain outcome of a judged write."""
    if judgement.verdict is Verdict.OK:
        return Accepted(exchange_id)
    if judgement.verdict in (Verdict.REJECTED, Verdict.RESYNC):
        return Rejected(judgement.code, judgement.message, http_status)
    return Unknown(judgement.code or judgement.message)


def read_error(venue: str, judgement: Judgement, http_status: int | None,
               evidence: EvidenceRef) -> ExchangeError:
    """The ports error a failed read raises."""
    if judgement.verdict is Verdict.TRANSIENT:
        detail = f"{judgement.code}: {judgement.message}" if judgement.code else judgement.message
        return ExchangeUnavailable(f"{venue} unavailable ({detail})", evidence)
    if judgement.verdict is Verdict.PROTOCOL:
        return ExchangeProtocolError(judgement.message, evidence)
    return ExchangeRejected(judgement.code, judgement.message, http_status, evidence)
