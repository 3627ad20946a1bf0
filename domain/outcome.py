"""What a write to the exchange came to. Unknown is its own case, never folded into the others."""

import attrs


@attrs.frozen
class Accepted:
    """The exchange acknowledged the request (sCode 0). Not a fill: fills are observed apart."""

    exchange_id: str


@attrs.frozen
class Rejected:
    """The exchange answered and refused: HTTP != 200, code != 0 or sCode != 0, raw code kept."""

    code: str
    message: str
    http_status: int | None = None


@attrs.frozen
class Unknown:
    """No conclusive answer (timeout, reset, 5xx, busy): look the id up, never assume."""

    reason: str


Outcome = Accepted | Rejected | Unknown
