"""The raw log's hash chain and its verifier.

Every raw record carries prev_hash, the SHA-256 of the previous record's serialized line (its
exact bytes without the newline), and the first carries GENESIS_HASH. Seq runs 0, 1, 2, … across
shards. Editing, deleting or reordering any record breaks the chain at the next record; editing
or truncating the tail is caught against the index, which stores each shard's last hash.
"""

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

GENESIS_HASH = "0" * 64
RAW_PREFIX = "m_execution_raw_part_"
INDEX_NAME = "m_execution_raw_index.json"
_SHARD_RE = re.compile(rf"^{RAW_PREFIX}(\d{{4,}})\.jsonl$")


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

    @property
    def ok(self) -> bool:
        return self.first_break is None

    def __str__(self) -> str:
        verdict = "chain intact" if self.ok else f"chain broken at {self.first_break}"
        index = (f"index found, {self.unindexed_records} record(s) after it" if self.index_found
                 else "no index")
        return f"{self.records} record(s) in {len(self.shards)} shard(s); {verdict}; {index}"


@attrs.define
class _Walk:
    seq: int = 0
    prev: str = GENESIS_HASH
    # seq -> hash, kept only for the seqs the index names
    wanted: dict[int, str] = attrs.field(factory=dict)


def verify_chain(run_dir: Path) -> ChainReport:
    """Re-read every shard in order and check seq continuity, each prev_hash and the index."""
    shards = list_shards(run_dir)
    names = tuple(p.name for _, p in shards)
    try:
        index = _read_index(run_dir)
    except ValueError as exc:
        return ChainReport(0, names, GENESIS_HASH, True, 0,
                           ChainBreak(INDEX_NAME, 0, None, f"index unreadable: {exc}"))
    walk = _Walk(wanted={e["last_seq"]: "" for e in index} if index else {})
    found = _walk_shards(shards, walk)
    if found is None and index is not None:
        found = _check_index(index, names, walk)
    indexed = sum(e["records"] for e in index) if index else 0
    return ChainReport(walk.seq, names, walk.prev, index is not None,
                       max(walk.seq - indexed, 0), found)


def _walk_shards(shards: list[tuple[int, Path]], walk: _Walk) -> ChainBreak | None:
    for position, (number, path) in enumerate(shards, start=1):
        if number != position:
            return ChainBreak(shard_name(position), 0, walk.seq, "shard file missing")
        for line_no, line, problem in _lines(path):
            found = problem or _check_record(line, walk)
            if found:
                return ChainBreak(path.name, line_no, walk.seq, found)
            walk.prev = line_hash(line)
            if walk.seq in walk.wanted:
                walk.wanted[walk.seq] = walk.prev
            walk.seq += 1
    return None


def _lines(path: Path) -> Iterator[tuple[int, bytes, str]]:
    data = path.read_bytes()
    if not data:
        return
    lines = data.split(b"\n")
    for number, line in enumerate(lines[:-1], start=1):
        yield number, line, ""
    if lines[-1]:
        yield len(lines), lines[-1], "torn last line (no newline): the write did not finish"


def _check_record(line: bytes, walk: _Walk) -> str:
    try:
        record = json.loads(line)
    except ValueError:
        return "not a JSON line"
    if not isinstance(record, dict):
        return "not a JSON object"
    if record.get("seq") != walk.seq:
        return f"seq is {record.get('seq')!r}: a record is missing, duplicated or moved"
    if record.get("prev_hash") != walk.prev:
        return (f"prev_hash does not match the preceding record (seq {walk.seq - 1}): "
                "that record was altered, or one is missing")
    return ""


def _check_index(index: list[dict[str, Any]], names: tuple[str, ...],
                 walk: _Walk) -> ChainBreak | None:
    for entry in index:
        name, last_seq = entry["name"], entry["last_seq"]
        if name not in names:
            return ChainBreak(name, 0, entry["first_seq"], "shard listed in the index is missing")
        if last_seq >= walk.seq:
            return ChainBreak(name, 0, last_seq,
                              f"the index lists seq {last_seq} but the log ends at "
                              f"{walk.seq - 1}: records were removed from the end")
        if walk.wanted.get(last_seq) != entry["last_hash"]:
            return ChainBreak(name, 0, last_seq, "the record's hash differs from the index: "
                                                 "it was altered after the index was written")
    return None


_INDEX_ENTRY_KEYS = {"name": str, "first_seq": int, "last_seq": int, "records": int,
                     "last_hash": str}


def _read_index(run_dir: Path) -> list[dict[str, Any]] | None:
    # None when there is no index yet (a crash before the first flush); ValueError if damaged
    path = run_dir / INDEX_NAME
    if not path.exists():
        return None
    document = json.loads(path.read_bytes())
    shards = document.get("shards") if isinstance(document, dict) else None
    if not isinstance(shards, list):
        raise ValueError("no shards list")
    for entry in shards:
        if not isinstance(entry, dict) or any(
                not isinstance(entry.get(k), t) for k, t in _INDEX_ENTRY_KEYS.items()):
            raise ValueError(f"malformed shard entry {entry!r}")
    return [s for s in shards if s["records"] > 0]
