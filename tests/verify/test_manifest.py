"""The run manifest (issue 10, seed 000 §6): what ran, written before the first exchange call,
chained as seq 0; the outcome the command printed and the end time, chained as the last
record; run_manifest.json agrees with both, and verify says so."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.evidence.audit import audit_run
from entrypoints.cli import app
from tests.adapters.evidence.helpers import call, make_sink
from tests.verify.tamper import edit_json, resum

RAW = "m_execution_raw_part_0001.jsonl"


def records(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / RAW).read_text().splitlines()]


def test_a_probe_runs_manifest_says_what_ran_and_what_it_printed(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["probe", "--out", str(tmp_path), "--json"])
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    run = Path(printed["run_dir"])
    manifest = json.loads((run / "run_manifest.json").read_text())
    assert manifest["command"] == "probe"
    assert manifest["argv"] == ["probe", "--out", str(tmp_path), "--json"]
    assert manifest["venue"] == "sim" and manifest["contract_version"] == "1"
    assert manifest["settings"]["credentials"] == "set"
    assert manifest["params"]["protection.stop_visibility_deadline_ms"] == "1000"
    assert manifest["engine_version"] and manifest["started_ms"] <= manifest["ended_ms"]
    assert manifest["outcome"] == printed and manifest["exit_code"] == printed["exit_code"] == 0
    chain = records(run)
    assert chain[0]["kind"] == "run_start" and manifest["start_record"] == f"{RAW}#0"
    assert chain[-1]["kind"] == "run_end" and manifest["end_record"] == f"{RAW}#{len(chain) - 1}"
    assert chain[-1]["response"]["outcome"] == printed
    assert all(r["kind"] not in ("run_start", "run_end") for r in chain[1:-1])
    assert chain[1]["kind"] == "rest"  # the first exchange call comes after the manifest
    assert audit_run(run).status == "intact"


def test_no_credential_reaches_the_manifest(tmp_path: Path) -> None:
    from tests.e2e.harness import KEY, PASSPHRASE, SECRET, world

    with world(tmp_path) as w:
        env = {**w.env(), "PROMETHEUS_VENUE": "okx-demo"}
        result = CliRunner().invoke(app, ["status", "--json"], env=env)
    run = Path(json.loads(result.stdout.strip().splitlines()[-1])["run_dir"])
    text = (run / "run_manifest.json").read_text() + (run / RAW).read_text()
    assert all(secret not in text for secret in (KEY, SECRET, PASSPHRASE))
    assert json.loads((run / "run_manifest.json").read_text())["settings"]["venue"] == "okx-demo"


@pytest.mark.parametrize(("key", "value"), [
    ("exit_code", 3), ("outcome", {"command": "probe", "exit_code": 0}),
    ("argv", ["probe", "--px", "1"]), ("ended_ms", 1), ("venue", "okx-live")])
def test_an_edited_manifest_disagrees_with_its_chained_records(run: Path, key: str,
                                                               value: Any) -> None:
    edit_json(run / "run_manifest.json", key, value)
    resum(run)
    report = audit_run(run)
    assert report.status == "broken" and report.first is not None
    assert report.first.file == "run_manifest.json" and key in report.first.message


def test_a_missing_manifest_is_named_when_the_chain_opens_with_one(run: Path) -> None:
    (run / "run_manifest.json").unlink()
    resum(run)
    report = audit_run(run)
    assert report.first is not None and report.first.file == "run_manifest.json"
    assert "missing" in report.first.message


def test_a_run_killed_before_its_end_is_unfinished_not_broken(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    sink.begin_run({"command": "open", "argv": ["open"], "venue": "sim", "settings": {
        "venue": "sim", "symbols": [], "state_path": "s", "runs_dir": "r", "rest_url": None,
        "ws_url": None, "demo": True, "td_mode": "cross", "write_deadline_ms": 5000,
        "credentials": "none"}, "params": {}, "engine_version": "0", "git": None, "pid": 1})
    sink.record_call(call(1))
    sink.flush()
    try:
        report = audit_run(tmp_path)  # what a SIGKILL right now would leave
        assert report.status == "unfinished", report.findings
        assert json.loads((tmp_path / "run_manifest.json").read_text())["end_record"] is None
    finally:
        sink.close()  # an embedder closing without an outcome still ends the manifest
    manifest = json.loads((tmp_path / "run_manifest.json").read_text())
    assert manifest["outcome"] is None and manifest["end_record"] == f"{RAW}#2"
    assert audit_run(tmp_path).status == "intact"


def test_the_manifest_must_open_the_run(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        sink.record_call(call(0))
        with pytest.raises(ValueError, match="first record"):
            sink.begin_run({"command": "late"})


def test_the_probe_report_names_evidence_relative_to_the_run_directory(run: Path) -> None:
    report = (run / "OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md").read_text()
    assert str(run.parent) not in report and "/" not in report.split("ack evidence:")[1][:60]
    assert "- ack evidence: `probe_execution.jsonl#" in report


def test_a_manifest_one_step_behind_its_chain_is_a_crash_unless_packaged(run: Path) -> None:
    # the sink appends the run_end record, then rewrites run_manifest.json: a kill in between
    from adapters.evidence.manifest import ENDING

    manifest = json.loads((run / "run_manifest.json").read_text())
    for key in ENDING:
        manifest[key] = None
    (run / "run_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    resum(run)
    assert audit_run(run).first.message.startswith("says the run has not ended")  # type: ignore[union-attr]
    assert audit_run(run).status == "broken"
    (run / "SHA256SUMS.txt").unlink()
    report = audit_run(run)
    assert report.status == "unfinished", report.findings


def _opened(run_dir: Path) -> Any:
    sink = make_sink(run_dir)
    sink.begin_run({"command": "test", "argv": None, "venue": "sim", "settings": {
        "venue": "sim", "symbols": [], "state_path": "s", "runs_dir": "r", "rest_url": None,
        "ws_url": None, "demo": True, "td_mode": "cross", "write_deadline_ms": 5000,
        "credentials": "none"}, "params": {}, "engine_version": "0", "git": None, "pid": 1})
    return sink


def test_a_second_run_start_or_a_record_after_the_run_end_is_broken(tmp_path: Path) -> None:
    from ports.evidence import ExchangeCallRecord

    with _opened(tmp_path / "two-starts") as sink:
        sink.record_call(ExchangeCallRecord("run_start", "run start", {}, None, "started", 1, 1.0))
    report = audit_run(tmp_path / "two-starts")
    assert [(f.file, f.record, f.message) for f in report.findings if f.check == "manifest"] == [
        (RAW, "seq 1", "a run_start record after the first: only seq 0 may open the run")]
    with _opened(tmp_path / "late") as sink:
        sink.record_call(ExchangeCallRecord("run_end", "run end", {}, {}, "ended", 1, 1.0))
        sink.record_call(call(2))
    report = audit_run(tmp_path / "late")
    messages = [(f.file, f.record, f.message) for f in report.findings
                if f.check == "manifest"]
    assert (RAW, "seq 1", "records follow this run_end record, which must close the run") \
        in messages
