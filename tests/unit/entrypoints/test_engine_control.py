"""The engine's side of a handed command (EngineControl) and the caller's (forward), with fake
use-cases in a fake container and a real control socket: what is run, with which arguments,
under the watch's turn, and what goes back to the caller field by field."""

import asyncio
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from dependency_injector import providers

from application.halt import HaltCommand, HaltDone, ResumeCommand, ResumeDone
from application.open_position import OpenPositionCommand
from domain.orders import PositionSide
from domain.state import SymbolState
from entrypoints import control
from entrypoints.boundary import CommandFailed
from entrypoints.engine_control import HANDED, EngineControl, encode, forward
from entrypoints.exit_codes import ExitCode
from entrypoints.results import Forwarded
from entrypoints.settings import Settings, load_settings
from ports.errors import ExchangeError

D = Decimal
RUN_DIR = Path("runs") / "20261201T000000Z_watch_ab12"


@attrs.define
class _Done:
    status: str = "closed"
    reason: str = ""
    needs_attention: bool = False
    observed: tuple[str, ...] = ()
    steps: tuple[tuple[str, str], ...] = ()
    notes: tuple[Any, ...] = ()

    @property
    def state(self) -> Any:
        return SymbolState("BTC-USDT-SWAP")


class _UseCase:
    """Records what it was asked and answers what it was given; reports one step."""

    def __init__(self, world: "_Container", answer: Any) -> None:
        self._world, self._answer = world, answer

    async def execute(self, *args: Any) -> Any:
        self._world.calls.append(args)
        self._world.use_cases.progress().step(f"ran {type(args[0]).__name__}")
        if isinstance(self._answer, BaseException):
            raise self._answer
        return self._answer


class _UseCases:
    def __init__(self, world: "_Container") -> None:
        self.progress: providers.Object[Any] = providers.Object(None)
        self._world = world

    def __getattr__(self, name: str) -> Any:
        answer = self._world.answers[name]
        return lambda: _UseCase(self._world, answer)


class _Adapters:
    def __init__(self, store: object) -> None:
        self._store = store

    def run_dir(self) -> str:
        return str(RUN_DIR)

    def store(self) -> object:
        return self._store


class _Container:
    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[Any, ...]] = []
        self.store = object()
        self.use_cases = _UseCases(self)
        self.adapters = _Adapters(self.store)


def _settings(state_path: Path) -> Settings:
    return attrs.evolve(load_settings(env={}), state_path=state_path)


def _handle(c: _Container, command: str, args: dict[str, Any],
            turn: asyncio.Lock | None = None) -> tuple[control.ControlReply, list[str]]:
    steps: list[str] = []
    engine = EngineControl(_settings(Path("state.json")), c, turn or asyncio.Lock())  # type: ignore[arg-type]
    reply = asyncio.run(engine.handle(control.ControlRequest(command, args), steps.append))
    return reply, steps


def test_a_command_the_engine_does_not_take_is_refused_and_runs_nothing() -> None:
    c = _Container()
    reply, steps = _handle(c, "probe", {})
    message = ("the engine takes open, close, manage, regime, halt, resume, not 'probe'")
    assert reply.exit_code == 2
    assert reply.json == {"command": "probe", "error": message, "exit": "BAD_INPUT",
                          "exit_code": 2}
    assert reply.human == f"error: {message}"
    assert (c.calls, steps) == ([], [])
    assert HANDED == ("open", "close", "manage", "regime", "halt", "resume")


def test_close_runs_in_the_watch_container_and_its_steps_go_to_the_caller() -> None:
    c = _Container(close_position=_Done(status="closed"))
    reply, steps = _handle(c, "close", {"symbol": "BTC-USDT-SWAP"})
    ((cmd,),) = c.calls
    assert cmd.symbol == "BTC-USDT-SWAP"
    assert steps == ["ran ClosePositionCommand"]
    assert reply.exit_code == 0
    assert (reply.json["command"], reply.json["symbol"], reply.json["status"],
            reply.json["exit"], reply.json["exit_code"]) == (
        "close", "BTC-USDT-SWAP", "closed", "DONE", 0)
    assert reply.json["run_dir"] == str(RUN_DIR)
    # no recovery pass before a handed command: the watch keeps protection itself
    assert reply.json["recovery"] == []
    assert "closed" in reply.human
    # the caller's progress is lifted once the command is done
    assert c.use_cases.progress() is None


