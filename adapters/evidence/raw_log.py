"""The raw execution log: append-only, hash-chained JSONL, sharded by size, with an index.

Not thread-safe by itself: FileEvidenceSink serializes every call under its write lock.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from adapters.evidence.chain import GENESIS_HASH, line_hash, shard_name
from adapters.evidence.group_commit import AppendFile, GroupCommit
from adapters.evidence.index import (
    INDEX_NAME,
    INDEX_SCHEMA_VERSION,
    RawIndex,
    ShardEntry,
    encode_index,
)
from adapters.state.atomic import Fsync, atomic_write_bytes
from domain.evidence import EvidenceRef
from ports.clock import Clock


@attrs.define
class ShardStats:
    name: str
    first_seq: int
    last_seq: int = -1
    records: int = 0
    bytes: int = 0
    last_hash: str = ""


class RawLog:
    """Owns the shard files; each append gets the next seq and the previous line's hash."""

    def __init__(self, run_dir: Path, commit: GroupCommit, *, shard_bytes: int, fsync: Fsync,
                 clock: Clock, header: Mapping[str, Any]) -> None:
        if shard_bytes <= 0:
            raise ValueError(f"shard_bytes must be positive, got {shard_bytes}")
        self._dir = run_dir
        self._commit = commit
        self._shard_bytes = shard_bytes
        self._fsync = fsync
        self._clock = clock
        self._header = dict(header)  # contract_version and labels, first in the index
        self._shards: list[ShardStats] = []
        self._file: AppendFile | None = None
        self._next_seq = 0
        self._prev = GENESIS_HASH
        self._indexed_seq = -1  # the index on disk covers seqs up to this one

    def append(self, body: bytes) -> EvidenceRef:
        """Write one record; body is a serialized JSON object without seq and prev_hash."""
        if not body.startswith(b"{") or body == b"{}":
            raise ValueError("a raw record body must be a non-empty JSON object")
        seq = self._next_seq
        line = b'{"seq":%d,"prev_hash":"%s",' % (seq, self._prev.encode()) + body[1:]
        file, stats = self._shard_for(len(line) + 1)
        file.append(line + b"\n")
        self._prev = line_hash(line)
        self._next_seq += 1
        stats.last_seq, stats.last_hash = seq, self._prev
        stats.records += 1
        stats.bytes += len(line) + 1
        self._commit.mark_dirty(file)
        return EvidenceRef(stats.name, seq)

    @property
    def records(self) -> int:
        return self._next_seq

    def open_files(self) -> list[AppendFile]:
        return [self._file] if self._file else []

    def write_index(self) -> None:
        """Replace the index atomically if records were added since it was last written."""
        if self._indexed_seq == self._next_seq - 1 and (self._dir / INDEX_NAME).exists():
            return
        index = RawIndex(
            contract_version=self._header["contract_version"], labels=self._header["labels"],
            schema_version=INDEX_SCHEMA_VERSION, updated_ms=self._clock.now_ms(),
            genesis_hash=GENESIS_HASH, records=self._next_seq, last_seq=self._next_seq - 1,
            last_hash=self._prev, shards=tuple(ShardEntry(**attrs.asdict(s))
                                               for s in self._shards))
        atomic_write_bytes(self._dir / INDEX_NAME, encode_index(index), fsync=self._fsync)
        self._indexed_seq = self._next_seq - 1

    def close(self) -> None:
        if self._file:
            self._commit.retire(self._file)
            self._file = None

    def _shard_for(self, size: int) -> tuple[AppendFile, ShardStats]:
        full = self._file is not None and self._file.size + size > self._shard_bytes
        if self._file is None or (full and self._shards[-1].records > 0):
            self._rotate()
        assert self._file is not None
        return self._file, self._shards[-1]

    def _rotate(self) -> None:
        # the finished shard is made durable before the next one starts, so shards never
        # depend on each other's fsync order
        self.close()
        if self._shards:
            self.write_index()
        stats = ShardStats(shard_name(len(self._shards) + 1), first_seq=self._next_seq)
        path = self._dir / stats.name
        if path.exists():
            raise FileExistsError(f"{path} already exists: evidence is never appended to "
                                  "another run's log")
        self._file = AppendFile(path, self._fsync)
        self._shards.append(stats)
