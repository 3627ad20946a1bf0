"""The state store's event log in the manifest (issue 10): the lines a command appended,
between marks of the log at its start and end, chained in run_start / run_end; verify checks
they add up and, given the log (`--events`), that the log still holds them."""

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from entrypoints.cli import app
from tests.e2e.harness import world
from tests.verify.tamper import edit_json, resum

OPEN = ["open", "--symbol", "BTC-USDT-SWAP", "--side", "long", "--qty", "1", "--stop", "29000",
        "--tp1", "31000", "--tp1-qty", "0.5", "--tp2", "32000", "--tp2-qty", "0.25", "--json"]


def _two_runs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An open and then a close on one store: (open's run, close's run, the event log)."""
    config = tmp_path / "engine.toml"
    state = tmp_path / "state" / "state.json"
    config.write_text(f'runs_dir = "{tmp_path / "runs"}"\nstate_path = "{state}"\n')
    runs = []
    with world(tmp_path) as w:
        env = {**w.env(), "PROMETHEUS_VENUE": "okx-demo", "PROMETHEUS_CONFIG": str(config)}
        for argv in (OPEN, ["close", "--symbol", "BTC-USDT-SWAP", "--json"]):
            result = CliRunner().invoke(app, argv, env=env)
            assert result.exit_code == 0, result.output
            runs.append(Path(json.loads(result.stdout.strip().splitlines()[-1])["run_dir"]))
    return runs[0], runs[1], state.with_name("events.jsonl")


def _manifest(run: Path) -> dict[str, Any]:
    return dict(json.loads((run / "run_manifest.json").read_text()))


def _verify(run: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["verify", str(run), "--json", *extra])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_each_run_keeps_its_part_of_the_event_log_and_verify_checks_it(tmp_path: Path) -> None:
    opened, closed, log = _two_runs(tmp_path)
    first, second = _manifest(opened), _manifest(closed)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    opened_events = first["state_events"]["appended"]
    assert opened_events and opened_events == lines[:len(opened_events)]
    # the close starts where the open ended and appends the rest
    assert second["state_events_at_start"] == first["state_events"]["at_end"]
    assert opened_events + second["state_events"]["appended"] == lines
    assert first["state_at_end"]["symbols"]["BTC-USDT-SWAP"]["position_state"]["qty_open"] == "1"
    assert second["state_at_start"] == first["state_at_end"]
    for run in (opened, closed):
        code, payload = _verify(run, "--events", str(log))
        assert (code, payload["status"], payload["events_log"]) == (0, "intact", str(log))


def test_an_event_changed_or_removed_in_the_log_is_named(tmp_path: Path) -> None:
    opened, _, log = _two_runs(tmp_path)
    events = log.read_text().splitlines()
    edited = json.loads(events[0])
    edited["logged_ms"] = int(edited["logged_ms"]) + 1
    log.write_text("\n".join([json.dumps(edited, separators=(",", ":")), *events[1:]]) + "\n")
    code, payload = _verify(opened, "--events", str(log))
    assert (code, payload["first"]["check"], payload["first"]["file"]) == (
        1, "state", "events.jsonl")
    assert "changed in the run's own events" in payload["first"]["message"]
    assert _verify(opened)[0] == 0  # without the log, the run directory alone still holds
    log.write_text("")
    code, payload = _verify(opened, "--events", str(log))
    assert code == 1 and "events were removed" in payload["first"]["message"]


def test_an_appended_event_edited_in_the_manifest_and_its_record_is_caught(
        tmp_path: Path) -> None:
    opened, _, _ = _two_runs(tmp_path)
    records_path = opened / "m_execution_raw_part_0001.jsonl"
    records = [json.loads(line) for line in records_path.read_text().splitlines()]
    # both copies edited alike: the manifest agrees with its record, the span no longer adds up
    # (the chain breaks too, at the record edited)
    records[-1]["response"]["state_events"]["appended"][0]["symbol"] = "ETH-USDT-SWAP"
    records_path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n"
                                    for r in records))
    manifest = _manifest(opened)
    manifest["state_events"]["appended"][0]["symbol"] = "ETH-USDT-SWAP"
    edit_json(opened / "run_manifest.json", "state_events", manifest["state_events"])
    resum(opened)
    code, payload = _verify(opened)
    assert code == 1
    assert any(f["check"] == "state" and "appended_sha256" in f["message"]
               for f in payload["findings"])


def test_verify_refuses_an_events_path_that_is_not_a_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(tmp_path), "--events",
                                      str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2
