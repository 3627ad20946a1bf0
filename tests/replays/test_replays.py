"""The recorded sessions replayed as regression tests (issue 10): each must make exactly the
recorded exchange calls and end with the recorded outcome, offline; an edited recording or a
changed engine must be reported as a divergence naming the record."""

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from application.probe import RunProbe
from entrypoints.cli import app
from entrypoints.lifecycle import run
from entrypoints.replay import replay_run
from entrypoints.replay_context import ReplayContext
from tests.replays.conftest import SESSIONS, SESSIONS_DIR


def _records(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / "m_execution_raw_part_0001.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _rewrite(run_dir: Path, records: list[dict[str, Any]]) -> None:
    (run_dir / "m_execution_raw_part_0001.jsonl").write_text(
        "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))


def _first(records: list[dict[str, Any]], endpoint: str) -> dict[str, Any]:
    return next(r for r in records if r["endpoint"] == endpoint)


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any attempt to connect anywhere is recorded and refused."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("a replay must not open a connection")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.mark.parametrize("name", SESSIONS)
def test_each_recorded_session_is_reproduced_offline(name: str, no_sockets: list[Any]) -> None:
    code, payload, human = replay_run(SESSIONS_DIR / name)
    assert (code, payload["exit"]) == (0, "REPRODUCED"), human
    assert payload["divergence"] is None and payload["outcome_identical"]
    recorded = [r for r in _records(SESSIONS_DIR / name)
                if r["kind"] == "rest" and r["response"] is not None]
    assert payload["matched_calls"] == payload["recorded_calls"] == len(recorded) > 0
    assert no_sockets == []


def test_the_sessions_hold_the_faults_they_are_named_for() -> None:
    # the fixtures prove something only if the recorded exchange really did these things
    hidden = json.loads((SESSIONS_DIR / "open_stop_invisible" / "run_manifest.json").read_text())
    assert hidden["outcome"]["status"] == "flattened"
    assert hidden["outcome"]["position"]["cooldown_until"]["loss"] > 0
    dropped = _records(SESSIONS_DIR / "open_entry_dropped")
    lost = [r for r in dropped if r["endpoint"] == "POST /api/v5/trade/order"
            and r["response"].get("http_status") is None]
    assert lost and lost[0]["request"]["body"]["clOrdId"].startswith("pxENdropped1")
    opened = json.loads((SESSIONS_DIR / "open_entry_dropped" / "run_manifest.json").read_text())
    assert opened["outcome"]["status"] == "opened"
    watched = _records(SESSIONS_DIR / "watch_ws_drop")
    public = [r["request"]["state"] for r in watched if r["kind"] == "ws_state"
              and r["endpoint"] == "WS /ws/v5/public"]
    assert public.count("connected") == 2 and "disconnected" in public
    assert any(r["kind"] == "ws_in" for r in _records(SESSIONS_DIR / "selfcheck"))
    closed = json.loads((SESSIONS_DIR / "close_stored_position" / "run_manifest.json")
                        .read_text())
    stored = closed["state_at_start"]["symbols"]["BTC-USDT-SWAP"]["position_state"]
    assert stored["qty_open"] == "1" and closed["outcome"]["status"] == "closed"
    lost_binance = [r for r in _records(SESSIONS_DIR / "binance_open_entry_dropped")
                    if r["endpoint"] == "POST /fapi/v1/order"
                    and r["response"].get("http_status") is None]
    assert lost_binance and lost_binance[0]["request"]["params"]["newClientOrderId"] \
        .startswith("pxENbdrop1")
    first, second = _listen_keys(_records(SESSIONS_DIR / "binance_watch_key_expiry"))
    assert first != second


def _listen_keys(records: list[dict[str, Any]]) -> list[str]:
    """The fingerprints of the listen keys the recorded answers handed out, each checked to be
    the one the next user-stream SUBSCRIBE used."""
    keys: list[str] = []
    for record in records:
        if record["endpoint"] == "POST /fapi/v1/listenKey":
            keys.append(record["response"]["body"]["listenKey"])
        elif record["kind"] == "ws_out" and record["endpoint"] == "WS /private/stream":
            assert record["request"]["frame"]["params"] == [keys[-1]]
    return keys


def test_a_binance_subscribe_with_another_key_than_handed_out_is_a_divergence(
        session_copy: Callable[[str], Path]) -> None:
    # the recording holds only fingerprints; it still proves which key each SUBSCRIBE used:
    # recorded as subscribing the expired key again, the replay (which subscribes the new one
    # it was handed) must say where
    run_dir = session_copy("binance_watch_key_expiry")
    records = _records(run_dir)
    first, second = _listen_keys(records)
    resubscribe = [r for r in records if r["kind"] == "ws_out"
                   and r["endpoint"] == "WS /private/stream"][-1]
    resubscribe["request"]["frame"]["params"] = [first]
    _rewrite(run_dir, records)
    code, payload, human = replay_run(run_dir)
    assert (code, payload["exit"]) == (1, "DIVERGED"), human
    divergence = payload["divergence"]
    assert divergence["expected_seq"] == resubscribe["seq"]
    assert first in divergence["expected"] and second in divergence["actual"]


def test_a_replay_starts_from_the_state_the_command_found(
        session_copy: Callable[[str], Path]) -> None:
    # without the stored position the close has nothing of ours to close: it diverges
    run_dir = session_copy("close_stored_position")
    manifest = json.loads((run_dir / "run_manifest.json").read_text())
    manifest["state_at_start"] = None
    (run_dir / "run_manifest.json").write_text(json.dumps(manifest))
    code, payload, _ = replay_run(run_dir)
    assert (code, payload["exit"]) == (1, "DIVERGED")


def test_a_watch_replays_its_stream_loss_and_reconnect(no_sockets: list[Any]) -> None:
    code, payload, human = replay_run(SESSIONS_DIR / "watch_ws_drop")
    assert code == 0, human
    assert payload["ws_connections"] == 4  # three streams, then the public one again
    recorded = _records(SESSIONS_DIR / "watch_ws_drop")
    assert payload["ws_frames_sent"] == sum(r["kind"] == "ws_out" for r in recorded)
    assert no_sockets == []


def test_a_changed_ws_frame_is_a_divergence_naming_the_record(
        session_copy: Callable[[str], Path]) -> None:
    run_dir = session_copy("selfcheck")
    records = _records(run_dir)
    subscribe = next(r for r in records if r["kind"] == "ws_out"
                     and r["request"]["frame"].get("op") == "subscribe")
    subscribe["request"]["frame"]["args"][0]["channel"] = "bbo-tbt"
    _rewrite(run_dir, records)
    code, payload, _ = replay_run(run_dir)
    assert (code, payload["exit"]) == (1, "DIVERGED")
    assert payload["divergence"]["expected_seq"] == subscribe["seq"]
    assert "bbo-tbt" in payload["divergence"]["expected"]
    assert "bbo-tbt" not in payload["divergence"]["actual"]


def test_a_stream_the_engine_waits_on_in_vain_is_a_divergence(
        session_copy: Callable[[str], Path]) -> None:
    # the login answer of one stream removed: the engine waits for it, the recording has
    # nothing more for that connection
    run_dir = session_copy("selfcheck")
    records = _records(run_dir)
    login_ack = next(r for r in records if r["kind"] == "ws_in"
                     and r["response"]["frame"].get("event") == "login")
    _rewrite(run_dir, [r for r in records if r is not login_ack])
    code, payload, human = replay_run(run_dir)
    assert code == 1, human
    assert payload["divergence"] is not None


def test_the_cli_prints_reproduced_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code = get_command(app).main(["replay", str(SESSIONS_DIR / "open")], standalone_mode=False)
    out = capsys.readouterr().out
    calls = sum(1 for r in _records(SESSIONS_DIR / "open")
                if str(r.get("endpoint", "")).startswith(("GET ", "POST ")))
    assert code == 0 and out.startswith(f"reproduced: open made the same {calls} exchange calls")


def test_an_edited_answer_is_a_divergence_naming_the_record(
        session_copy: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = session_copy("probe")
    records = _records(run_dir)
    band = _first(records, "GET /api/v5/public/price-limit")
    item = band["response"]["body"]["data"][0]
    item["sellLmt"] = str(int(item["sellLmt"]) - 1000)  # the probe prices off this edge
    _rewrite(run_dir, records)
    order = _first(records, "POST /api/v5/trade/order")
    code = get_command(app).main(["replay", str(run_dir), "--json"], standalone_mode=False)
    payload = json.loads(capsys.readouterr().out)
    assert (code, payload["exit"]) == (1, "DIVERGED")
    divergence = payload["divergence"]
    assert divergence["expected_seq"] == order["seq"]
    assert divergence["expected_shard"] == "m_execution_raw_part_0001.jsonl"
    assert f'"px": "{order["request"]["body"]["px"]}"' in divergence["expected"]
    assert order["request"]["body"]["px"] not in divergence["actual"]
    assert "body.px" in divergence["message"]


def test_a_changed_engine_is_a_divergence(monkeypatch: pytest.MonkeyPatch) -> None:
    import application.probe as probe
    from domain.ids import client_id as original
    # an engine that numbers its first attempt 1 instead of 0
    monkeypatch.setattr(probe, "client_id", lambda intent, role, attempt=0:
                        original(intent, role, attempt + 1))
    code, payload, human = replay_run(SESSIONS_DIR / "probe")
    assert code == 1 and human.startswith("diverged: replay diverged at")
    assert "body.clOrdId" in payload["divergence"]["message"]
    assert payload["divergence"]["expected"].startswith("POST /api/v5/trade/order")


def test_a_call_missing_from_the_recording_is_a_divergence(
        session_copy: Callable[[str], Path]) -> None:
    run_dir = session_copy("probe")
    records = _records(run_dir)
    last_rest = [r for r in records if r["kind"] == "rest"][-1]
    _rewrite(run_dir, [r for r in records if r is not last_rest])
    code, payload, _ = replay_run(run_dir)
    assert (code, payload["exit"]) == (1, "DIVERGED")
    assert payload["divergence"]["expected_seq"] is None
    assert payload["divergence"]["actual"].startswith(last_rest["endpoint"])
    assert "the recording does not have" in payload["divergence"]["message"]


def test_a_different_outcome_alone_is_a_divergence(session_copy: Callable[[str], Path]) -> None:
    run_dir = session_copy("open")
    manifest = json.loads((run_dir / "run_manifest.json").read_text())
    manifest["outcome"]["position"]["entry_price"] = "30007"
    (run_dir / "run_manifest.json").write_text(json.dumps(manifest))
    code, payload, human = replay_run(run_dir)
    assert code == 1 and payload["divergence"] is None and not payload["outcome_identical"]
    assert payload["recorded_outcome"]["position"]["entry_price"] == "30007"
    assert payload["replayed_outcome"]["position"]["entry_price"] == "30006"
    assert "the outcome differs" in human


@pytest.mark.parametrize("edit, says", [
    ("missing", "does not exist"),
    ("empty", "is not a run directory"),
    ("contract", "contract_version '2'"),
    ("unfinished", "did not finish"),
    ("params", "parameters"),
])
def test_an_unusable_run_dir_exits_2_saying_why(edit: str, says: str, tmp_path: Path,
                                                session_copy: Callable[[str], Path]) -> None:
    run_dir = session_copy("open")
    manifest_path = run_dir / "run_manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if edit == "missing":
        run_dir = tmp_path / "nowhere"
    elif edit == "empty":
        run_dir = tmp_path / "empty"
        run_dir.mkdir()
    elif edit == "contract":
        manifest["contract_version"] = "2"
    elif edit == "unfinished":
        manifest["outcome"] = None
    elif edit == "params":
        manifest["params"]["protection.stop_visibility_deadline_ms"] = "lots"
    manifest_path.write_text(json.dumps(manifest))
    code, payload, human = replay_run(run_dir)
    assert (code, payload["exit"]) == (2, "UNUSABLE")
    assert says in payload["error"] and human.startswith("error: ")


def test_the_fixture_gives_a_container_on_the_recording(
        replayed: Callable[[str], tuple[Any, ReplayContext]], no_sockets: list[Any]) -> None:
    container, context = replayed("probe")
    intent = context.inputs["intent_id"]

    async def body(c: Any) -> Any:
        return await c.use_cases.probe().execute(RunProbe("BTC-USDT-SWAP", intent, None))
    ran = run(container, body, uses_store=False)
    assert ran.loop_closed and ran.order_placed
    assert context.matcher.finish() is None
    assert context.matcher.matched == len(context.recording.calls)
    assert no_sockets == []


def test_different_event_log_lines_alone_are_a_divergence(
        session_copy: Callable[[str], Path]) -> None:
    # the manifest keeps the event log lines the command appended; a replay must append the
    # same ones (an emergency flatten's RiskEvents here), not only make the same calls
    run_dir = session_copy("open_stop_invisible")
    manifest = json.loads((run_dir / "run_manifest.json").read_text())
    appended = manifest["state_events"]["appended"]
    assert [e["type"] for e in appended].count("RiskEvent") >= 1
    risk = next(e for e in appended if e["type"] == "RiskEvent")
    risk["reason"] = risk["reason"] + " (edited)"
    (run_dir / "run_manifest.json").write_text(json.dumps(manifest))
    code, payload, human = replay_run(run_dir)
    assert (code, payload["divergence"], payload["outcome_identical"]) == (1, None, True)
    assert payload["state_events_identical"] is False
    assert "event log lines differ" in human and "(edited)" in human


def _deadline_at_the_boundary(run_dir: Path, margin_s: float, rtt_s: float) -> dict[str, Any]:
    """Edit the recording of an invisible stop so that, taking the engine's own work as 0,
    the sentinel's last poll leaves margin_s before its deadline (one more poll), while the
    recorded engine gave up there: what a real engine whose work after that answer took more
    than margin_s does. The sentinel's rule (application/sentinel.py): after a poll asked at
    t0 and answered at t1, another is made only if deadline - t1 - (t1 - t0) > 0; the
    deadline is counted from the placement's answer."""
    manifest = json.loads((run_dir / "run_manifest.json").read_text())
    deadline_s = int(manifest["params"]["protection.stop_visibility_deadline_ms"]) / 1000
    records = _records(run_dir)
    placed = [r for r in records if r["endpoint"] == "POST /api/v5/trade/order-algo"][-1]
    flatten = next(r for r in records if r["seq"] > placed["seq"]
                   and r["endpoint"] == "POST /api/v5/trade/order")
    last = [r for r in records if placed["seq"] < r["seq"] < flatten["seq"]
            and r["endpoint"] == "GET /api/v5/trade/orders-algo-pending"][-1]
    deadline = placed["mono_s"] + placed["response"]["elapsed_ms"] / 1000 + deadline_s
    last["mono_s"] = deadline - margin_s - 2 * rtt_s
    last["response"]["elapsed_ms"] = rtt_s * 1000
    _rewrite(run_dir, records)
    # the flatten step's first call (a touch read for its slippage, then the order) is the
    # record a replay that polls once more diverges at
    return next(r for r in records if r["seq"] > last["seq"])


def test_a_deadline_settled_by_the_engines_own_work_is_reproduced_by_assuming_it(
        session_copy: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # the records hold when each call left and came back, not the engine's work in between:
    # 0.3 ms before the deadline, a replay assuming no work polls once more; assuming 0.5 ms
    # (ENGINE_WORK_S) it gives up and flattens as the recording did, and says what it assumed
    import entrypoints.replay as replay

    run_dir = session_copy("open_stop_invisible")
    flatten = _deadline_at_the_boundary(run_dir, margin_s=0.0003, rtt_s=0.0002)
    code, payload, human = replay_run(run_dir)
    assert (code, payload["engine_work_ms"]) == (0, 0.5), human
    assert "taking the engine's own work after each answer as 0.5 ms" in human
    monkeypatch.setattr(replay, "ENGINE_WORK_S", (0.0,))
    code, payload, human = replay_run(run_dir)
    assert code == 1, human
    assert payload["divergence"]["expected_seq"] == flatten["seq"]
    assert payload["divergence"]["actual"].startswith("GET /api/v5/trade/orders-algo-pending")


def test_a_deadline_beyond_every_assumed_work_reports_the_replay_that_assumed_none(
        session_copy: Callable[[str], Path]) -> None:
    # 5 ms of margin: more than any assumed work (2 ms at most); the report is the attempt
    # that assumed nothing, naming the flatten the recording has and the poll made instead
    run_dir = session_copy("open_stop_invisible")
    flatten = _deadline_at_the_boundary(run_dir, margin_s=0.005, rtt_s=0.0002)
    code, payload, _ = replay_run(run_dir)
    assert (code, payload["engine_work_ms"]) == (1, 0.0)
    assert payload["divergence"]["expected_seq"] == flatten["seq"]


def test_a_day_directory_of_reads_names_its_runs_to_replay(tmp_path: Path) -> None:
    from entrypoints.reads_day import MARKER

    day = tmp_path / "20261130_reads_okx-demo"
    (day / "20261130T203841Z_status_1").mkdir(parents=True)
    (day / "20261130T203841Z_status_1" / "run_manifest.json").write_text("{}")
    (day / MARKER).write_text("{}")
    code, payload, human = replay_run(day)
    assert (code, payload["exit"]) == (2, "UNUSABLE")
    assert "day directory of reads" in human and "20261130T203841Z_status_1" in human
