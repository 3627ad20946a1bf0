"""Run directories and every evidence file in them are owner-only, like the state files."""

import stat
from pathlib import Path

from adapters.evidence import new_run_dir
from ports.evidence import SeedDocument
from tests.adapters.evidence.helpers import call, make_sink
from tests.fakes import FakeClock


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_file_a_packaged_run_holds_is_owner_only(tmp_path: Path, usual_umask: None) -> None:
    run_dir = new_run_dir(tmp_path / "runs" / "nested", FakeClock(), "probe")
    with make_sink(run_dir) as sink:
        sink.record_call(call(0))
        sink.write_document(SeedDocument.PUBLIC_TICKER_PROBE, {"ok": True})
        sink.append_document(SeedDocument.ORDER_STATUS_SAMPLES, {"state": "live"})
        sink.append_document(SeedDocument.PROBE_EXECUTION, {"call": "submit_order"})
        sink.write_text(SeedDocument.PROBE_REPORT, "report")
        sink.package()
    files = [p for p in run_dir.iterdir()]
    assert len(files) == 8
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert mode(run_dir) == mode(run_dir.parent) == mode(tmp_path / "runs") == 0o700


def test_an_existing_base_directory_keeps_its_mode(tmp_path: Path) -> None:
    base = tmp_path / "shared-runs"
    base.mkdir(mode=0o755)
    base.chmod(0o755)
    run_dir = new_run_dir(base, FakeClock(), "probe")
    assert mode(base) == 0o755 and mode(run_dir) == 0o700