def test_a_close_that_needs_attention_answers_exit_3() -> None:
    c = _Container(close_position=_Done(status="close_unconfirmed", needs_attention=True))
    reply, _ = _handle(c, "close", {"symbol": "BTC-USDT-SWAP"})
    assert (reply.exit_code, reply.json["exit"]) == (3, "NEEDS_ATTENTION")


def test_manage_gets_the_bar_close_as_a_decimal_and_the_regime() -> None:
    c = _Container(manage_position=_Done(observed=("tp1_filled", "be_moved")))
    reply, _ = _handle(c, "manage", {"symbol": "ETH-USDT-SWAP", "bar_close": "3010.5",
                                     "regime": "TREND"})
    ((cmd,),) = c.calls
    assert (cmd.symbol, cmd.bar_close, cmd.regime.value) == ("ETH-USDT-SWAP", D("3010.5"),
                                                              "TREND")
    assert (reply.json["command"], reply.json["status"]) == ("manage", "tp1_filled,be_moved")


def test_manage_without_a_bar_close_or_regime_passes_none() -> None:
    c = _Container(manage_position=_Done())
    reply, _ = _handle(c, "manage", {"symbol": "ETH-USDT-SWAP"})
    ((cmd,),) = c.calls
    assert (cmd.bar_close, cmd.regime) == (None, None)
    assert reply.json["status"] == "no change"


def test_regime_passes_the_symbol_and_the_new_regime() -> None:
    c = _Container(regime_shift=_Done(steps=(("1", "cancel_tp2"),)))
    reply, _ = _handle(c, "regime", {"symbol": "ETH-USDT-SWAP", "new": "RANGE"})
    ((cmd,),) = c.calls
    assert (cmd.symbol, cmd.new_regime.value) == ("ETH-USDT-SWAP", "RANGE")
    assert (reply.json["command"], reply.json["status"], reply.json["reason"]) == (
        "regime", "regime RANGE", "1:cancel_tp2")


def test_open_decodes_the_command_it_was_handed() -> None:
    cmd = OpenPositionCommand.of("BTC-USDT-SWAP", PositionSide.LONG, D("0.10"), D("29400.0"),
                                 D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), "ec1")
    c = _Container(open_position=_Done(status="rejected_by_gate", reason="locked: freeze"))
    reply, _ = _handle(c, "open", {"cmd": encode(cmd)})
    assert c.calls == [(cmd,)]
    assert (reply.exit_code, reply.json["intent_id"], reply.json["status"],
            reply.json["reason"]) == (4, "ec1", "rejected_by_gate", "locked: freeze")


def test_halt_runs_with_the_watch_store_and_answers_its_fields() -> None:
    cmd = HaltCommand(symbols=("BTC-USDT-SWAP",), flatten=True, reason="drill", for_s=60,
                      who="ops")
    done = HaltDone("inc-1", 1_700_000_060_000, ("BTC-USDT-SWAP",), ("cancelled a",),
                    ("kept b",), ("foreign c",), ())
    c = _Container(halt=done)
    reply, _ = _handle(c, "halt", {"cmd": encode(cmd)})
    assert c.calls == [(cmd, c.store)]
    doc = reply.json
    assert (doc["command"], doc["incident_id"], doc["until"], doc["symbols"], doc["touched"],
            doc["kept"], doc["foreign"], doc["unconfirmed"], doc["run_dir"]) == (
        "halt", "inc-1", 1_700_000_060_000, ["BTC-USDT-SWAP"], ["cancelled a"], ["kept b"],
        ["foreign c"], [], str(RUN_DIR))
    assert reply.exit_code == 0


def test_resume_answers_the_symbols_it_freed() -> None:
    cmd = ResumeCommand(symbols=("BTC-USDT-SWAP", "ETH-USDT-SWAP"), reason="ok", who="ops")
    c = _Container(resume=ResumeDone(("BTC-USDT-SWAP",), ("ETH-USDT-SWAP",)))
    reply, _ = _handle(c, "resume", {"cmd": encode(cmd)})
    assert c.calls == [(cmd,)]
    doc = reply.json
    assert (doc["command"], doc["symbols"], doc["touched"], doc["foreign"], doc["exit"],
            doc["run_dir"]) == ("resume", ["BTC-USDT-SWAP"], ["freeze lifted BTC-USDT-SWAP"],
                                ["ETH-USDT-SWAP"], "DONE", str(RUN_DIR))


