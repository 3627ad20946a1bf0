"""An `open` the CLI refuses before the engine runs still writes its candidate log line (seed
001 §8, issue 13): the check that failed, the reason, REJECT; nothing reaches the exchange, and
a running engine holding the store does not stop the line."""

import json
from pathlib import Path

import pytest

from adapters.state import JsonFileStateStore, read_events
from domain.logs import CandidateAction, CandidateEvaluation, GateVerdict
from entrypoints.exit_codes import ExitCode
from tests.cli.conftest import Exchange, run_cli
from tests.cli.test_bad_input import open_with

EVENTS = Path("state") / "okx-demo" / "events.jsonl"


def lines(workdir: Path) -> list[CandidateEvaluation]:
    return [e for e in read_events(workdir / EVENTS) if isinstance(e, CandidateEvaluation)]


@pytest.mark.parametrize(("args", "failed", "passed", "said"), [
    (open_with(tp1_qty="0.08"), "plan_valid", ["request_valid"], "exceed --qty"),
    (open_with(qty="ten"), "plan_valid", ["request_valid"], "--qty"),
    (open_with(tp1="29000"), "plan_valid", ["request_valid"], "--tp1"),
    (open_with(symbol="BTCUSDT"), "request_valid", [], "BTCUSDT"),
    # the intent id is the request's, not the plan's (OpenPosition's check_request says so too)
    (open_with(intent_id="bad id!"), "request_valid", [], "--intent-id"),
])
def test_a_plan_refused_by_the_cli_writes_one_candidate_line(
        exchange: Exchange, workdir: Path, args: list[str], failed: str, passed: list[str],
        said: str) -> None:
    exchange.fresh()
    ran = run_cli([*args, "--template", "orb"], exchange.env())
    assert ran.code == ExitCode.BAD_INPUT, ran.stderr
    assert not exchange.writes()                     # nothing sent
    (line,) = lines(workdir)
    assert line.action is CandidateAction.REJECT and line.template == "orb"
    assert [g.name for g in line.gates] == [*passed, failed]
    assert [g.verdict for g in line.gates] == [GateVerdict.PASS] * len(passed) + \
        [GateVerdict.FAIL]
    assert line.reject_reason.startswith(f"{failed}: ") and said in line.reject_reason
    assert said in ran.stderr                         # the operator reads the same reason
    (raw,) = (workdir / EVENTS).read_text().splitlines()
    assert json.loads(raw)["logged_ms"] // 1000 >= line.ts   # stamped like the engine's lines


def test_the_line_is_written_while_an_engine_holds_the_store(exchange: Exchange,
                                                             workdir: Path) -> None:
    exchange.fresh()
    held = JsonFileStateStore(workdir / "state" / "okx-demo" / "state.json")
    held.load()                                       # the store's lock, as a running watch
    try:
        ran = run_cli(open_with(tp2_qty="0.07"), exchange.env())
        assert ran.code == ExitCode.BAD_INPUT
        (line,) = lines(workdir)
        assert line.gates[-1].name == "plan_valid" and "exceed" in line.reject_reason
    finally:
        held.close()
