"""The CLI's error boundary: unexpected errors, interrupts, errors after a trade request left,
malformed answers to writes, and the shared options before or after the command."""

from pathlib import Path
from typing import Any

import pytest
from pytest_mock import MockerFixture

from adapters.evidence import FileEvidenceSink
from domain.evidence import EvidenceRef
from entrypoints import commands
from entrypoints.boundary import CommandFailed, json_requested
from entrypoints.exit_codes import ExitCode
from entrypoints.lifecycle import _after_trades, session
from entrypoints.metrics import EngineMetrics
from entrypoints.sent_writes import CountingSink
from entrypoints.settings import load_settings
from ports.errors import ExchangeUnavailable
from ports.evidence import ExchangeCallRecord
from tests.cli.conftest import Exchange, run_cli
from tests.cli.tamper_proxy import Spoiled
from tests.cli.test_bad_input import OPEN
from tests.fakes import InMemoryEvidenceSink

SIM_ENV: dict[str, str | None] = {
    "PROMETHEUS_VENUE": None, "PROMETHEUS_CONFIG": None, "OKX_API_KEY": None,
    "OKX_API_SECRET": None, "OKX_API_PASSPHRASE": None, "OKX_CREDENTIALS_FILE": None}


def test_an_unexpected_error_is_one_line_exit_3_and_its_traceback_only_on_request(
        workdir: Path, mocker: MockerFixture) -> None:
    mocker.patch.object(commands, "status", side_effect=RuntimeError("boom"))
    ran = run_cli(["status"], SIM_ENV)
    assert ran.code == ExitCode.NEEDS_ATTENTION and ran.stdout == ""
    assert ran.stderr.count("\n") == 1 and "internal error (RuntimeError: boom)" in ran.stderr
    assert "Traceback" not in ran.stderr
    as_json = run_cli(["status", "--json"], SIM_ENV)
    assert as_json.payload["exit"] == "NEEDS_ATTENTION" and as_json.stderr == ""
    loud = run_cli(["status"], {**SIM_ENV, "PROMETHEUS_TRACEBACK": "1"})
    assert "Traceback" in loud.stderr and "RuntimeError: boom" in loud.stderr


def test_an_interrupt_exits_130_and_says_so(workdir: Path, mocker: MockerFixture) -> None:
    mocker.patch.object(commands, "status", side_effect=KeyboardInterrupt)
    ran = run_cli(["status", "--json"], SIM_ENV)
    assert ran.code == ExitCode.INTERRUPTED and ran.code == 130
    assert ran.payload == {"command": "status", "error": "interrupted", "exit_code": 130,
                           "exit": "INTERRUPTED"}


def test_shared_options_work_before_and_after_the_command(workdir: Path) -> None:
    env = {**SIM_ENV}
    before = run_cli(["--json", "--venue", "nope", "status"], env)
    after = run_cli(["status", "--json", "--venue", "nope"], env)
    assert before.code == after.code == ExitCode.BAD_INPUT
    assert before.payload["error"] == after.payload["error"] == (
        "--venue must be one of sim, okx-demo, okx-live, sim-binance, binance-testnet, "
        "binance-live, got 'nope'")
    # given in both places, the one after the command wins
    both = run_cli(["--venue", "nope", "status", "--venue", "okx-live", "--json"], env)
    assert str(both.payload["error"]).startswith("venue okx-live needs")


def test_json_is_seen_even_when_parsing_stops_before_it() -> None:
    assert json_requested(["open", "--bogus", "--json"])
    assert not json_requested(["open", "--", "--json"])
    assert not json_requested(["open"])


def test_an_error_after_a_trade_request_left_needs_attention() -> None:
    unavailable = ExchangeUnavailable("OKX unavailable (timeout)")
    assert _after_trades(unavailable, 0) is unavailable
    raised = _after_trades(unavailable, 2)
    assert isinstance(raised, CommandFailed) and raised.code is ExitCode.NEEDS_ATTENTION
    assert "2 trade request(s) had been sent" in str(raised)
    assert "OKX unavailable" in str(raised)
    # already attention-worthy errors keep their own message
    failed = CommandFailed(ExitCode.NEEDS_ATTENTION, "x")
    assert _after_trades(failed, 3) is failed


class _Inner:
    def __init__(self) -> None:
        self.records: list[ExchangeCallRecord] = []
        self.closed = 0

    @property
    def run_dir(self) -> Path:
        return Path("r")

    def record_call(self, record: ExchangeCallRecord) -> EvidenceRef:
        self.records.append(record)
        return EvidenceRef("m", len(self.records))

    def close(self) -> None:
        self.closed += 1

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected call {name}")