def test_a_failing_use_case_is_one_classified_error_and_progress_is_lifted() -> None:
    c = _Container(close_position=ExchangeError("timeout"))
    reply, steps = _handle(c, "close", {"symbol": "BTC-USDT-SWAP"})
    assert steps == ["ran ClosePositionCommand"]
    assert reply.exit_code == 1
    assert reply.json == {"command": "close", "error": "exchange: timeout",
                          "exit": "EXCHANGE_FAILED", "exit_code": 1}
    assert reply.human == "error: exchange: timeout"
    assert c.use_cases.progress() is None


def test_a_handed_command_waits_for_the_watch_turn() -> None:
    c = _Container(close_position=_Done())

    async def main() -> list[Any]:
        turn = asyncio.Lock()
        engine = EngineControl(_settings(Path("state.json")), c, turn)  # type: ignore[arg-type]
        await turn.acquire()
        task = asyncio.ensure_future(engine.handle(
            control.ControlRequest("close", {"symbol": "BTC-USDT-SWAP"}), lambda _: None))
        for _ in range(5):
            await asyncio.sleep(0)
        before = list(c.calls)
        turn.release()
        await task
        return before
    assert asyncio.run(main()) == []
    assert len(c.calls) == 1


# the caller's side


@pytest.fixture
def home() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="pxe", dir="/tmp"))
    yield directory
    for child in directory.iterdir():
        child.unlink()
    directory.rmdir()


class _Steps:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def step(self, text: str) -> None:
        self.seen.append(text)


def _serve(path: Path, handler: Any, client: Any) -> Any:
    async def main() -> Any:
        server = control.ControlServer(path, handler)
        await server.start()
        try:
            return await asyncio.get_running_loop().run_in_executor(None, client)
        finally:
            await server.close()
    return asyncio.run(main())


def test_no_engine_answering_means_run_it_here(home: Path) -> None:
    assert forward(_settings(home / "state.json"), "close", {"symbol": "X"}, None) is None


def test_the_engine_answer_is_forwarded_as_it_was_with_its_steps(home: Path) -> None:
    state = home / "state.json"
    seen: list[control.ControlRequest] = []

    async def engine(request: control.ControlRequest, progress: Any) -> control.ControlReply:
        seen.append(request)
        progress("gate: ok")
        return control.ControlReply(3, {"command": request.command, "x": 1}, "human text")
    steps = _Steps()
    got = _serve(control.socket_path(state), engine,
                 lambda: forward(_settings(state), "close", {"symbol": "X"}, steps))
    assert got == Forwarded(command="close", json={"command": "close", "x": 1},
                            human="human text", exit_code=ExitCode.NEEDS_ATTENTION)
    assert steps.seen == ["gate: ok"]
    ((request,),) = [seen]
    assert (request.command, request.args) == ("close", {"symbol": "X"})
    assert len(request.id) == 8


def test_an_engine_lost_mid_command_leaves_it_unknown_exit_3(home: Path) -> None:
    state = home / "state.json"

    async def dies(request: control.ControlRequest, progress: Any) -> control.ControlReply:
        raise ConnectionResetError("engine went away")
    with pytest.raises(CommandFailed) as failed:
        _serve(control.socket_path(state), dies,
               lambda: forward(_settings(state), "halt", {}, None))
    assert failed.value.code == ExitCode.NEEDS_ATTENTION
    text = str(failed.value)
    assert text.endswith("; the halt was handed to the running engine, whether it ran is "
                         "unknown: check with `prometheus-exec status`")


def test_encode_keeps_decimals_exact() -> None:
    cmd = OpenPositionCommand.of("BTC-USDT-SWAP", PositionSide.LONG, D("0.10"), D("29400.0"),
                                 D("30300.0"), D("0.04"), D("30600.0"), D("0.03"), "ec1")
    doc = encode(cmd)
    assert doc["symbol"] == "BTC-USDT-SWAP"
    assert "0.10" in str(doc) and "29400.0" in str(doc)
