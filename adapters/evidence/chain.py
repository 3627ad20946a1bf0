"""The raw log's hash chain and its verifier.

Every raw record carries prev_hash, the SHA-256 of the previous record's serialized line (its
exact bytes without the newline), and the first carries GENESIS_HASH. Seq runs 0, 1, 2, … across
shards. Editing, deleting or reordering any record breaks the chain at the next record; editing
or truncating the tail is caught against the index, which stores each shard's last hash.
"""

import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

import attrs

from adapters.evidence.index import INDEX_NAME, IndexUnreadable, RawIndex, read_index

GENESIS_HASH = "0" * 64
RAW_PREFIX = "m_execution_raw_part_"
_SHARD_RE = re.compile(rf"^{RAW_PREFIX}(\d{{4,}})\.jsonl$")
TORN = "torn last line (no newline): the write did not finish"

__all__ = ["GENESIS_HASH", "INDEX_NAME", "RAW_PREFIX", "ChainBreak", "ChainReport",
           "line_hash", "list_shards", "shard_name", "verify_chain"]


def shard_name(number: int) -> str:
    """m_execution_raw_part_0001.jsonl for number 1."""
    return f"{RAW_PREFIX}{number:04d}.jsonl"


def line_hash(line: bytes) -> str:
    """The hash the next record's prev_hash must carry."""
    return hashlib.sha256(line).hexdigest()


def list_shards(run_dir: Path) -> list[tuple[int, Path]]:
    """Every shard file of the run, by number."""
    found = []
    for path in run_dir.iterdir():
        match = _SHARD_RE.match(path.name)
        if match and path.is_file():
            found.append((int(match.group(1)), path))
    return sorted(found)


@attrs.frozen
class ChainBreak:
    """The first record that does not follow from the one before it."""

    shard: str
    line: int  # 1-based line within the shard
    seq: int | None  # the seq the record should have had
    reason: str
    # the last line of the last shard, cut mid-write: what a killed process leaves
    torn: bool = False

    def __str__(self) -> str:
        return f"{self.shard} line {self.line} (expected seq {self.seq}): {self.reason}"


@attrs.frozen
class ChainReport:
    """What verify_chain found. ok means the chain is unbroken and agrees with the index."""

    records: int
    shards: tuple[str, ...]
    last_hash: str
    index_found: bool
    unindexed_records: int  # written after the index was last saved (a crash leaves these)
    first_break: ChainBreak | None
    # the records verify_chain was asked to keep, by seq: (shard name, parsed record)
    kept: dict[int, tuple[str, dict[str, Any]]] = attrs.field(factory=dict, eq=False)
    bytes_read: int = 0

    @property
    def ok(self) -> bool:
        return self.first_break is None

    def __str__(self) -> str:
        verdict = "chain intact" if self.ok else f"chain broken at {self.first_break}"
        index = (f"index found, {self.unindexed_records} record(s) after it" if self.index_found
                 else "no index")
        return f"{self.records} record(s) in {len(self.shards)} shard(s); {verdict}; {index}"


# called with (seq, shard name, line number, parsed record) for every record that chains
Inspect = Callable[[int, str, int, dict[str, Any]], None]


@attrs.define
class _Walk:
    keep: Collection[int]
    inspect: Inspect | None = None
    seq: int = 0
    prev: str = GENESIS_HASH
    bytes_read: int = 0
    # seq -> hash, kept only for the seqs the index names
    wanted: dict[int, str] = attrs.field(factory=dict)
    kept: dict[int, tuple[str, dict[str, Any]]] = attrs.field(factory=dict)


def verify_chain(run_dir: Path, keep: Collection[int] = (),
                 inspect: Inspect | None = None) -> ChainReport:
    """Re-read every shard in order and check seq continuity, each prev_hash and the index;
    the records whose seq is in keep are returned parsed (ChainReport.kept), and inspect sees
    every record as it is read."""
    shards = list_shards(run_dir)
    names = tuple(p.name for _, p in shards)
    try:
        index = read_index(run_dir)
    except IndexUnreadable as exc:
        return ChainReport(0, names, GENESIS_HASH, True, 0,
                           ChainBreak(INDEX_NAME, 0, None, f"index unreadable: {exc}"))
    walk = _Walk(keep, inspect, wanted={e.last_seq: "" for e in _entries(index)})
    found = _walk_shards(shards, walk)
    if found is None and index is not None:
        found = _check_index(index, names, walk)
    indexed = sum(e.records for e in _entries(index))
    return ChainReport(walk.seq, names, walk.prev, index is not None,
                       max(walk.seq - indexed, 0), found, walk.kept, walk.bytes_read)


def _entries(index: RawIndex | None) -> list[Any]:
    return [e for e in index.shards if e.records > 0] if index else []


def _walk_shards(shards: list[tuple[int, Path]], walk: _Walk) -> ChainBreak | None:
    for position, (number, path) in enumerate(shards, start=1):
        if number != position:
            return ChainBreak(shard_name(position), 0, walk.seq, "shard file missing")
        last_shard = position == len(shards)
        for line_no, line, torn in _lines(path, walk):
            if torn:
                return ChainBreak(path.name, line_no, walk.seq, TORN, torn=last_shard)
            problem, record = _check_record(line, walk)
            if problem:
                return ChainBreak(path.name, line_no, walk.seq, problem)
            if walk.seq in walk.keep:
                walk.kept[walk.seq] = (path.name, record)
            if walk.inspect is not None:
                walk.inspect(walk.seq, path.name, line_no, record)
            walk.prev = line_hash(line)
            if walk.seq in walk.wanted:
                walk.wanted[walk.seq] = walk.prev
            walk.seq += 1
    return None


def _lines(path: Path, walk: _Walk) -> Iterator[tuple[int, bytes, bool]]:
    data = path.read_bytes()
    walk.bytes_read += len(data)
    if not data:
        return
    lines = data.split(b"\n")
    for number, line in enumerate(lines[:-1], start=1):
        yield number, line, False
    if lines[-1]:
        yield len(lines), lines[-1], True


def _check_record(line: bytes, walk: _Walk) -> tuple[str, dict[str, Any]]:
    try:
        record = json.loads(line)
    except ValueError:
        return "not a JSON line", {}
    if not isinstance(record, dict):
        return "not a JSON object", {}
    if record.get("seq") != walk.seq:
        return f"seq is {record.get('seq')!r}: a record is missing, duplicated or moved", record
    if record.get("prev_hash") != walk.prev:
        return (f"prev_hash does not match the preceding record (seq {walk.seq - 1}): "
                "that record was altered, or one is missing"), record
    return "", record


def _check_index(index: RawIndex, names: tuple[str, ...], walk: _Walk) -> ChainBreak | None:
    for entry in _entries(index):
        if entry.name not in names:
            return ChainBreak(entry.name, 0, entry.first_seq,
                              "shard listed in the index is missing")
        if entry.last_seq >= walk.seq:
            return ChainBreak(entry.name, 0, entry.last_seq,
                              f"the index lists seq {entry.last_seq} but the log ends at "
                              f"{walk.seq - 1}: records were removed from the end")
        if walk.wanted.get(entry.last_seq) != entry.last_hash:
            return ChainBreak(entry.name, 0, entry.last_seq, "the record's hash differs from the "
                                                             "index: it was altered after the "
                                                             "index was written")
    return None
