"""verify's manifest check: run_manifest.json says what the chain's run_start and run_end
records say, the run opens with the one and (once ended) closes with the other.

The sink appends each record before it writes the file, so a process killed in between leaves
the file one step behind the chain: no file yet, or a file that has not heard of the run_end.
In a run that was never packaged that is a crash remnant; in a packaged one it is tampering.
"""

import json
from pathlib import Path
from typing import Any

import attrs

from adapters.evidence.findings import Finding, broken, crash, warning
from adapters.evidence.manifest import END_KIND, ENDING, MANIFEST_NAME, START_KIND

CHECK = "manifest"


@attrs.define
class RunEvents:
    """The run_start / run_end records met while walking the chain."""

    starts: list[int] = attrs.field(factory=list)
    ends: list[int] = attrs.field(factory=list)
    shards: dict[int, str] = attrs.field(factory=dict)  # where each of those records is

    def see(self, seq: int, shard: str, record: dict[str, Any]) -> None:
        kind = record.get("kind")
        if kind == START_KIND:
            self.starts.append(seq)
        elif kind == END_KIND:
            self.ends.append(seq)
        else:
            return
        self.shards[seq] = shard


def load_manifest(run_dir: Path) -> tuple[dict[str, Any] | None, list[Finding]]:
    path = run_dir / MANIFEST_NAME
    if not path.is_file():
        return None, []
    try:
        document = json.loads(path.read_bytes())
    except ValueError as exc:
        return None, [broken(CHECK, MANIFEST_NAME, f"not valid JSON: {exc}")]
    if not isinstance(document, dict):
        return None, [broken(CHECK, MANIFEST_NAME, "not a JSON object")]
    return document, []


def end_seq(manifest: dict[str, Any] | None) -> int | None:
    ref = manifest.get("end_record") if manifest else None
    if isinstance(ref, str) and "#" in ref and ref.rsplit("#", 1)[1].isdigit():
        return int(ref.rsplit("#", 1)[1])
    return None


def check_manifest(manifest: dict[str, Any] | None, events: RunEvents, records: int,
                   kept: dict[int, tuple[str, dict[str, Any]]], sealed: bool) -> list[Finding]:
    found = [broken(CHECK, events.shards[s], "a run_start record after the first: only seq 0 "
                                             "may open the run", f"seq {s}")
             for s in events.starts if s != 0]
    found += [broken(CHECK, events.shards[s], "records follow this run_end record, which must "
                                              "close the run", f"seq {s}")
              for s in events.ends if s != records - 1]
    if manifest is None:
        if 0 in events.starts:
            behind = crash if not sealed else broken
            return [*found, behind(CHECK, MANIFEST_NAME, "missing, yet the chain opens with a "
                                                         "run_start record")]
        return [*found, warning(CHECK, ".", "no run manifest: the run was not opened by the "
                                            "engine's command lifecycle")]
    found += _opening(manifest, kept.get(0))
    return found + _closing(manifest, events, kept, sealed)


def _opening(manifest: dict[str, Any], entry: tuple[str, dict[str, Any]] | None) -> list[Finding]:
    if entry is None or entry[1].get("kind") != START_KIND:
        return [broken(CHECK, MANIFEST_NAME, "the chain does not open with its run_start record")]
    shard, record = entry
    opening = record.get("request") or {}
    differs = sorted(k for k, v in opening.items() if manifest.get(k) != v)
    if manifest.get("start_record") != f"{shard}#0":
        differs.append("start_record")
    return [broken(CHECK, MANIFEST_NAME, f"{', '.join(differs)} differ from the run_start "
                                         "record (seq 0)")] if differs else []


def _closing(manifest: dict[str, Any], events: RunEvents,
             kept: dict[int, tuple[str, dict[str, Any]]], sealed: bool) -> list[Finding]:
    seq = end_seq(manifest)
    if seq is None:
        if events.ends:
            behind = crash if not sealed else broken
            return [behind(CHECK, MANIFEST_NAME, f"says the run has not ended, but seq "
                                                 f"{events.ends[0]} is its run_end record")]
        return [broken(CHECK, MANIFEST_NAME, "the run was packaged but its manifest never "
                                             "ended")] if sealed else []
    entry = kept.get(seq)
    if entry is None or entry[1].get("kind") != END_KIND:
        return [broken(CHECK, MANIFEST_NAME, f"end_record names seq {seq}, which is not a "
                                             "run_end record of the chain")]
    shard, record = entry
    closing = {**(record.get("response") or {}), "end_record": f"{shard}#{seq}"}
    differs = sorted(k for k in ENDING if manifest.get(k) != closing.get(k))
    return [broken(CHECK, MANIFEST_NAME, f"{', '.join(differs)} differ from the run_end record "
                                         f"(seq {seq})")] if differs else []
