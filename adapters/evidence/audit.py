"""verify: everything a run directory must show, checked without trusting the machine that
wrote it. Each check adds findings; the run is intact (none), unfinished (only what a killed
process leaves: no package, a torn last line, a stray temp file) or broken (anything else).

Checks, in the order findings are listed: the package (SHA256SUMS.txt and FILELIST.ls.txt
against exactly the files present), the hash chain and index, every file against its frozen
schema, the seed documents against the records they name, the manifest against its records,
credential material, modes.
"""

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from adapters.evidence.chain import RAW_PREFIX, ChainReport, verify_chain
from adapters.evidence.derived import Document, check_documents, load_documents, wanted_seqs
from adapters.evidence.findings import Finding, Severity, broken, crash
from adapters.evidence.index import INDEX_NAME
from adapters.evidence.manifest import MANIFEST_NAME
from adapters.evidence.manifest_check import RunEvents, check_manifest, end_seq, load_manifest
from adapters.evidence.package_check import RunFiles, check_modes, check_package
from adapters.evidence.schemas import (
    DOCUMENT_SCHEMAS,
    KNOWN_CONTRACTS,
    LINE_SCHEMAS,
    RAW_RECORD,
    schema_problem,
)
from adapters.evidence.secrets_scan import LiteralScan, unredacted
from adapters.evidence.state_check import check_state_events
from ports.evidence import SeedDocument

# what atomic_write_bytes leaves when killed between its temp file and the rename
_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")
_OURS = {INDEX_NAME, MANIFEST_NAME, *(d.value for d in SeedDocument)}
MAX_RECORD_FINDINGS = 20  # per check, so a wholly foreign log does not flood the report

INTACT, UNFINISHED, BROKEN = "intact", "unfinished", "broken"


class NotARunDir(ValueError):
    """Nothing in the directory was written by the engine's evidence sink."""


class UnknownContract(NotARunDir):
    """Written under a contract_version this verifier has no frozen schemas for."""


@attrs.frozen
class AuditReport:
    run_dir: Path
    findings: tuple[Finding, ...]
    sealed: bool
    files: int
    documents: int
    chain: ChainReport
    contract_version: str

    @property
    def status(self) -> str:
        severities = {f.severity for f in self.findings}
        return BROKEN if Severity.BROKEN in severities else \
            UNFINISHED if Severity.CRASH in severities else INTACT

    @property
    def first(self) -> Finding | None:
        """The first broken file or record (else the first crash remnant)."""
        for severity in (Severity.BROKEN, Severity.CRASH):
            found = next((f for f in self.findings if f.severity is severity), None)
            if found is not None:
                return found
        return None


@attrs.define
class _Records:
    """Looks at every chained record once, as the chain walk reads it."""

    contract: str
    events: RunEvents = attrs.field(factory=RunEvents)
    schema: list[Finding] = attrs.field(factory=list)
    secrets: list[Finding] = attrs.field(factory=list)

    def __call__(self, seq: int, shard: str, line: int, record: dict[str, Any]) -> None:
        self.events.see(seq, shard, record)
        where = f"line {line} (seq {seq})"
        if len(self.schema) < MAX_RECORD_FINDINGS and \
                (problem := schema_problem(self.contract, RAW_RECORD, record)):
            self.schema.append(broken("schema", shard, problem, where))
        if len(self.secrets) < MAX_RECORD_FINDINGS and (path := unredacted(record)):
            self.secrets.append(broken("credentials", shard, f"{path} is not redacted", where))


