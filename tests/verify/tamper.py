"""Edits an attacker (or an accident) could make to a run directory."""

import hashlib
import json
from pathlib import Path
from typing import Any

from adapters.evidence.packaging import FILELIST_NAME, SUMS_NAME


def resum(run: Path) -> None:
    """Rewrite FILELIST.ls.txt and SHA256SUMS.txt to match the files as they are now."""
    names = sorted(p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()
                   and p.name not in (FILELIST_NAME, SUMS_NAME))
    header = (run / FILELIST_NAME).read_text().splitlines()[0]
    (run / FILELIST_NAME).write_text(header + "\n" + "".join(
        f"{(run / n).stat().st_size}\t{n}\n" for n in names))
    (run / SUMS_NAME).write_text("".join(
        f"{hashlib.sha256((run / n).read_bytes()).hexdigest()}  {n}\n"
        for n in sorted([*names, FILELIST_NAME])))


def flip_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


def edit_json(path: Path, key: str, value: Any) -> None:
    doc = json.loads(path.read_text())
    doc[key] = value
    path.write_text(json.dumps(doc, indent=2) + "\n")


def edit_json_line(path: Path, line: int, key: str, value: Any) -> None:
    rows = path.read_text().splitlines()
    doc = json.loads(rows[line - 1])
    doc[key] = value
    rows[line - 1] = json.dumps(doc, separators=(",", ":"))
    path.write_text("\n".join(rows) + "\n")


def line_of(path: Path, **match: Any) -> int:
    for number, row in enumerate(path.read_text().splitlines(), start=1):
        doc = json.loads(row)
        if all(doc.get(k) == v for k, v in match.items()):
            return number
    raise LookupError(f"no line of {path.name} has {match}")
