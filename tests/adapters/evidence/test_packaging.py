"""package(): FILELIST.ls.txt and a SHA256SUMS.txt that sha256sum -c accepts."""

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.evidence import EvidenceSinkClosed
from ports.evidence import SeedDocument
from tests.adapters.evidence.helpers import call, make_sink

needs_sha256sum = pytest.mark.skipif(shutil.which("sha256sum") is None,
                                     reason="coreutils sha256sum not installed")


def _filled_run(run_dir: Path) -> None:
    with make_sink(run_dir) as sink:
        sink.record_call(call(0))
        sink.write_document(SeedDocument.PUBLIC_INSTRUMENTS_PROBE, {"ok": True})
        sink.append_document(SeedDocument.ORDER_STATUS_SAMPLES, {"state": "live"})
        (run_dir / "sub").mkdir()
        (run_dir / "sub" / "notes.txt").write_text("operator notes\n")
        first = sink.package()
        sink.write_text(SeedDocument.PROBE_REPORT, f"sums at {first.sha256_of('FILELIST.ls.txt')}")
        sink.package()


def _sha256sum_check(run_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS.txt"], cwd=run_dir,
                          capture_output=True, text=True, check=False)


@needs_sha256sum
def test_sha256sum_accepts_the_package_and_rejects_a_tampered_file(tmp_path: Path) -> None:
    _filled_run(tmp_path)
    assert _sha256sum_check(tmp_path).returncode == 0
    doc = tmp_path / "public_instruments_probe.json"
    doc.write_text(doc.read_text().replace("true", "false"))
    failed = _sha256sum_check(tmp_path)
    assert failed.returncode != 0 and "public_instruments_probe.json: FAILED" in failed.stdout


def test_the_package_covers_every_file_and_the_manifest_agrees(tmp_path: Path) -> None:
    _filled_run(tmp_path)
    on_disk = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file())
    sums = (tmp_path / "SHA256SUMS.txt").read_text().splitlines()
    assert sorted(line.split("  ", 1)[1] for line in sums) == \
        [p for p in on_disk if p != "SHA256SUMS.txt"]
    listing = (tmp_path / "FILELIST.ls.txt").read_text().splitlines()
    assert listing[0].startswith("# prometheus-exec evidence contract_version=1")
    sizes = {path: size for size, path in (line.split("\t") for line in listing[1:])}
    assert sorted(sizes) == [p for p in on_disk if p not in ("SHA256SUMS.txt",
                                                             "FILELIST.ls.txt")]
    assert all(int(sizes[p]) == (tmp_path / p).stat().st_size for p in sizes)


def test_package_returns_each_files_hash_and_size(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        sink.record_call(call(0))
        manifest = sink.package()
    assert manifest.run_dir == tmp_path
    assert [f.path for f in manifest.files] == [
        "FILELIST.ls.txt", "SHA256SUMS.txt", "m_execution_raw_index.json",
        "m_execution_raw_part_0001.jsonl"]
    for f in manifest.files:
        data = (tmp_path / f.path).read_bytes()
        assert (f.sha256, f.size) == (hashlib.sha256(data).hexdigest(), len(data))


@needs_sha256sum
def test_a_file_name_sha256sum_must_escape_still_checks(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        (tmp_path / "odd\\name.txt").write_text("x")
        sink.package()
    assert (tmp_path / "SHA256SUMS.txt").read_text().count("\\") >= 2
    assert _sha256sum_check(tmp_path).returncode == 0


@needs_sha256sum
def test_check_sums_agrees_with_sha256sum_including_an_escaped_name(tmp_path: Path) -> None:
    from adapters.evidence import check_sums

    with make_sink(tmp_path) as sink:
        (tmp_path / "odd\\name.txt").write_text("x")
        sink.record_call(call(0))
        sink.package()
    count, problems = check_sums(tmp_path)
    assert problems == [] and _sha256sum_check(tmp_path).returncode == 0
    assert count == len((tmp_path / "SHA256SUMS.txt").read_text().splitlines())
    (tmp_path / "odd\\name.txt").write_text("y")
    (tmp_path / "FILELIST.ls.txt").unlink()
    _, problems = check_sums(tmp_path)
    assert sorted(problems) == ["FILELIST.ls.txt: missing", "odd\\name.txt: sha256 differs"]
    assert _sha256sum_check(tmp_path).returncode != 0


def test_closing_the_sink_packages_the_run(tmp_path: Path) -> None:
    from adapters.evidence.audit import audit_run

    with make_sink(tmp_path) as sink:
        sink.record_call(call(0))
        sink.append_document(SeedDocument.PROBE_EXECUTION, {"call": "note", "ok": True})
    assert (tmp_path / "SHA256SUMS.txt").is_file() and audit_run(tmp_path).status == "intact"


def test_a_write_after_a_package_removes_it_so_it_is_never_stale(tmp_path: Path) -> None:
    from adapters.evidence.audit import audit_run

    sink = make_sink(tmp_path)
    sink.record_call(call(0))
    sink.package()
    assert audit_run(tmp_path).status == "intact"
    sink.record_call(call(1))  # e.g. the run goes on after the probe's report
    assert not (tmp_path / "SHA256SUMS.txt").exists()
    assert not (tmp_path / "FILELIST.ls.txt").exists()
    assert audit_run(tmp_path).status == "unfinished"  # what a kill right now would leave
    sink.close()
    assert audit_run(tmp_path).status == "intact"


def test_a_sink_whose_evidence_could_not_be_made_durable_is_left_unpackaged(
        tmp_path: Path) -> None:
    from adapters.evidence import EvidenceWriteError

    broken_disk = False

    def fsync(fd: int) -> None:
        if broken_disk:
            raise OSError(5, "I/O error")

    sink = make_sink(tmp_path, fsync=fsync)
    sink.record_call(call(0))
    broken_disk = True
    with pytest.raises(EvidenceWriteError):
        sink.close()
    assert not (tmp_path / "SHA256SUMS.txt").exists()
    with pytest.raises(EvidenceSinkClosed):
        sink.record_call(call(1))
