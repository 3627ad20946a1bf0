"""`prometheus-exec verify RUN_DIR`: prove a run directory (adapters/evidence/audit.py).

Exit 0 intact, 1 broken (names the first broken file or record), 2 not a run directory,
3 unfinished: only what a process killed mid-run leaves (no package, a torn last line).
"""

import os
from pathlib import Path
from typing import Any

from adapters.evidence.audit import BROKEN, INTACT, AuditReport, NotARunDir, audit_run
from adapters.evidence.findings import Severity

EXIT = {INTACT: 0, BROKEN: 1}
UNUSABLE, UNFINISHED_EXIT = 2, 3
SHOWN = 20


def verify_run(run_dir: Path,
               events_log: Path | None = None) -> tuple[int, dict[str, Any], str]:
    # credentials this machine holds are looked for literally, besides redaction by name
    known = [os.environ.get(n, "") for n in ("OKX_API_KEY", "OKX_API_SECRET",
                                             "OKX_API_PASSPHRASE")]
    try:
        report = audit_run(run_dir, secrets=known, events_log=events_log)
    except NotARunDir as exc:
        payload = {"command": "verify", "run_dir": str(run_dir), "status": "unusable",
                   "error": str(exc), "exit_code": UNUSABLE, "exit": "UNUSABLE"}
        return UNUSABLE, payload, f"error: {exc}"
    code = EXIT.get(report.status, UNFINISHED_EXIT)
    payload = {**_payload(report, code),
               "events_log": str(events_log) if events_log is not None else None}
    return code, payload, _human(report, events_log)


def _payload(report: AuditReport, code: int) -> dict[str, Any]:
    chain = report.chain
    first = report.first
    return {"command": "verify", "run_dir": str(report.run_dir), "status": report.status,
            "first": first.as_json() if first else None,
            "findings": [f.as_json() for f in report.findings],
            "contract_version": report.contract_version,
            "packaged": report.sealed, "files": report.files, "documents": report.documents,
            "records": chain.records, "shards": list(chain.shards), "chain": str(chain),
            "chain_ok": chain.ok,
            "sum_problems": [str(f) for f in report.findings if f.check == "package"],
            "exit_code": code, "exit": report.status.upper()}


def _human(report: AuditReport, events_log: Path | None = None) -> str:
    problems = [f for f in report.findings if f.severity is not Severity.WARNING]
    warnings = [f for f in report.findings if f.severity is Severity.WARNING]
    checked = {f.check for f in problems}
    lines = [f"{report.run_dir}: {report.status}",
             f"  package      {'SHA256SUMS.txt and FILELIST.ls.txt' if report.sealed else 'none'}"
             f" over {report.files} file(s)",
             f"  chain        {report.chain}",
             f"  schemas      every file against schemas/v{report.contract_version}/"
             f"{_ok('schema', checked)}",
             f"  documents    {report.documents} checked against their raw records"
             f"{_ok('documents', checked)}",
             f"  manifest     run_manifest.json against its run_start / run_end records"
             f"{_ok('manifest', checked)}",
             f"  state        the event log span in the manifest"
             f"{f' and {events_log}' if events_log is not None else ''}"
             f"{_ok('state', checked)}",
             f"  credentials  none found{_ok('credentials', checked)}"
             if "credentials" not in checked else "  credentials  FOUND (see below)"]
    if report.first is not None:
        lines.append(f"  first        {report.first}")
    lines += [f"  {f.severity.value:<11}  [{f.check}] {f}" for f in problems[:SHOWN]]
    if len(problems) > SHOWN:
        lines.append(f"  … and {len(problems) - SHOWN} more (--json lists all)")
    lines += [f"  warning      [{f.check}] {f}" for f in warnings]
    return "\n".join(lines)


def _ok(check: str, failed: set[str]) -> str:
    return ": see below" if check in failed else ""
