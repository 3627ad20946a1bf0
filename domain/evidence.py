"""A pointer from a domain value back to the evidence record that proves it."""

import hashlib

import attrs


@attrs.frozen
class EvidenceRef:
    """Where a fact was recorded: a file inside the run directory and the record's sequence."""

    path: str
    seq: int

    def __attrs_post_init__(self) -> None:
        if not self.path or self.seq < 0:
            raise ValueError(f"an evidence reference needs a path and seq >= 0, got {self!r}")

    def __str__(self) -> str:
        return f"{self.path}#{self.seq}"


def ord_id_hash(ord_id: str) -> str:
    """The stable, non-reversible stand-in for an exchange order id in shareable reports."""
    return hashlib.sha256(ord_id.encode("utf-8")).hexdigest()[:16]
