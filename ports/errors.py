"""Errors a port may raise on a read. Writes never raise these: they return an Outcome."""

from domain.evidence import EvidenceRef


class ExchangeError(Exception):
    """Root of exchange errors; carries the evidence record of the failed call when there is one."""

    def __init__(self, message: str, evidence: EvidenceRef | None = None) -> None:
        super().__init__(message)
        self.evidence = evidence


class ExchangeUnavailable(ExchangeError):
    """We could not ask: transport error, timeout, HTTP 5xx, busy. Nothing is known."""


class ExchangeRejected(ExchangeError):
    """The exchange answered with an error code (HTTP != 200, code != 0 or sCode != 0)."""

    def __init__(self, code: str, message: str, http_status: int | None = None,
                 evidence: EvidenceRef | None = None) -> None:
        super().__init__(f"exchange error {code}: {message} (HTTP {http_status})", evidence)
        self.code = code
        self.reason = message
        self.http_status = http_status


class ExchangeProtocolError(ExchangeError):
    """The exchange answered something we cannot parse (HTML, wrong shape, missing field)."""
