"""FileEvidenceSink: the run directory's only writer (seed 000 §1.1, §5.3, §6).

Every line and document carries contract_version and the run labels (probe=true for the PROBE),
so no file of a run can be mistaken for another kind of run. Raw records go through RawLog
(hash-chained shards); seed documents are replaced atomically or appended as JSON Lines.
Safe to call from the event loop thread and from other threads at once.
"""

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from adapters.evidence.chain import list_shards
from adapters.evidence.group_commit import AppendFile, GroupCommit
from adapters.evidence.index import INDEX_NAME
from adapters.evidence.manifest import (
    ENDING,
    MANIFEST_NAME,
    MANIFEST_SCHEMA_VERSION,
    end_record,
    exit_code_of,
    start_record,
)
from adapters.evidence.packaging import FILELIST_NAME, SUMS_NAME, package_run, unseal
from adapters.evidence.raw_log import RawLog
from adapters.evidence.record_encoder import RecordEncoder, compact
from adapters.evidence.redact import Redactor
from adapters.evidence.run_dir import utc_iso_ms
from adapters.state.atomic import Fsync, atomic_write_bytes, make_private_dirs
from domain.evidence import EvidenceRef
from ports.clock import Clock
from ports.evidence import (
    CONTRACT_VERSION,
    ExchangeCallRecord,
    JsonValue,
    PackageManifest,
    SeedDocument,
)

DEFAULT_SHARD_BYTES = 8 * 1024 * 1024
log = logging.getLogger(__name__)
DEFAULT_FSYNC_INTERVAL_S = 0.010


class EvidenceSinkClosed(RuntimeError):
    """A write after close(): the run's evidence is already final."""


