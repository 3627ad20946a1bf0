"""verify's state check over a manifest's event log span (adapters/evidence/state_check.py)."""

from pathlib import Path
from typing import Any

from adapters.evidence.findings import Severity
from adapters.evidence.state_check import check_state_events
from adapters.state.log_span import log_mark, log_since


def _run(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    log = tmp_path / "events.jsonl"
    log.write_bytes(b'{"type":"Old"}\n')
    start = log_mark(log)
    with log.open("ab") as f:
        f.write(b'{"type":"Ours"}\n')
    return {"state_events_at_start": start, "state_events": log_since(log, start)}, log


def test_an_intact_span_and_log_have_no_findings(tmp_path: Path) -> None:
    manifest, log = _run(tmp_path)
    assert check_state_events(manifest, log) == [] and check_state_events(manifest) == []
    assert check_state_events(None, log) == []


def test_a_manifest_without_a_span_is_a_warning_only_when_a_log_was_named(
        tmp_path: Path) -> None:
    assert check_state_events({}) == []
    (found,) = check_state_events({}, tmp_path / "events.jsonl")
    assert (found.severity, found.check, found.file) == (
        Severity.WARNING, "state", "run_manifest.json")
    assert found.message == ("holds no event log span (a run without a state store, "
                             "unfinished, or written before manifests kept one): the log is "
                             "not checked")


def test_a_span_starting_elsewhere_than_the_opening_mark_is_broken(tmp_path: Path) -> None:
    manifest, log = _run(tmp_path)
    manifest["state_events_at_start"] = {"bytes": 0, "sha256": "0" * 64}
    (found,) = check_state_events(manifest, log)  # the log is not read once the span is off
    assert (found.severity, found.check, found.file) == (
        Severity.BROKEN, "state", "run_manifest.json")
    assert found.message == "state_events.at_start differs from state_events_at_start"


def test_a_rewritten_log_is_a_warning_and_the_log_is_not_compared(tmp_path: Path) -> None:
    manifest, log = _run(tmp_path)
    manifest["state_events"] = {**manifest["state_events"], "rewritten": True}
    log.write_bytes(b"")
    (found,) = check_state_events(manifest, log)
    assert (found.severity, found.check, found.file) == (
        Severity.WARNING, "state", "run_manifest.json")
    assert found.message == ("the event log no longer began as it did when the run started: "
                             "its lines appended during the run are not known")


def test_a_span_that_does_not_add_up_names_why(tmp_path: Path) -> None:
    manifest, log = _run(tmp_path)
    manifest["state_events"]["appended"] = []
    (found,) = check_state_events(manifest, log)
    assert (found.severity, found.check, found.file) == (
        Severity.BROKEN, "state", "run_manifest.json")
    assert found.message.startswith("state_events: the appended events do not hash")
