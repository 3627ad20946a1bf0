"""verify's document checks: each seed document agrees with the raw records it was derived from.

The seed documents (public_instruments_probe.json, order_status_samples.json, ...) are summaries
written next to the hash-chained raw log, and every one names its record ("evidence_ref":
"m_execution_raw_part_0001.jsonl#7"). A summary edited after the fact, even one re-summed into
SHA256SUMS.txt, no longer says what its chained record says; this module finds that.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from adapters.evidence.derived_rules import RULES, Ref, Rule, selected_inst_rule
from adapters.evidence.findings import Finding, broken, crash
from ports.evidence import SeedDocument

CHECK = "documents"
RAW_REF = re.compile(r"^(m_execution_raw_part_\d{4,}\.jsonl)#(\d+)$")
JSON_LINES = {d.value for d in SeedDocument if d.append_only}
JSON_DOCS = {d.value for d in SeedDocument if d.value.endswith(".json") and not d.append_only}


@attrs.frozen
class Document:
    """One JSON document, or one line of a JSON Lines file."""

    file: str
    record: str  # "" for a whole document, "line N" for a JSON Lines entry
    body: dict[str, Any]


def load_documents(run_dir: Path, files: tuple[str, ...],
                   sealed: bool) -> tuple[list[Document], list[Finding]]:
    """Every seed JSON document present, parsed; unparseable ones are findings (a torn last
    line of an append-only file in an unpackaged run is what a crash leaves)."""
    docs: list[Document] = []
    found: list[Finding] = []
    for name in files:
        if name in JSON_DOCS:
            docs += _whole(run_dir, name, found)
        elif name in JSON_LINES:
            docs += _lines(run_dir, name, sealed, found)
    return docs, found


def _whole(run_dir: Path, name: str, found: list[Finding]) -> list[Document]:
    try:
        body = json.loads((run_dir / name).read_bytes())
    except ValueError as exc:
        found.append(broken(CHECK, name, f"not valid JSON: {exc}"))
        return []
    if not isinstance(body, dict):
        found.append(broken(CHECK, name, "not a JSON object"))
        return []
    return [Document(name, "", body)]


def _lines(run_dir: Path, name: str, sealed: bool, found: list[Finding]) -> list[Document]:
    data = (run_dir / name).read_bytes()
    parts = data.split(b"\n")
    docs = []
    for number, line in enumerate(parts, start=1):
        last = number == len(parts)
        if last and not line:
            break
        where = f"line {number}"
        if last:  # no newline after it: the append did not finish
            message = "torn last line (no newline): the write did not finish"
            found.append(broken(CHECK, name, message + " yet the run was packaged", where)
                         if sealed else crash(CHECK, name, message, where))
            break
        try:
            body = json.loads(line)
        except ValueError:
            found.append(broken(CHECK, name, "not a JSON line", where))
            continue
        if isinstance(body, dict):
            docs.append(Document(name, where, body))
        else:
            found.append(broken(CHECK, name, "not a JSON object", where))
    return docs


def wanted_seqs(docs: list[Document]) -> set[int]:
    """The raw records the documents name."""
    return {ref.seq for doc in docs for _, ref in _refs(doc.body)}


def check_documents(docs: list[Document],
                    records: dict[int, tuple[str, dict[str, Any]]]) -> list[Finding]:
    """Every evidence reference resolves to a record in the named shard, and every field the
    rules know agrees with that record."""
    found: list[Finding] = []
    for doc in docs:
        resolved: dict[str, dict[str, Any]] = {}
        for key, ref in _refs(doc.body):
            entry = records.get(ref.seq)
            if entry is None or entry[0] != ref.shard:
                found.append(broken(CHECK, doc.file, f"{key} {ref} names no record of the "
                                                     "hash-chained log", doc.record))
            else:
                resolved[key] = entry[1]
        rule = _rule_for(doc, docs)
        if rule is not None:
            found += [broken(CHECK, doc.file, problem, doc.record)
                      for problem in rule(doc.body, resolved, _instruments(docs, records))]
    return found


def _rule_for(doc: Document, docs: list[Document]) -> Rule | None:
    if doc.file == SeedDocument.PROBE_SELECTED_INST.value:
        return selected_inst_rule
    if doc.file in JSON_LINES:
        return RULES.get((doc.file, str(doc.body.get("call", ""))))
    return RULES.get((doc.file, ""))


def _instruments(docs: list[Document],
                 records: dict[int, tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    # probe_selected_inst.json is derived from the instruments call's record
    for doc in docs:
        if doc.file == SeedDocument.PUBLIC_INSTRUMENTS_PROBE.value:
            ref = _parse(doc.body.get("evidence_ref"))
            entry = records.get(ref.seq) if ref else None
            return entry[1] if entry and ref and entry[0] == ref.shard else None
    return None


def _refs(body: Any, path: str = "$") -> Iterator[tuple[str, Ref]]:
    # every "evidence_ref" string and "evidence_refs" list, at any depth
    if isinstance(body, dict):
        for key, value in body.items():
            here = f"{path}.{key}"
            if key == "evidence_ref" and (ref := _parse(value)):
                yield here, ref
            elif key == "evidence_refs" and isinstance(value, list):
                yield from ((f"{here}[{n}]", r) for n, v in enumerate(value)
                            if (r := _parse(v)))
            else:
                yield from _refs(value, here)
    elif isinstance(body, list):
        for n, value in enumerate(body):
            yield from _refs(value, f"{path}[{n}]")


def _parse(value: Any) -> Ref | None:
    match = RAW_REF.match(value) if isinstance(value, str) else None
    return Ref(match.group(1), int(match.group(2))) if match else None
