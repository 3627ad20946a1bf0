"""verify checks every file against its frozen schema, scans for credential material, and
refuses a run written under a contract_version it does not know."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.evidence.audit import audit_run
from entrypoints.cli import app
from tests.verify.tamper import edit_json, edit_json_line, line_of, resum

RAW = "m_execution_raw_part_0001.jsonl"


def test_a_retyped_field_edited_and_resummed_fails_its_schema(run: Path) -> None:
    edit_json(run / "public_ticker_probe.json", "ok", "true")
    resum(run)
    report = audit_run(run)
    schema = [f for f in report.findings if f.check == "schema"]
    assert schema and schema[0].file == "public_ticker_probe.json"
    assert "$.ok" in schema[0].message and "public_ticker_probe.schema.json" in schema[0].message


def test_a_removed_field_in_a_line_names_the_line(run: Path) -> None:
    number = line_of(run / "probe_execution.jsonl", call="submit_order")
    rows = (run / "probe_execution.jsonl").read_text().splitlines()
    doc = json.loads(rows[number - 1])
    del doc["ack_received"]
    rows[number - 1] = json.dumps(doc)
    (run / "probe_execution.jsonl").write_text("\n".join(rows) + "\n")
    resum(run)
    report = audit_run(run)
    (schema,) = [f for f in report.findings if f.check == "schema"]
    assert (schema.file, schema.record) == ("probe_execution.jsonl", f"line {number}")
    assert "'ack_received' is a required property" in schema.message


def test_an_unredacted_credential_in_a_document_is_found(run: Path) -> None:
    number = line_of(run / "order_status_samples.json", state="live")
    edit_json_line(run / "order_status_samples.json", number, "apiKey", "ak-live-1234567")
    resum(run)
    report = audit_run(run)
    (found,) = [f for f in report.findings if f.check == "credentials"]
    assert (found.file, found.record) == ("order_status_samples.json", f"line {number}")
    assert "$.apiKey is not redacted" in found.message


def test_a_literal_secret_of_the_verifiers_environment_is_found_anywhere(
        run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = run / "OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md"
    report.write_text(report.read_text() + "\nnote: s3cr3t-passphrase-9\n")
    resum(run)
    assert audit_run(run).status == "intact"  # nothing in the file looks like a credential
    monkeypatch.setenv("OKX_API_PASSPHRASE", "s3cr3t-passphrase-9")
    result = CliRunner().invoke(app, ["verify", str(run), "--json"])
    out = json.loads(result.stdout)
    assert result.exit_code == 1 and out["first"]["check"] == "credentials"
    assert out["first"]["file"] == report.name


def test_a_private_key_block_is_found(run: Path) -> None:
    (run / "notes.txt").write_text("-----BEGIN EC PRIVATE KEY-----\nabc\n"
                                   "-----END EC PRIVATE KEY-----\n")
    resum(run)
    (found,) = [f for f in audit_run(run).findings if f.check == "credentials"]
    assert found.file == "notes.txt" and "private key" in found.message


def test_a_run_of_a_newer_contract_version_is_refused_with_exit_2(run: Path) -> None:
    edit_json(run / "run_manifest.json", "contract_version", "2")
    result = CliRunner().invoke(app, ["verify", str(run), "--json"])
    out = json.loads(result.stdout)
    assert result.exit_code == 2 and "contract_version '2'" in out["error"]
