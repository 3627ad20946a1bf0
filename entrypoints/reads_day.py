"""Read-only commands (`status`, `selfcheck` without orders) keep one run directory per UTC day
and venue: runs/<YYYYMMDD>_reads_<venue>/.

Each call is still a complete run of its own (every exchange call evidenced, hash-chained,
packaged, verifiable), written as a segment inside the day's directory, so `runs/` holds one
directory a day for them instead of one per call. The day's own SHA256SUMS.txt lists the
marker file and every finished segment's SHA256SUMS.txt (which covers every file of that
segment); it is rewritten, under a lock, each time a segment finishes. `verify DAY_DIR` checks
the day's sums and every segment.
"""

import fcntl
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.state.atomic import atomic_write_bytes, make_private_dirs

MARKER = "reads_day.json"
SUMS = "SHA256SUMS.txt"
LOCK = ".reads_day.lock"
INTACT, BROKEN, UNUSABLE, UNFINISHED = 0, 1, 2, 3
WORST = (BROKEN, UNUSABLE, UNFINISHED)  # the first of these found decides the exit code


def day_dir(runs_dir: Path, venue: str, now_s: float | None = None) -> Path:
    """Create (if needed) and return today's directory for the venue's read-only runs."""
    day = time.strftime("%Y%m%d", time.gmtime(now_s))
    path = runs_dir / f"{day}_reads_{venue}"
    make_private_dirs(path)
    with _locked(path):
        if not (path / MARKER).exists():
            doc = {"kind": "read-only runs of one UTC day", "day": day, "venue": venue,
                   "segments": "each subdirectory is one command's run"}
            atomic_write_bytes(path / MARKER, json.dumps(doc, sort_keys=True).encode() + b"\n")
    return path


def is_day(path: Path) -> bool:
    return (path / MARKER).is_file()


def seal(day: Path) -> None:
    """Rewrite the day's SHA256SUMS.txt over the marker and every packaged segment."""
    with _locked(day):
        lines = [f"{_sha256(day / MARKER)}  {MARKER}"]
        for segment in _segments(day):
            if (segment / SUMS).is_file():
                lines.append(f"{_sha256(segment / SUMS)}  {segment.name}/{SUMS}")
        atomic_write_bytes(day / SUMS, ("\n".join(lines) + "\n").encode())


def verify_day(day: Path, verify_run: Any) -> tuple[int, dict[str, Any], str]:
    """The day's sums, then each segment with verify_run (entrypoints/verify.py)."""
    problems = _index_problems(day)
    listed = _listed(day)
    segments = []
    for segment in _segments(day):
        code, payload, _human = verify_run(segment)
        if f"{segment.name}/{SUMS}" not in listed and code == INTACT:
            code = UNFINISHED  # packaged after the day was last sealed (or killed between)
            payload = {**payload, "status": "unfinished"}
        segments.append({"run_dir": str(segment), "status": payload.get("status"),
                         "exit_code": code})
    codes = {s["exit_code"] for s in segments} | ({BROKEN} if problems else set())
    code = next((c for c in WORST if c in codes), INTACT)
    status = {INTACT: "intact", BROKEN: "broken", UNUSABLE: "unusable",
              UNFINISHED: "unfinished"}[code]
    payload = {"command": "verify", "run_dir": str(day), "status": status, "kind": "reads_day",
               "index_problems": problems, "segments": segments, "exit_code": code,
               "exit": status.upper()}
    lines = [f"{day}: {status} ({len(segments)} read-only run(s) of the day)"]
    lines += [f"  index        {p}" for p in problems] or ["  index        SHA256SUMS.txt ok"]
    lines += [f"  {s['status']:<11}  {Path(s['run_dir']).name}"
              + ("" if s["exit_code"] == INTACT else f" (details: verify {s['run_dir']})")
              for s in segments]
    return code, payload, "\n".join(lines)


def _index_problems(day: Path) -> list[str]:
    if not (day / SUMS).is_file():
        return [f"{SUMS} missing: the day was never sealed"]
    problems = []
    for name, digest in _listed(day).items():
        target = day / name
        if not target.is_file():
            problems.append(f"{name} is listed but missing")
        elif _sha256(target) != digest:
            problems.append(f"{name} changed since the day was sealed")
    if MARKER not in _listed(day):
        problems.append(f"{MARKER} is not listed")
    return problems


def _listed(day: Path) -> dict[str, str]:
    try:
        text = (day / SUMS).read_text()
    except OSError:
        return {}
    found = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        if name:
            found[name] = digest
    return found


def _segments(day: Path) -> list[Path]:
    return sorted(p for p in day.iterdir() if p.is_dir())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def _locked(day: Path) -> Iterator[None]:
    with open(day / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