class FileEvidenceSink:
    """Writes one run's evidence into run_dir; see the module docstring."""

    def __init__(self, run_dir: Path, *, clock: Clock,
                 labels: Mapping[str, JsonValue] | None = None,
                 shard_bytes: int = DEFAULT_SHARD_BYTES,
                 fsync_interval_s: float = DEFAULT_FSYNC_INTERVAL_S,
                 contract_version: str = CONTRACT_VERSION,
                 secrets: Sequence[str] = (), fsync: Fsync = os.fsync) -> None:
        # checked before the fsync thread starts, so bad arguments leave nothing running
        if fsync_interval_s < 0 or shard_bytes <= 0:
            raise ValueError(f"need fsync_interval_s >= 0 and shard_bytes > 0, got "
                             f"{fsync_interval_s} and {shard_bytes}")
        make_private_dirs(run_dir)
        _refuse_earlier_evidence(run_dir)
        self._dir = run_dir
        self._clock = clock
        self._fsync = fsync
        self._redactor = Redactor(secrets)
        self._header = {"contract_version": contract_version,
                        "labels": self._redactor.clean_scrubbed(dict(labels or {}))}
        self._encoder = RecordEncoder(self._redactor, self._header)
        self._lock = threading.Lock()
        self._commit = GroupCommit(fsync_interval_s)
        self._raw = RawLog(run_dir, self._commit, shard_bytes=shard_bytes, fsync=fsync,
                           clock=clock, header=self._header)
        self._appended: dict[SeedDocument, tuple[AppendFile, int]] = {}
        self._closed = False
        self._sealed = False  # a package covers the run as it is now
        self._manifest: dict[str, Any] | None = None  # run_manifest.json, once begun
        self._closing: Callable[[], Mapping[str, Any]] | None = None

    @property
    def run_dir(self) -> Path:
        return self._dir

    def prepare_call(self, kind: str, endpoint: str, request: Mapping[str, JsonValue],
                     wall_ms: int, mono_s: float, clock_offset_ms: int) -> None:
        """Optional (adapters look for it): encode the part of a coming record that does not
        depend on the answer, e.g. while the answer is in flight. record_call writes the same
        line with or without it; nothing is written here."""
        self._encoder.prepare(kind, endpoint, request, wall_ms, mono_s, clock_offset_ms)

    def record_call(self, record: ExchangeCallRecord) -> EvidenceRef:
        """Append one raw exchange record (hash-chained, sharded); return where it went."""
        data = self._encoder.encode(record)
        with self._lock:
            self._writable()
            return self._raw.append(data)

    def begin_run(self, manifest: Mapping[str, JsonValue],
                  closing: Callable[[], Mapping[str, Any]] | None = None) -> EvidenceRef:
        """Open the run with its manifest, before any exchange call: seq 0 of the hash chain,
        and run_manifest.json. closing, when given, adds fields to the manifest's closing part
        when the run ends (what the state store then holds); it never stops the run ending."""
        self._closing = closing
        now = self._clock.now_ms()
        opening = {"schema_version": MANIFEST_SCHEMA_VERSION,
                   **self._redactor.clean(dict(manifest)),
                   "started_ms": now, "started_iso": utc_iso_ms(now)}
        data = self._encoder.encode(start_record(opening, now, self._clock.monotonic()))
        with self._lock:
            self._writable()
            if self._manifest is not None or self._raw.records:
                raise ValueError("the manifest opens a run: it must be its first record")
            ref = self._raw.append(data)
            self._manifest = {**opening, "start_record": str(ref), **dict.fromkeys(ENDING)}
            self._write_manifest_locked()
        return ref

    def write_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        """Write a seed-named JSON document, atomically replacing an earlier one."""
        if name.append_only or not name.value.endswith(".json"):
            raise ValueError(f"{name.value} is not a replaceable JSON document")
        text = json.dumps(self._stamp(document), ensure_ascii=False, allow_nan=False, indent=2)
        data = self._redactor.scrub_bytes(text.encode("utf-8") + b"\n")
        with self._lock:
            self._writable()
            atomic_write_bytes(self._dir / name.value, data, fsync=self._fsync)
        return EvidenceRef(name.value, 0)

    def append_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        """Append one JSON line to an append-only seed file; seq is its 0-based line index."""
        if not name.append_only:
            raise ValueError(f"{name.value} is not an append-only file")
        data = self._redactor.scrub_bytes(compact(self._stamp(document))) + b"\n"
        with self._lock:
            self._writable()
            file, count = self._appended.get(name) or (
                AppendFile(self._dir / name.value, self._fsync), 0)
            file.append(data)
            self._appended[name] = (file, count + 1)
            self._commit.mark_dirty(file)
        return EvidenceRef(name.value, count)

    def write_text(self, name: SeedDocument, text: str) -> EvidenceRef:
        """Write a seed-named text file (the report), with a trailing comment carrying labels."""
        if name.append_only or name.value.endswith((".json", ".jsonl")):
            raise ValueError(f"{name.value} is not a text document")
        footer = (f"<!-- contract_version={self._header['contract_version']} "
                  f"labels={json.dumps(self._header['labels'], sort_keys=True)} -->\n")
        body = text if text.endswith("\n") or not text else text + "\n"
        data = self._redactor.scrub(body + footer).encode("utf-8")
        with self._lock:
            self._writable()
            atomic_write_bytes(self._dir / name.value, data, fsync=self._fsync)
        return EvidenceRef(name.value, 0)

    def flush(self) -> None:
        """fsync everything written so far and rewrite the raw index."""
        with self._lock:
            if not self._closed:
                self._flush_locked()

    def read_back(self, ref: EvidenceRef) -> bool:
        """Read the raw record ref names back from its file (newest lines first: a check
        reads back what it just wrote)."""
        try:
            lines = (self._dir / ref.path).read_bytes().splitlines()
        except OSError:
            return False
        for line in reversed(lines):
            try:
                seq = json.loads(line).get("seq")
            except ValueError:
                return False
            if seq == ref.seq:
                return True
            if isinstance(seq, int) and seq < ref.seq:
                return False
        return False

    def package(self) -> PackageManifest:
        """Flush, then write FILELIST.ls.txt and SHA256SUMS.txt over every file of the run."""
        with self._lock:
            self._check_open()
            return self._package_locked()

    def close(self) -> None:
        """Flush, package (unless nothing changed since the last package) and close every
        file; later writes raise EvidenceSinkClosed. Every run is packaged when its sink
        closes; one whose evidence could not be made durable is left unpackaged."""
        with self._lock:
            if self._closed:
                return
            try:
                if self._manifest is not None and self._manifest["end_record"] is None:
                    self._end_locked(None)
                if not self._sealed:
                    self._package_locked()
            finally:
                self._closed = True
                try:
                    self._raw.close()
                    for file, _ in self._appended.values():
                        self._commit.retire(file)
                finally:
                    self._commit.stop()  # the fsync thread ends even if a last fsync failed

    def finish(self, outcome: Mapping[str, Any] | None) -> None:
        """End the run with what the command reported (the manifest's closing record), then
        close it, and so package it."""
        with self._lock:
            if not self._closed and self._manifest is not None \
                    and self._manifest["end_record"] is None:
                self._end_locked(outcome)
        self.close()

    def __enter__(self) -> "FileEvidenceSink":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _end_locked(self, outcome: Mapping[str, Any] | None) -> None:
        assert self._manifest is not None
        now = self._clock.now_ms()
        closing = {"outcome": self._redactor.clean(dict(outcome)) if outcome else None,
                   "exit_code": exit_code_of(outcome), "ended_ms": now,
                   "ended_iso": utc_iso_ms(now), **self._extra_closing()}
        self._writable()
        ref = self._raw.append(self._encoder.encode(end_record(closing, now,
                                                               self._clock.monotonic())))
        self._manifest.update(closing, end_record=str(ref))
        self._write_manifest_locked()

    def _extra_closing(self) -> dict[str, Any]:
        if self._closing is None:
            return {}
        try:
            extra = self._redactor.clean(dict(self._closing()))
        except Exception:  # the run's end is recorded whatever the state store does
            log.exception("the manifest's closing fields could not be read")
            return {}
        return {k: v for k, v in extra.items() if k in ENDING}

    def _write_manifest_locked(self) -> None:
        text = json.dumps(self._stamp(self._manifest), ensure_ascii=False, allow_nan=False,
                          indent=2)
        atomic_write_bytes(self._dir / MANIFEST_NAME,
                           self._redactor.scrub_bytes(text.encode("utf-8") + b"\n"),
                           fsync=self._fsync)

    def _package_locked(self) -> PackageManifest:
        self._flush_locked()
        header = (f"prometheus-exec evidence contract_version="
                  f"{self._header['contract_version']} "
                  f"labels={json.dumps(self._header['labels'], sort_keys=True)}")
        manifest = package_run(self._dir, header, self._fsync)
        self._sealed = True
        return manifest

    def _flush_locked(self) -> None:
        files = self._raw.open_files() + [f for f, _ in self._appended.values()]
        self._commit.sync_all(files)
        self._raw.write_index()

    def _writable(self) -> None:
        self._check_open()
        if self._sealed:
            unseal(self._dir, self._fsync)
            self._sealed = False

    def _check_open(self) -> None:
        if self._closed:
            raise EvidenceSinkClosed(f"the evidence sink for {self._dir} is closed")
        # once durability has failed, no further record may look durable
        self._commit.raise_if_failed()

    def _stamp(self, document: JsonValue) -> dict[str, Any]:
        if not isinstance(document, Mapping):
            raise TypeError(f"a seed document must be a JSON object, got {type(document)}")
        cleaned = self._redactor.clean(document)
        for key, ours in self._header.items():
            if key in cleaned and cleaned[key] != ours:
                raise ValueError(f"document sets {key}={cleaned[key]!r}; the sink writes {ours!r}")
        return {**self._header, **cleaned}


def _refuse_earlier_evidence(run_dir: Path) -> None:
    names = [INDEX_NAME, FILELIST_NAME, SUMS_NAME, MANIFEST_NAME,
             *(d.value for d in SeedDocument)]
    found = [n for n in names if (run_dir / n).exists()]
    found += [p.name for _, p in list_shards(run_dir)]
    if found:
        raise FileExistsError(f"{run_dir} already holds evidence ({', '.join(sorted(found))}); "
                              "every run writes into a new directory (new_run_dir)")
