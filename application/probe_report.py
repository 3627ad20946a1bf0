"""OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md (seed 000 §7): facts, hashes and field mappings only.

The report states what the evidence shows and where it is; it never grades the run.
"""

from decimal import Decimal
from pathlib import PurePath

import attrs

from application.contract_calls import (
    AccountConfigStep,
    CancelStep,
    ErrorSummary,
    InstrumentsStep,
    StatusStep,
    SubmitStep,
    TickerStep,
)
from application.probe_fill import ProbeFillClosed
from domain.evidence import ord_id_hash
from domain.orders import OrderStatus
from domain.outcome import Accepted, Rejected
from ports.evidence import PackageManifest, SeedDocument


@attrs.define
class ProbeFacts:
    """Everything the probe observed, step by step, for the report and the exit code."""

    inst_id: str
    instruments: InstrumentsStep | None = None
    ticker: TickerStep | None = None
    config: AccountConfigStep | None = None
    exists: bool | None = None
    state: str = ""
    px: Decimal | None = None
    px_source: str = ""
    bad_input: str = ""
    submit: SubmitStep | None = None
    resolved_status: OrderStatus | None = None
    unresolved_unknown: bool = False
    samples: list[StatusStep] = attrs.field(factory=list)
    cancel: CancelStep | None = None
    errors: list[tuple[str, ErrorSummary]] = attrs.field(factory=list)
    crossing: bool = False
    filled: Decimal = Decimal(0)
    fill_close: ProbeFillClosed | None = None

    @property
    def order_placed(self) -> bool:
        if self.submit is None:
            return False
        return isinstance(self.submit.placement.outcome, Accepted) or \
            self.resolved_status is not None

    @property
    def loop_closed(self) -> bool:
        return (self.order_placed and self.cancel is not None and self.cancel.ok
                and len(self.samples) >= 2 and all(s.ok for s in self.samples))

    def all_errors(self) -> list[tuple[str, ErrorSummary]]:
        found = list(self.errors)
        for name, step in (("public_instruments", self.instruments),
                           ("public_ticker", self.ticker),
                           ("read_account_config", self.config)):
            if step is not None and step.error is not None:
                found.append((name, step.error))
        found += [("get_order_status", s.error) for s in self.samples if s.error is not None]
        found += _write_errors(self.submit, self.cancel)
        return found


def _write_errors(submit: SubmitStep | None,
                  cancel: CancelStep | None) -> list[tuple[str, ErrorSummary]]:
    found = []
    for name, outcome, ref in (
            ("submit_order", submit.placement.outcome if submit else None,
             str(submit.placement.evidence) if submit else ""),
            ("cancel_order", cancel.result.outcome if cancel else None,
             str(cancel.result.evidence) if cancel else "")):
        if isinstance(outcome, Rejected):
            found.append((name, ErrorSummary("exchange_error", outcome.code, outcome.message,
                                             outcome.http_status, ref)))
    return found


def render_report(facts: ProbeFacts, manifest: PackageManifest) -> str:
    parts = [
        "# OKX PROBE minimal evidence report",
        "",
        "Labels: probe=true (ops-only; not part of any strategy evaluation).",
        "This report lists evidence files, field mappings and error evidence only.",
        "",
        *_files(manifest),
        *_selection(facts),
        *_order(facts),
        *_mapping(facts),
        *_errors(facts),
    ]
    return "\n".join(parts) + "\n"


def _files(manifest: PackageManifest) -> list[str]:
    skip = {SeedDocument.PROBE_REPORT.value, "SHA256SUMS.txt", "FILELIST.ls.txt"}
    # the raw log and the run manifest go on after this report (the run's closing record),
    # so a hash of them here would be stale by the time the run is packaged
    rows = [f"| `{f.path}` | {f.size} | `{f.sha256}` |" for f in manifest.files
            if f.path not in skip and not f.path.startswith(_GROWING)]
    return ["## Evidence files", "", "| file | bytes | sha256 |", "|---|---|---|", *rows,
            "", "The raw log (`m_execution_raw_*`) and `run_manifest.json` continue after this "
            "report with the run's closing record. SHA256SUMS.txt in this directory covers "
            "every file as the run ended, this report included.", ""]


_GROWING = ("m_execution_raw_", "run_manifest.json")


