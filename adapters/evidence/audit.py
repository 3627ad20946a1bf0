"""verify: everything a run directory must show, checked without trusting the machine that
wrote it. Each check adds findings; the run is intact (none), unfinished (only what a killed
process leaves: no package, a torn last line, a stray temp file) or broken (anything else).
"""

import re
from pathlib import Path

import attrs

from adapters.evidence.chain import RAW_PREFIX, ChainReport, verify_chain
from adapters.evidence.derived import check_documents, load_documents, wanted_seqs
from adapters.evidence.findings import Finding, Severity, broken, crash
from adapters.evidence.index import INDEX_NAME
from adapters.evidence.package_check import RunFiles, check_modes, check_package
from ports.evidence import SeedDocument

# what atomic_write_bytes leaves when killed between its temp file and the rename
_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")
_OURS = {INDEX_NAME, *(d.value for d in SeedDocument)}

INTACT, UNFINISHED, BROKEN = "intact", "unfinished", "broken"


class NotARunDir(ValueError):
    """Nothing in the directory was written by the engine's evidence sink."""


@attrs.frozen
class AuditReport:
    run_dir: Path
    findings: tuple[Finding, ...]
    sealed: bool
    files: int
    documents: int
    chain: ChainReport

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


def audit_run(run_dir: Path) -> AuditReport:
    """Every check over run_dir; raises NotARunDir when it holds no evidence at all."""
    present = RunFiles.scan(run_dir)
    if not any(n in _OURS or n.startswith(RAW_PREFIX) for n in present.files):
        raise NotARunDir(f"{run_dir} holds no evidence of a run (no raw log, index or seed "
                         "document)")
    sealed, found = check_package(run_dir, present)
    if not sealed:
        found += [crash("package", name, "left by an atomic write that did not finish")
                  for name in present.files if _TEMP.match(name)]
    docs, doc_problems = load_documents(run_dir, present.files, sealed)
    chain = verify_chain(run_dir, keep=wanted_seqs(docs))
    found += _chain_findings(chain, sealed)
    found += doc_problems
    found += check_documents(docs, chain.kept)
    found += check_modes(run_dir, present)
    return AuditReport(run_dir, tuple(found), sealed, len(present.files), len(docs), chain)


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
