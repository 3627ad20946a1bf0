"""Hand-written fakes that satisfy the ports structurally and keep observable state."""

import asyncio
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain.evidence import EvidenceRef
from domain.logs import LogEvent
from domain.state import SymbolState
from ports.evidence import (
    ExchangeCallRecord,
    JsonValue,
    PackagedFile,
    PackageManifest,
    SeedDocument,
)


class FakeClock:
    """A virtual clock: sleep advances time instantly, so deadlines are tested without waiting."""

    def __init__(self, start_ms: int = 1_763_780_000_000) -> None:
        self._now_ms = start_ms
        self._mono = 1000.0
        self.sleeps: list[float] = []

    def now_ms(self) -> int:
        return self._now_ms

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._mono += seconds
        self._now_ms += round(seconds * 1000)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)


class InMemoryEvidenceSink:
    """Keeps every record and document in lists; run_dir is a path it never writes to
    unless package() is called."""

    def __init__(self, run_dir: Path | None = None) -> None:
        self._run_dir = run_dir or Path("/nonexistent/fake-run")
        self.records: list[ExchangeCallRecord] = []
        self.documents: dict[str, JsonValue] = {}
        self.appended: dict[str, list[JsonValue]] = {}
        self.texts: dict[str, str] = {}
        self.flushes = 0
        # a test sets it to make read_back fail (a disk that loses what it was given)
        self.lose_records = False

    @property
    def run_dir(self) -> Path:
        return self._run_dir

    def record_call(self, record: ExchangeCallRecord) -> EvidenceRef:
        self.records.append(record)
        return EvidenceRef("m_execution_raw_part_0001.jsonl", len(self.records) - 1)

    def write_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        self.documents[name.value] = document
        return EvidenceRef(name.value, 0)

    def append_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        rows = self.appended.setdefault(name.value, [])
        rows.append(document)
        return EvidenceRef(name.value, len(rows) - 1)

    def write_text(self, name: SeedDocument, text: str) -> EvidenceRef:
        self.texts[name.value] = text
        return EvidenceRef(name.value, 0)

    def flush(self) -> None:
        self.flushes += 1

    def read_back(self, ref: EvidenceRef) -> bool:
        # what record_call kept, once flushed
        return self.flushes > 0 and ref.seq < len(self.records) and not self.lose_records

    def package(self) -> PackageManifest:
        files = []
        for name, body in self._bodies().items():
            data = body.encode()
            files.append(PackagedFile(name, hashlib.sha256(data).hexdigest(), len(data)))
        return PackageManifest(self._run_dir, tuple(files))

    def _bodies(self) -> dict[str, str]:
        bodies = {k: json.dumps(v, default=str) for k, v in self.documents.items()}
        for k, rows in self.appended.items():
            bodies[k] = "".join(json.dumps(r, default=str) + "\n" for r in rows)
        bodies.update(self.texts)
        return bodies

    def records_for(self, endpoint_fragment: str) -> list[ExchangeCallRecord]:
        return [r for r in self.records if endpoint_fragment in r.endpoint]


class InMemoryStateStore:
    """A StateStore whose flush() snapshots the states, so tests can see what was durable."""

    def __init__(self, states: Mapping[str, SymbolState] | None = None) -> None:
        self.states: dict[str, SymbolState] = dict(states or {})
        self.flushed: dict[str, SymbolState] = dict(self.states)
        self.events: list[LogEvent] = []
        self.flush_count = 0
        self.loaded = False
        self.closed = False

    def load(self) -> None:
        self.loaded = True
        self.states = dict(self.flushed)

    def flush(self) -> None:
        self.flush_count += 1
        self.flushed = dict(self.states)

    def get_symbol_state(self, symbol: str) -> SymbolState:
        return self.states.get(symbol, SymbolState(symbol=symbol))

    def set_symbol_state(self, symbol: str, state: SymbolState) -> None:
        self.states[symbol] = state

    def append_event(self, event: LogEvent) -> None:
        self.events.append(event)

    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted(self.states))

    def close(self) -> None:
        self.closed = True

    def events_of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]