def test_the_counting_sink_counts_trade_writes_only_and_passes_everything_on() -> None:
    inner = _Inner()
    sink = CountingSink(inner)
    for endpoint in ("GET /api/v5/trade/order", "POST /api/v5/account/set-leverage",
                     "POST /api/v5/trade/order", "POST /api/v5/trade/cancel-algos",
                     "GET /api/v5/public/time"):
        sink.record_call(ExchangeCallRecord("rest", endpoint, {}, None, "ok", 0, 0.0))
    assert sink.trade_writes == 2 and len(inner.records) == 5
    sink.close()
    assert inner.closed == 1 and sink.run_dir == Path("r")


class _Preparing(_Inner):
    """A sink with the file sink's optional head start (adapters/evidence/sink.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.prepared: list[tuple[Any, ...]] = []

    def prepare_call(self, *args: Any) -> None:
        self.prepared.append(args)


def test_the_counting_sink_passes_the_head_start_on_only_where_the_sink_has_it() -> None:
    inner = _Preparing()
    prepare = getattr(CountingSink(inner), "prepare_call", None)  # as the adapters look
    assert prepare is not None
    prepare("rest", "GET /api/v5/public/time", {}, 1, 2.0, 3)
    assert inner.prepared == [("rest", "GET /api/v5/public/time", {}, 1, 2.0, 3)]
    assert getattr(CountingSink(InMemoryEvidenceSink()), "prepare_call", None) is None


@pytest.mark.parametrize("with_metrics", [False, True])
def test_a_commands_adapters_get_the_file_sinks_head_start(workdir: Path,
                                                           with_metrics: bool) -> None:
    """Every command's sink is wrapped (trade-write counting, metrics); the wrapping must not
    hide FileEvidenceSink.prepare_call, or no record of a command is encoded ahead."""
    settings = load_settings(env={})
    metrics = EngineMetrics() if with_metrics else None
    with session(settings, run_prefix="probe", metrics=metrics) as container:
        given = container.adapters.sink()  # what the venue's adapters are built with
        prepare = getattr(given, "prepare_call", None)
        assert type(given) is not FileEvidenceSink and prepare is not None
        assert isinstance(prepare.__self__, FileEvidenceSink)


@pytest.mark.parametrize("answer", [
    Spoiled(502, b"<html><h1>502 Bad Gateway</h1></html>", "text/html"),
    Spoiled(200, b'{"code":"0","data":[{"algoId":'),
    Spoiled(200, b'{"code":"0","msg":"","data":[{"sCode":5,"algoId":[]}]}'),
], ids=["html-502", "truncated", "wrong-types"])
def test_a_malformed_answer_to_the_stop_is_an_outcome_not_a_traceback(
        answer: Spoiled, workdir: Path, exchange: Exchange) -> None:
    exchange.fresh()
    exchange.tamper.rules["trade/order-algo"] = answer
    ran = run_cli([*OPEN, "--json"], exchange.env())
    assert ran.code == ExitCode.NEEDS_ATTENTION
    # stderr holds only the warnings logged (default level): no traceback, no progress
    logged = ran.stderr.splitlines()
    assert logged and all(" application." in line for line in logged), ran.stderr
    assert any(" ERROR application.order_path: stop " in line for line in logged), ran.stderr
    payload = ran.payload
    assert payload["exit_code"] == ExitCode.NEEDS_ATTENTION
    assert any("stop" in note for note in payload["notes"])
    # the entry filled and no stop could be confirmed: the exchange shows the position closed
    assert exchange.sim.core.state.account.open_positions() == []
    assert exchange.writes()[:2] == ["/api/v5/account/set-leverage", "/api/v5/trade/order"]


def test_malformed_answer_rows_cover_each_kind_the_issue_names() -> None:
    from tests.cli.test_bad_input import ANSWERS

    ids = " ".join(c.id for c in ANSWERS)
    for kind in ("not-json", "html-502", "truncated", "wrong-types", "missing", "huge",
                 "not-utf8"):
        assert kind in ids, kind


def test_an_attrs_validator_error_shows_its_message_not_the_attribute_repr(
        workdir: Path, mocker: MockerFixture) -> None:
    import attrs

    @attrs.frozen
    class Mode:
        td_mode: str = attrs.field(validator=attrs.validators.in_(("cross", "isolated")))

    def build(*_args: object) -> None:
        Mode("both")
    mocker.patch.object(commands, "status", side_effect=build)
    ran = run_cli(["status", "--json"], SIM_ENV)
    error = str(ran.payload["error"])
    assert "'td_mode' must be in ('cross', 'isolated') (got 'both')" in error
    assert "Attribute(" not in error
