"""Every run the code writes, in every form (errors, refusals, unknown outcomes, a fill),
verifies intact; and the error forms are cross-checked against their records too."""

import json
import shutil
from pathlib import Path

import pytest

from adapters.evidence.audit import audit_run
from tests.schemas.samples import Samples
from tests.verify.tamper import edit_json, resum


def test_every_sample_run_verifies_intact(samples: Samples) -> None:
    for run in samples.run_dirs:
        report = audit_run(run)
        assert report.status == "intact", (run.name, [str(f) for f in report.findings])


def _run_with(samples: Samples, name: str, **match: object) -> Path:
    for run in samples.run_dirs:
        path = run / name
        if path.is_file():
            doc = json.loads(path.read_text())
            if all(doc.get(k) == v for k, v in match.items()):
                return run
    raise LookupError(f"no sample run has {name} with {match}")


@pytest.mark.parametrize(("name", "field", "value", "words"), [
    ("public_ticker_probe.json", "code", "51000",
     "error.code is '51000' but record seq {seq} says ['51001']"),
    ("public_ticker_probe.json", "http_status", 500,
     "error.http_status is 500 but record seq {seq} says 200"),
    ("account_config_snapshot.json", "code", "50001",
     "error.code is '50001' but record seq {seq} says ['500']"),
    ("public_instruments_probe.json", "http_status", 200,
     "error.http_status is 200 but record seq {seq} says 500"),
])
def test_an_edited_error_disagrees_with_the_record_it_names(
        samples: Samples, tmp_path: Path, name: str, field: str, value: object,
        words: str) -> None:
    source = _run_with(samples, name, ok=False)
    run = tmp_path / source.name
    shutil.copytree(source, run)
    doc = json.loads((run / name).read_text())
    seq = int(doc["error"]["evidence_ref"].split("#")[1])
    error = {**doc["error"], field: value}
    edit_json(run / name, "error", error)
    resum(run)
    report = audit_run(run)
    problems = [str(f) for f in report.findings if f.check == "documents"]
    assert report.status == "broken"
    assert any(p.endswith(words.format(seq=seq)) for p in problems), problems


def test_an_error_that_names_a_successful_record_is_caught(samples: Samples,
                                                          tmp_path: Path) -> None:
    source = _run_with(samples, "public_ticker_probe.json", ok=True)
    run = tmp_path / source.name
    shutil.copytree(source, run)
    doc = json.loads((run / "public_ticker_probe.json").read_text())
    failed = {k: v for k, v in doc.items() if k not in ("instId", "last", "bidPx", "askPx",
                                                         "ts", "evidence_ref")}
    failed.update(ok=False, error={"kind": "unavailable", "code": "", "message": "timeout",
                                   "http_status": None, "evidence_ref": doc["evidence_ref"]})
    (run / "public_ticker_probe.json").write_text(json.dumps(failed, indent=2) + "\n")
    resum(run)
    seq = int(doc["evidence_ref"].split("#")[1])
    problems = [f.message for f in audit_run(run).findings if f.check == "documents"]
    assert problems == [f"reports a failure, but record seq {seq} is a success"], problems


def test_an_error_naming_a_record_that_is_not_there_is_named_not_a_crash(
        samples: Samples, tmp_path: Path) -> None:
    source = _run_with(samples, "public_ticker_probe.json", ok=False)
    run = tmp_path / source.name
    shutil.copytree(source, run)
    doc = json.loads((run / "public_ticker_probe.json").read_text())
    edit_json(run / "public_ticker_probe.json", "error",
              {**doc["error"], "evidence_ref": "m_execution_raw_part_0001.jsonl#999"})
    resum(run)
    problems = [f.message for f in audit_run(run).findings if f.check == "documents"]
    assert problems == ["$.error.evidence_ref m_execution_raw_part_0001.jsonl#999 names no "
                        "record of the hash-chained log"]