def _yes_no(value: bool | None) -> str:
    return "unknown (instruments call returned an error)" if value is None else \
        ("yes" if value else "no")


def _selection(facts: ProbeFacts) -> list[str]:
    cfg = facts.config
    return [
        "## Instrument selection (seed 000 §4.1)", "",
        f"- requested instId: `{facts.inst_id}`",
        f"- present in public/instruments (SWAP): {_yes_no(facts.exists)}",
        f"- state reported: `{facts.state or '-'}`",
        f"- state == live: {_yes_no(facts.state == 'live' if facts.exists else facts.exists)}",
        f"- order sent: {'yes' if facts.submit else 'no'}",
        f"- account posMode: `{cfg.pos_mode if cfg and cfg.config else '-'}`",
        "",
    ]


def _order(facts: ProbeFacts) -> list[str]:
    if facts.submit is None:
        lines = ["## Order", "", "No order was sent."]
        if facts.bad_input:
            lines.append(f"Input refused before sending: {facts.bad_input}")
        return [*lines, ""]
    p = facts.submit.placement
    return [
        "## Order", "",
        f"- price: `{facts.px}` ({facts.px_source})",
        f"- clOrdId: `{p.client_order_id}`",
        f"- ordId_hash: `{ord_id_hash(p.order_id) if p.order_id else '-'}`",
        f"- ack: code `{p.code or '-'}`, msg `{p.msg or '-'}`, sCode `{p.s_code or '-'}`, "
        f"sMsg `{p.s_msg or '-'}`, outcome `{p.status}`",
        # relative to the run directory (the files sit at its top): the report must read
        # the same on the machine that checks it as on the one that wrote it
        f"- ack evidence: `{PurePath(facts.submit.ack_evidence_path).name}`",
        f"- cancel: {_cancel_line(facts.cancel)}",
        *_fill_lines(facts),
        "",
    ]


def _fill_lines(facts: ProbeFacts) -> list[str]:
    if facts.filled == 0:
        return []
    close = facts.fill_close
    closed = close.closed if close else Decimal(0)
    ids = ", ".join(f"`{i}`" for i in close.client_ids) if close else "-"
    return [f"- filled: {facts.filled} (accFillSz); sold again reduce-only at market: {closed}"
            f" ({ids}){'; ' + close.reason if close and close.reason else ''}"]


def _cancel_line(cancel: CancelStep | None) -> str:
    if cancel is None:
        return "not sent"
    r = cancel.result
    disposition = r.disposition.value if r.disposition else "-"
    return f"outcome `{r.status}`, disposition `{disposition}`, evidence `{r.evidence}`"


def _mapping(facts: ProbeFacts) -> list[str]:
    rows = []
    for n, sample in enumerate(facts.samples, 1):
        s = sample.status
        if s is None:
            rows.append(f"| {n} | - | - | not found / no answer | - | - |")
            continue
        rows.append(f"| {n} | `{s.client_order_id}` | `{ord_id_hash(s.order_id)}` | "
                    f"{s.state.value} | {s.acc_fill_sz} | `{s.evidence or '-'}` |")
    return ["## Field mapping: clOrdId / ordId_hash ↔ state / accFillSz", "",
            "Samples from order_status_samples.json, in order.", "",
            "| # | clOrdId | ordId_hash | state | accFillSz | evidence |",
            "|---|---|---|---|---|---|", *rows, ""]


def _errors(facts: ProbeFacts) -> list[str]:
    errors = facts.all_errors()
    lines = ["## Error evidence", ""]
    if not errors:
        return [*lines, "No call returned an error.", ""]
    lines += ["| call | kind | HTTP status | code | message | evidence |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {call} | {e.kind} | {e.http_status or '-'} | {e.code or '-'} | "
              f"`{e.message}` | `{e.evidence or '-'}` |" for call, e in errors]
    inst_errors = [call for call, e in errors if e.code == "51001"]
    if inst_errors:
        lines += ["", "### 51001 (instrument ID does not exist)", "",
                  f"- instId `{facts.inst_id}` present in public/instruments: "
                  f"{_yes_no(facts.exists)}",
                  f"- state: `{facts.state or '-'}`; live: "
                  f"{_yes_no(facts.state == 'live' if facts.exists else facts.exists)}",
                  f"- call(s) answering 51001: {', '.join(inst_errors)}"]
    return [*lines, ""]
