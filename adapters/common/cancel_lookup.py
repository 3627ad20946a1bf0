"""A refused order cancel, settled by asking (both venues). The exchange refuses to cancel an
order that has filled, was cancelled or never existed (each venue's CANCEL_LOOKUP_CODES), so
only a lookup by id says which: not there is NOT_FOUND and finished is ALREADY_TERMINAL
(both done, the lookup returned with it); still open is the refusal itself; a lookup that
fails leaves the cancel Unknown, never passed off as done."""

from collections.abc import Awaitable, Callable
from typing import Protocol

from adapters.common.judgement import Judgement
from domain.evidence import EvidenceRef
from domain.outcome import Accepted, Rejected, Unknown
from ports.errors import ExchangeError
from ports.exchange_types import CancelDisposition, CancelResult, OrderLookup


class Refusal(Protocol):
    """The refused cancel's answer (each venue's WriteAnswer)."""

    @property
    def judgement(self) -> Judgement: ...

    @property
    def http_status(self) -> int | None: ...

    @property
    def evidence(self) -> EvidenceRef: ...


async def settle_refused_cancel(lookup: Callable[[], Awaitable[OrderLookup]],
                                answer: Refusal, *, symbol: str, order_id: str | None,
                                cid: str | None) -> CancelResult:
    """lookup: the order's status by the ids the cancel named."""
    code, msg = answer.judgement.code, answer.judgement.message
    try:
        found = await lookup()
    except ExchangeError as exc:
        return CancelResult(Unknown(f"cancel refused {code}, lookup failed: {exc}"), None,
                            symbol, order_id or "", cid or "", None, answer.evidence)
    status = found.status
    if status is None:
        return CancelResult(Accepted(order_id or ""), CancelDisposition.NOT_FOUND, symbol,
                            order_id or "", cid or "", None, answer.evidence)
    if status.state.is_terminal:
        return CancelResult(Accepted(status.order_id), CancelDisposition.ALREADY_TERMINAL,
                            symbol, status.order_id, status.client_order_id, status,
                            answer.evidence)
    return CancelResult(Rejected(code, msg, answer.http_status), None, symbol,
                        status.order_id, status.client_order_id, status, answer.evidence)
