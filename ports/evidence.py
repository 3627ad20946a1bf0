"""EvidenceSink: the only writer of a run directory (seed 000 §1.1, §5.3, §6)."""

import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from domain.evidence import EvidenceRef

CONTRACT_VERSION = "1"

JsonValue = Any


class SeedDocument(enum.Enum):
    """Files seed 000 names; their schemas are frozen (seed 000 §8): only add fields."""

    PUBLIC_INSTRUMENTS_PROBE = "public_instruments_probe.json"
    PUBLIC_TICKER_PROBE = "public_ticker_probe.json"
    ACCOUNT_CONFIG_SNAPSHOT = "account_config_snapshot.json"
    ORDER_STATUS_SAMPLES = "order_status_samples.json"
    PROBE_SELECTED_INST = "probe_selected_inst.json"
    PROBE_EXECUTION = "probe_execution.jsonl"
    PROBE_REPORT = "OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md"
    # extension: the incident record of `halt` / `resume` (seed 000 §6 STOP names no file)
    INCIDENT_RECORD = "incident_record.json"

    @property
    def append_only(self) -> bool:
        return self in (SeedDocument.ORDER_STATUS_SAMPLES, SeedDocument.PROBE_EXECUTION)


@attrs.frozen
class ExchangeCallRecord:
    """One exchange interaction as the adapter saw it. Secrets must already be redacted; the sink
    redacts known secret headers again before anything reaches disk."""

    kind: str
    endpoint: str
    request: Mapping[str, JsonValue]
    response: Mapping[str, JsonValue] | None
    outcome: str
    wall_ms: int
    mono_s: float
    clock_offset_ms: int = 0
    extra: Mapping[str, JsonValue] = attrs.field(factory=dict)


@attrs.frozen
class PackagedFile:
    path: str
    sha256: str
    size: int


@attrs.frozen
class PackageManifest:
    run_dir: Path
    files: tuple[PackagedFile, ...]

    def sha256_of(self, path: str) -> str | None:
        return next((f.sha256 for f in self.files if f.path == path), None)


# runtime-checkable for the container: Dependency(instance_of=...) checks it when wiring
@runtime_checkable
class EvidenceSink(Protocol):
    @property
    def run_dir(self) -> Path:
        """The directory this run writes into."""
        ...

    def record_call(self, record: ExchangeCallRecord) -> EvidenceRef:
        """Append one raw exchange record (hash-chained, sharded); return where it went."""
        ...

    def write_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        """Write a seed-named snapshot document (atomically replacing an earlier one)."""
        ...

    def append_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        """Append one record to an append-only seed-named file (JSON Lines)."""
        ...

    def write_text(self, name: SeedDocument, text: str) -> EvidenceRef:
        """Write a seed-named text file (the report)."""
        ...

    def flush(self) -> None:
        """Make everything written so far durable (fsync)."""
        ...

    def read_back(self, ref: EvidenceRef) -> bool:
        """After flush: is the raw record ref names readable from where it was written?"""
        ...

    def package(self) -> PackageManifest:
        """Flush, then write FILELIST.ls.txt and SHA256SUMS.txt over every file of the run."""
        ...