def audit_run(run_dir: Path, secrets: Iterable[str] = (),
              events_log: Path | None = None) -> AuditReport:
    """Every check over run_dir. Raises NotARunDir when it holds no evidence at all, and
    UnknownContract when it was written under a contract_version unknown here. secrets: literal
    credentials to look for (e.g. the verifier's own OKX_* environment); events_log: the state
    store's event log, checked against what the manifest says the run saw."""
    present = RunFiles.scan(run_dir)
    if not any(n in _OURS or n.startswith(RAW_PREFIX) for n in present.files):
        raise NotARunDir(f"{run_dir} holds no evidence of a run (no raw log, index, manifest "
                         "or seed document)")
    contract = _contract_of(run_dir, present)
    sealed, found = check_package(run_dir, present)
    if not sealed:
        found += [crash("package", name, "left by an atomic write that did not finish")
                  for name in present.files if _TEMP.match(name)]
    docs, doc_problems = load_documents(run_dir, present.files, sealed)
    manifest, manifest_problems = load_manifest(run_dir)
    keep = wanted_seqs(docs) | {0} | {s for s in [end_seq(manifest)] if s is not None}
    records = _Records(contract)
    chain = verify_chain(run_dir, keep=keep, inspect=records)
    found += _chain_findings(chain, sealed)
    found += _schema_findings(run_dir, present, docs, contract) + records.schema
    found += doc_problems + check_documents(docs, chain.kept)
    found += manifest_problems + check_manifest(manifest, records.events, chain.records,
                                                chain.kept, sealed)
    found += check_state_events(manifest, events_log)
    found += _credential_findings(run_dir, present, docs, manifest, LiteralScan(secrets)) + \
        records.secrets
    found += check_modes(run_dir, present)
    return AuditReport(run_dir, tuple(found), sealed, len(present.files), len(docs), chain,
                       contract)


def _contract_of(run_dir: Path, present: RunFiles) -> str:
    for name in (MANIFEST_NAME, INDEX_NAME):
        if name in present.files:
            try:
                value = json.loads((run_dir / name).read_bytes()).get("contract_version")
            except (ValueError, AttributeError):
                continue
            if isinstance(value, str):
                return _known(value, run_dir)
    return KNOWN_CONTRACTS[-1]


def _known(contract: str, run_dir: Path) -> str:
    if contract not in KNOWN_CONTRACTS:
        raise UnknownContract(f"{run_dir} was written under contract_version {contract!r}; "
                              f"this engine knows {', '.join(KNOWN_CONTRACTS)}: verify it with "
                              "an engine that does")
    return contract


def _chain_findings(chain: ChainReport, sealed: bool) -> list[Finding]:
    found = []
    brk = chain.first_break
    if brk is not None:
        where = f"line {brk.line}" if brk.line else ""
        if brk.torn and not sealed:
            found.append(crash("chain", brk.shard, brk.reason, where))
        else:
            packaged = " yet the run was packaged" if brk.torn else ""
            found.append(broken("chain", brk.shard, brk.reason + packaged, where))
    elif sealed and chain.unindexed_records:
        found.append(broken("chain", INDEX_NAME, f"{chain.unindexed_records} record(s) follow "
                                                 "the index, yet packaging rewrites the index "
                                                 "first: records were added afterwards"))
    return found


def _schema_findings(run_dir: Path, present: RunFiles, docs: list[Document],
                     contract: str) -> list[Finding]:
    found = []
    for name in (MANIFEST_NAME, INDEX_NAME):
        if name in present.files:
            try:
                document = json.loads((run_dir / name).read_bytes())
            except ValueError:
                continue  # reported by the manifest and chain checks
            if problem := schema_problem(contract, DOCUMENT_SCHEMAS[name], document):
                found.append(broken("schema", name, problem))
    for doc in docs:
        schema = DOCUMENT_SCHEMAS.get(doc.file) or LINE_SCHEMAS.get(doc.file)
        if schema and (problem := schema_problem(contract, schema, doc.body)):
            found.append(broken("schema", doc.file, problem, doc.record))
    return found


def _credential_findings(run_dir: Path, present: RunFiles, docs: list[Document],
                         manifest: dict[str, Any] | None, scan: LiteralScan) -> list[Finding]:
    found = []
    for name in present.files:
        if problem := scan.problem((run_dir / name).read_bytes()):
            found.append(broken("credentials", name, problem))
    if manifest is not None and (path := unredacted(manifest)):
        found.append(broken("credentials", MANIFEST_NAME, f"{path} is not redacted"))
    for doc in docs:
        if path := unredacted(doc.body):
            found.append(broken("credentials", doc.file, f"{path} is not redacted", doc.record))
    return found
