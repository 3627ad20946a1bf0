"""What one run did to the state store's event log: kept in its manifest, checked by verify.

The event log is append-only, so a run's part of it is the bytes between where the log ended
(after its last complete line) when the run began and where it ended when the run finished.
The manifest keeps a mark of each end (size and SHA-256 of the log up to there) and the lines
in between as JSON objects; verify checks that those lines add up to the two marks and, given
the log, that the log still begins with exactly what the run saw at its end. The lines are
"appended while the run ran": another process on the same store (an engine holding it while
`status` reads) may have written some of them.
"""

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EVENTS_NAME = "events.jsonl"


def events_path_for(state_path: Path) -> Path:
    """Where the JSON store keeps its event log (beside the state file)."""
    return state_path.with_name(EVENTS_NAME)


def _complete(data: bytes) -> bytes:
    """Up to the last newline: a torn last line was never acknowledged (events.py)."""
    return data[:data.rfind(b"\n") + 1]


def _read(path: Path) -> bytes | None:
    try:
        return _complete(path.read_bytes())
    except FileNotFoundError:
        return b""
    except OSError:
        return None


def _mark(data: bytes) -> dict[str, Any]:
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def log_mark(path: Path) -> dict[str, Any] | None:
    """Size and SHA-256 of the log's complete lines (a missing log is empty); None when it
    cannot be read."""
    data = _read(path)
    return None if data is None else _mark(data)


def _line(obj: Any) -> bytes:
    # the encoding events.py writes each line with
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _decoded(line: bytes) -> Any:
    """A line as its JSON value, or (not JSON: kept for the auditor) its text without the
    newline, so span_problem adds up the same bytes."""
    try:
        return json.loads(line)
    except ValueError:
        return line.removesuffix(b"\n").decode("utf-8", "replace")


def log_since(path: Path, start: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The run's part of the log since the start mark: {at_start, appended, appended_sha256,
    at_end, rewritten}; rewritten (appended empty) when the log no longer begins as it did."""
    data = _read(path)
    if data is None or start is None:
        return None
    size = int(start.get("bytes", 0))
    rewritten = len(data) < size or _mark(data[:size]) != {
        "bytes": size, "sha256": start.get("sha256")}
    part = b"" if rewritten else data[size:]
    lines = part.splitlines(keepends=True)
    return {"at_start": {"bytes": size, "sha256": start.get("sha256")},
            "appended": [_decoded(line) for line in lines],
            "appended_sha256": hashlib.sha256(part).hexdigest(),
            "at_end": _mark(data), "rewritten": rewritten}


def span_problem(span: Mapping[str, Any]) -> str | None:
    """Do the recorded lines add up to the recorded marks? (the run directory alone)"""
    if span.get("rewritten"):
        return None  # nothing appended is claimed; verify warns about it
    appended = span.get("appended")
    if not isinstance(appended, list):
        return "appended is not a list"
    part = b"".join(_line(obj) if not isinstance(obj, str) else obj.encode() + b"\n"
                    for obj in appended)
    if hashlib.sha256(part).hexdigest() != span.get("appended_sha256"):
        return "the appended events do not hash to appended_sha256"
    start, end = span.get("at_start") or {}, span.get("at_end") or {}
    if start.get("bytes", 0) + len(part) != end.get("bytes"):
        return (f"at_start ({start.get('bytes')} bytes) plus the appended events "
                f"({len(part)} bytes) is not at_end ({end.get('bytes')} bytes)")
    return None


def log_problem(path: Path, span: Mapping[str, Any]) -> str | None:
    """Does the log at path still begin with what the run saw at its end, its own events
    where it says?"""
    data = _read(path)
    if data is None:
        return f"{path} cannot be read"
    end = span.get("at_end") or {}
    size = int(end.get("bytes", 0))
    if len(data) < size:
        return (f"{path} holds {len(data)} bytes of complete events; the run saw {size} at "
                "its end (events were removed)")
    if hashlib.sha256(data[:size]).hexdigest() != end.get("sha256"):
        start = int((span.get("at_start") or {}).get("bytes", 0))
        where = "before" if hashlib.sha256(data[:start]).hexdigest() != \
            (span.get("at_start") or {}).get("sha256") else "in"
        return (f"{path}: its first {size} bytes differ from what the run saw at its end "
                f"(changed {where} the run's own events, bytes {start}-{size})")
    return None
