"""The PROBE end to end: CLI on the embedded simulator, and the container on a controlled one."""

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from application.probe import ProbeExecution, ProbeRan, RunProbe
from entrypoints.cli import app
from entrypoints.container import Application
from tests.e2e.harness import world

SEED_DELIVERABLES = {
    "public_instruments_probe.json", "probe_selected_inst.json",
    "account_config_snapshot.json", "order_status_samples.json", "FILELIST.ls.txt",
    "SHA256SUMS.txt", "OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md", "probe_execution.jsonl",
    "m_execution_raw_part_0001.jsonl", "m_execution_raw_index.json"}


def invoke(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_the_cli_probe_on_the_embedded_simulator_leaves_a_checkable_package(
        tmp_path: Path) -> None:
    code, out = invoke("probe", "--out", str(tmp_path))
    assert code == 0 and out["loop_closed"] and out["venue"] == "sim"
    run_dir = Path(out["run_dir"])
    assert {p.name for p in run_dir.iterdir()} >= SEED_DELIVERABLES
    check = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS.txt"], cwd=run_dir,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    samples = (run_dir / "order_status_samples.json").read_text().splitlines()
    assert len(samples) >= 2
    for line in (run_dir / "m_execution_raw_part_0001.jsonl").read_text().splitlines():
        assert json.loads(line)["labels"]["probe"] is True
    code, verified = invoke("verify", str(run_dir))
    assert code == 0 and verified["chain_ok"] and not verified["sum_problems"]


def test_verify_notices_an_edited_evidence_file(tmp_path: Path) -> None:
    code, out = invoke("probe", "--out", str(tmp_path))
    raw = Path(out["run_dir"]) / "m_execution_raw_part_0001.jsonl"
    raw.write_text(raw.read_text().replace('"GET"', '"PUT"', 1))
    code, verified = invoke("verify", out["run_dir"])
    assert code == 1 and not verified["chain_ok"]


@pytest.mark.parametrize(("inst", "exists", "state"), [
    ("LTC-USDT-SWAP", True, "suspend"), ("NOPE-USDT-SWAP", False, "")])
def test_a_probe_on_a_suspended_or_unknown_instrument_places_nothing_and_packages(
        tmp_path: Path, inst: str, exists: bool, state: str) -> None:
    with world(tmp_path) as w:
        async def body(c: Application) -> ProbeRan:
            use_case: ProbeExecution = c.use_cases.probe()
            return await use_case.execute(RunProbe(inst, "pz1"))
        ran = w.run(body, prefix="probe", labels={"probe": True}, uses_store=False)
        assert not ran.order_placed
        assert not w.sim.core.state.orders and w.sim.violations() == []
    run_dir = Path(ran.run_dir)
    selected = json.loads((run_dir / "probe_selected_inst.json").read_text())
    assert (selected["exists"], selected["state"], selected["selected"]) == (exists, state, False)
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS.txt"], cwd=run_dir,
                          capture_output=True).returncode == 0
    ticker = json.loads((run_dir / "public_ticker_probe.json").read_text())
    report = (run_dir / "OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md").read_text()
    if not exists:
        assert ticker["error"]["code"] == "51001"
        assert "### 51001" in report and "present in public/instruments" in report


def test_the_probe_sends_no_auth_header_to_public_endpoints(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        async def body(c: Application) -> ProbeRan:
            use_case: ProbeExecution = c.use_cases.probe()
            return await use_case.execute(RunProbe("BTC-USDT-SWAP", "pz2"))
        ran = w.run(body, prefix="probe", labels={"probe": True}, uses_store=False)
        assert ran.loop_closed and w.sim.violations() == []
        public = [r for r in w.sim.requests() if "/public/" in str(r["path"])
                  or "/market/" in str(r["path"])]
        headers = [r["headers"] for r in public]
        assert public and all(isinstance(h, list) for h in headers)
        assert not any(name.lower().startswith("ok-access")
                       for h in headers if isinstance(h, list) for name in h)
