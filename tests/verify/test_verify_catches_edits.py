"""verify must catch every edit (issue 8): a changed byte, a removed SHA256SUMS line, an added
file, a derived document edited and re-summed; and tell a crash's torn tail from tampering."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.evidence.audit import audit_run
from adapters.evidence.packaging import FILELIST_NAME, SUMS_NAME
from entrypoints.cli import app
from tests.verify.tamper import edit_json, edit_json_line, flip_byte, line_of, resum

RAW = "m_execution_raw_part_0001.jsonl"


def verify(run: Path) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["verify", str(run), "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_an_untouched_probe_run_is_intact(run: Path) -> None:
    code, out = verify(run)
    assert (code, out["status"], out["first"]) == (0, "intact", None)
    assert out["packaged"] and out["chain_ok"] and out["documents"] >= 8
    assert not [f for f in out["findings"] if f["severity"] != "warning"]


def test_every_file_with_one_byte_changed_is_named(run: Path) -> None:
    names = sorted(p.name for p in run.iterdir())
    assert len(names) >= 11
    for name in names:
        original = (run / name).read_bytes()
        for at in (0, len(original) // 2, -2):
            flip_byte(run / name, at)
            code, out = verify(run)
            assert code == 1 and out["status"] == "broken", (name, at)
            if name == "SHA256SUMS.txt":  # it vouches for the others: one of them disagrees
                assert "SHA256SUMS.txt" in out["first"]["message"] + out["first"]["file"]
            else:
                assert out["first"]["file"] == name, (name, at, out["first"])
            (run / name).write_bytes(original)
    assert verify(run)[0] == 0


def test_a_line_removed_from_sha256sums_names_the_unlisted_file(run: Path) -> None:
    rows = (run / SUMS_NAME).read_text().splitlines()
    kept = [r for r in rows if not r.endswith("order_status_samples.json")]
    assert len(kept) == len(rows) - 1
    (run / SUMS_NAME).write_text("\n".join(kept) + "\n")
    code, out = verify(run)
    assert code == 1
    assert out["first"]["file"] == "order_status_samples.json"
    assert "not listed in SHA256SUMS.txt" in out["first"]["message"]


def test_a_line_removed_from_the_filelist_and_resummed_is_named(run: Path) -> None:
    rows = (run / FILELIST_NAME).read_text().splitlines()
    (run / FILELIST_NAME).write_text("\n".join(r for r in rows
                                               if "account_config" not in r) + "\n")
    _resum_only_sums(run)
    code, out = verify(run)
    assert code == 1 and out["first"]["file"] == "account_config_snapshot.json"
    assert "not listed in FILELIST.ls.txt" in out["first"]["message"]


def test_a_wrong_size_in_the_filelist_is_named(run: Path) -> None:
    text = (run / FILELIST_NAME).read_text()
    size = (run / "public_ticker_probe.json").stat().st_size
    (run / FILELIST_NAME).write_text(text.replace(f"{size}\tpublic_ticker_probe.json",
                                                  f"{size + 1}\tpublic_ticker_probe.json"))
    _resum_only_sums(run)
    code, out = verify(run)
    assert code == 1 and out["first"]["file"] == "public_ticker_probe.json"
    assert f"{size} bytes, FILELIST.ls.txt says {size + 1}" in out["first"]["message"]


@pytest.mark.parametrize("name", ["notes.txt", "sub/extra.json", ".hidden"])
def test_an_added_file_is_named_even_if_resummed_only_partly(run: Path, name: str) -> None:
    (run / name).parent.mkdir(exist_ok=True)
    (run / name).write_text("added later\n")
    code, out = verify(run)
    assert code == 1 and out["first"]["file"] == name
    assert out["first"]["message"] == "present but not listed in SHA256SUMS.txt"


def test_a_listed_file_deleted_is_named(run: Path) -> None:
    (run / "probe_selected_inst.json").unlink()
    code, out = verify(run)
    assert code == 1 and out["first"]["file"] == "SHA256SUMS.txt"
    assert out["first"]["message"] == "lists probe_selected_inst.json, which is missing"


DERIVED_EDITS = [
    ("public_ticker_probe.json", "last", "31000", "last is '31000'"),
    ("public_ticker_probe.json", "askPx", "1", "askPx is '1'"),
    ("public_instruments_probe.json", "count", 5, "count is 5"),
    ("public_instruments_probe.json", "candidates", [], "candidates differ"),
    ("account_config_snapshot.json", "posMode", "long_short_mode", "posMode is"),
    ("probe_selected_inst.json", "state", "suspend", "state is 'suspend'"),
    ("probe_selected_inst.json", "exists", False, "exists is False"),
]


@pytest.mark.parametrize(("name", "key", "value", "words"), DERIVED_EDITS)
def test_a_derived_document_edited_and_resummed_disagrees_with_its_record(
        run: Path, name: str, key: str, value: object, words: str) -> None:
    edit_json(run / name, key, value)
    resum(run)
    code, out = verify(run)
    assert code == 1 and out["first"]["check"] == "documents"
    assert out["first"]["file"] == name and words in out["first"]["message"]


LINE_EDITS = [
    ("order_status_samples.json", {"state": "canceled"}, "state", "filled"),
    ("order_status_samples.json", {"state": "live"}, "accFillSz", "0.01"),
    ("order_status_samples.json", {"state": "live"}, "ordId_hash", "0" * 16),
    ("probe_execution.jsonl", {"call": "submit_order"}, "sCode", "51008"),
    ("probe_execution.jsonl", {"call": "submit_order"}, "px", "30000"),
    ("probe_execution.jsonl", {"call": "get_price_limit"}, "sellLmt", "1"),
    ("probe_execution.jsonl", {"call": "cancel_order"}, "ordId_hash", "f" * 16),
    ("probe_execution.jsonl", {"call": "submit_order"}, "evidence_ref", f"{RAW}#999"),
]


@pytest.mark.parametrize(("name", "match", "key", "value"), LINE_EDITS)
def test_a_derived_line_edited_and_resummed_is_named_with_its_line(
        run: Path, name: str, match: dict[str, Any], key: str, value: object) -> None:
    number = line_of(run / name, **match)
    edit_json_line(run / name, number, key, value)
    resum(run)
    code, out = verify(run)
    assert code == 1 and out["first"]["check"] == "documents"
    assert (out["first"]["file"], out["first"]["record"]) == (name, f"line {number}")


def test_a_raw_record_edited_and_resummed_breaks_the_chain_at_the_next_record(
        run: Path) -> None:
    rows = (run / RAW).read_bytes().split(b"\n")
    rows[3] = rows[3].replace(b'"GET"', b'"PUT"', 1)
    (run / RAW).write_bytes(b"\n".join(rows))
    resum(run)
    code, out = verify(run)
    assert code == 1 and (out["first"]["file"], out["first"]["record"]) == (RAW, "line 5")


def test_a_record_appended_and_resummed_is_caught_against_the_index(run: Path) -> None:
    rows = (run / RAW).read_bytes().rstrip(b"\n").split(b"\n")
    last = json.loads(rows[-1])
    from adapters.evidence.chain import line_hash

    extra = {**last, "seq": last["seq"] + 1, "prev_hash": line_hash(rows[-1])}
    (run / RAW).write_bytes(b"\n".join([*rows, json.dumps(extra).encode()]) + b"\n")
    resum(run)
    code, out = verify(run)
    assert code == 1 and out["first"]["file"] == "m_execution_raw_index.json"
    assert "follow the index" in out["first"]["message"]


def test_a_crash_tail_is_unfinished_not_broken(run: Path) -> None:
    # a run killed before packaging, mid-way through appending a record nothing names yet
    (run / SUMS_NAME).unlink()
    (run / FILELIST_NAME).unlink()
    (run / RAW).write_bytes((run / RAW).read_bytes() + b'{"seq":99,"prev_hash":"ab')
    code, out = verify(run)
    assert (code, out["status"]) == (3, "unfinished")
    assert {(f["check"], f["severity"]) for f in out["findings"]
            if f["severity"] != "warning"} == {("package", "crash"), ("chain", "crash")}
    torn = next(f for f in out["findings"] if f["check"] == "chain")
    assert torn["file"] == RAW and "torn last line" in torn["message"]


def test_a_torn_tail_in_a_packaged_run_is_tampering(run: Path) -> None:
    (run / RAW).write_bytes((run / RAW).read_bytes() + b'{"seq":99,"prev_hash":"ab')
    resum(run)
    code, out = verify(run)
    assert code == 1 and "yet the run was packaged" in out["first"]["message"]


def test_a_stray_temp_file_of_an_unpackaged_run_is_a_crash_remnant(run: Path) -> None:
    (run / SUMS_NAME).unlink()
    (run / ".public_ticker_probe.json.k2j3h4g5.tmp").write_text("{")
    report = audit_run(run)
    assert report.status == "unfinished"
    assert any(f.file.endswith(".tmp") and f.severity.value == "crash" for f in report.findings)


def test_a_group_writable_file_is_broken_and_a_readable_one_is_a_warning(run: Path) -> None:
    (run / "public_ticker_probe.json").chmod(0o644)
    code, out = verify(run)
    assert code == 0 and any(f["severity"] == "warning" and "0644" in f["message"]
                             for f in out["findings"])
    (run / "public_ticker_probe.json").chmod(0o664)
    code, out = verify(run)
    assert code == 1 and out["first"]["file"] == "public_ticker_probe.json"
    assert "writable by group or others (mode 0664)" in out["first"]["message"]


def test_a_directory_without_evidence_is_unusable(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    code, out = verify(tmp_path)
    assert code == 2 and "not a run directory" in out["error"]
    (tmp_path / "SHA256SUMS.txt").write_text("")  # passes the CLI's own first look
    code, out = verify(tmp_path)
    assert (code, out["status"]) == (2, "unusable") and "no evidence" in out["error"]


def _resum_only_sums(run: Path) -> None:
    import hashlib

    names = sorted(p.name for p in run.iterdir() if p.name != SUMS_NAME)
    (run / SUMS_NAME).write_text("".join(
        f"{hashlib.sha256((run / n).read_bytes()).hexdigest()}  {n}\n" for n in names))
