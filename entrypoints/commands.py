"""Each CLI command: run the use-case in a session and shape its outcome as a typed result.

Commands that touch positions first run RecoverProtection, so they start from an exchange
whose positions are protected.
"""

from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from domain.errors import InvalidIntent
from domain.regime import Regime
from domain.state import SymbolState
from entrypoints import reads_day
from entrypoints.boundary import BadInput
from entrypoints.container import Application
from entrypoints.exit_codes import ExitCode
from entrypoints.lifecycle import _store as load_store
from entrypoints.lifecycle import run, session
from entrypoints.results import (
    Check,
    HaltResult,
    PositionResult,
    PositionView,
    ProbeResult,
    RecoverResult,
    Recovery,
    Result,
    SelfCheckResult,
    StatusResult,
    StatusRow,
    WatchResult,
)
from entrypoints.settings import Settings
from entrypoints.validate import writable_dir
from ports.progress import Progress
from ports.state import StateStoreError, StateStoreLocked

# Each command imports its use-case's module (and the engine control, the metrics) inside
# itself: a command's start loads only what it runs (issue 14 P3,
# tests/cli/test_light_import.py)
if TYPE_CHECKING:
    from application.halt import HaltCommand, ResumeCommand
    from application.open_position import OpenPositionCommand
    from application.recover_protection import ProtectionRecovered
    from entrypoints.metrics import EngineMetrics

T = TypeVar("T")


def serve_metrics(metrics: "EngineMetrics", port: int) -> Any:
    try:
        server, _thread = metrics.serve(port)
    except OSError as exc:
        raise BadInput(f"--metrics-port {port}: cannot listen on 127.0.0.1:{port} "
                       f"({exc.strerror or exc})") from None
    return server


def _attention(needs: bool) -> ExitCode:
    return ExitCode.NEEDS_ATTENTION if needs else ExitCode.DONE


def probe(settings: Settings, inst: str, px: Decimal | None, intent_id: str,
          progress: Progress | None = None, allow_fill: bool = False) -> ProbeResult:
    from application.probe import RunProbe

    with session(settings, run_prefix="probe", labels={"probe": True},
                 progress=progress) as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.probe().execute(RunProbe(inst, intent_id, px,
                                                              allow_fill=allow_fill))
        ran = run(container, body, uses_store=False)
    # a probe fill that was not sold again is a position nobody protects
    code = (ExitCode.NEEDS_ATTENTION if not ran.fill_closed or ran.unresolved_unknown else
            ExitCode.DONE if ran.loop_closed else
            ExitCode.BAD_INPUT if ran.bad_input else ExitCode.EXCHANGE_FAILED)
    return ProbeResult(venue=settings.venue, run_dir=Path(ran.run_dir), inst_id=ran.inst_id,
                       order_placed=ran.order_placed, loop_closed=ran.loop_closed,
                       unresolved_unknown=ran.unresolved_unknown, bad_input=ran.bad_input,
                       exchange_errors=ran.exchange_errors, filled=ran.filled,
                       fill_closed=ran.fill_closed,
                       files=tuple(f.path for f in ran.manifest.files), exit_code=code)


def selfcheck(settings: Settings, with_orders: bool, intent_id: str) -> SelfCheckResult:
    from application.selfcheck import RunSelfCheck

    if not with_orders:
        settings = _reads(settings)
    with session(settings, run_prefix="selfcheck") as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.selfcheck().execute(RunSelfCheck(
                venue=settings.venue, symbols=settings.symbols, intent_id=intent_id,
                required_pos_mode=settings.required_pos_mode,
                max_clock_skew_ms=settings.max_clock_skew_ms, with_orders=with_orders))
        # the test stop is recorded as pending in the state store (application/selfcheck.py)
        done = run(container, body, uses_store=with_orders)
        run_dir = container.adapters.run_dir()
    return SelfCheckResult(
        venue=settings.venue, run_dir=run_dir,
        checks=tuple(Check(c.name, c.passed, c.detail) for c in done.checks),
        exit_code=ExitCode.DONE if done.all_passed else ExitCode.EXCHANGE_FAILED)


@attrs.frozen
class RefusedAfterRecovery:
    """A command refused as bad input after the recovery it starts with had sent requests:
    nothing of the command itself was sent; what the recovery did stands."""

    reason: str
    state: SymbolState
    recovery_needs_attention: bool


def _trade_writes(c: Application) -> int:
    return int(getattr(c.adapters.sink(), "trade_writes", 0))


def _with_recovery(settings: Settings, prefix: str, symbol: str,
                   command: Callable[[Application], Awaitable[T]],
                   progress: Progress | None,
                   precheck: Callable[[Application], None] | None = None,
                   ) -> tuple[T | RefusedAfterRecovery, tuple[Recovery, ...], Path, bool]:
    """The command after the recovery it starts with: its outcome, the recovery's steps, the
    run directory, and whether the recovery needs attention."""
    from application.recover_protection import RecoverCommand

    with session(settings, run_prefix=prefix, progress=progress) as container:
        async def body(c: Application) -> tuple[T | RefusedAfterRecovery,
                                                "ProtectionRecovered"]:
            if precheck is not None:
                precheck(c)  # bad input that needs no exchange read: refused before anything
            recovered = await c.use_cases.recover().execute(RecoverCommand((symbol,)))
            before = _trade_writes(c)
            try:
                return await command(c), recovered
            except InvalidIntent as exc:
                # refused on what it read (instrument, mark, book): nothing of the command
                # left. With nothing sent at all it is plain bad input (exit 2); after the
                # recovery's own requests the outcome says both
                if before == 0 or _trade_writes(c) != before:
                    raise
                state = c.adapters.store().get_symbol_state(symbol)
                return RefusedAfterRecovery(str(exc), state, recovered.needs_attention), \
                    recovered
        result, recovered = run(container, body)
        run_dir = container.adapters.run_dir()
    return result, Recovery.of(recovered), run_dir, recovered.needs_attention


@attrs.frozen
class Handed:
    """One position command as its use-case call and the result it prints: run here in its
    own session, or inside the engine that holds the store (entrypoints/engine_control.py)."""

    name: str
    symbol: str
    call: Callable[[Application], Awaitable[Any]]
    shape: Callable[[Any, tuple[Recovery, ...], Path], Result]
    # the request's own checks, run before the recovery the command starts with
    precheck: Callable[[Application], None] | None = None
    intent_id: str | None = None


def _position_result(settings: Settings, name: str, symbol: str, done: Any, status: str,
                     reason: str, code: ExitCode, recovered: tuple[Recovery, ...],
                     run_dir: Path, intent_id: str | None = None) -> PositionResult:
    return PositionResult(command=name, venue=settings.venue, run_dir=run_dir, symbol=symbol,
                          intent_id=intent_id, status=status, reason=reason,
                          position=PositionView.of(done.state),
                          notes=tuple(n.text for n in done.notes), recovery=recovered,
                          exit_code=code)


def open_handed(settings: Settings, cmd: "OpenPositionCommand") -> Handed:
    async def call(c: Application) -> Any:
        return await c.use_cases.open_position().execute(cmd)

    def shape(done: Any, recovered: tuple[Recovery, ...], run_dir: Path) -> Result:
        code = (ExitCode.NEEDS_ATTENTION if done.needs_attention else
                ExitCode.DONE if done.status == "opened" else
                ExitCode.REFUSED if done.status == "rejected_by_gate" else
                ExitCode.EXCHANGE_FAILED)
        return _position_result(settings, "open", cmd.symbol, done, done.status, done.reason,
                                code, recovered, run_dir, cmd.intent_id)
    def precheck(c: Application) -> None:
        c.use_cases.open_position().refuse_invalid(cmd)
    return Handed("open", cmd.symbol, call, shape, precheck, cmd.intent_id)


def close_handed(settings: Settings, symbol: str) -> Handed:
    from application.close_position import ClosePositionCommand

    async def call(c: Application) -> Any:
        return await c.use_cases.close_position().execute(ClosePositionCommand(symbol))

    def shape(done: Any, recovered: tuple[Recovery, ...], run_dir: Path) -> Result:
        return _position_result(settings, "close", symbol, done, done.status, "",
                                _attention(done.needs_attention), recovered, run_dir)
    return Handed("close", symbol, call, shape)


def manage_handed(settings: Settings, symbol: str, bar_close: Decimal | None,
                  regime: str | None) -> Handed:
    from application.manage_position import ManagePositionCommand

    async def call(c: Application) -> Any:
        return await c.use_cases.manage_position().execute(
            ManagePositionCommand(symbol, bar_close, Regime(regime) if regime else None))

    def shape(done: Any, recovered: tuple[Recovery, ...], run_dir: Path) -> Result:
        return _position_result(settings, "manage", symbol, done,
                                ",".join(done.observed) or "no change", "",
                                _attention(done.needs_attention), recovered, run_dir)
    return Handed("manage", symbol, call, shape)


def regime_handed(settings: Settings, symbol: str, new: str) -> Handed:
    from application.manage_position import RegimeShiftCommand

    async def call(c: Application) -> Any:
        return await c.use_cases.regime_shift().execute(RegimeShiftCommand(symbol, Regime(new)))

    def shape(done: Any, recovered: tuple[Recovery, ...], run_dir: Path) -> Result:
        return _position_result(settings, "regime", symbol, done, f"regime {new}",
                                "; ".join(f"{step}:{name}" for step, name in done.steps),
                                _attention(done.needs_attention), recovered, run_dir)
    return Handed("regime", symbol, call, shape)


def _local_or_handed(settings: Settings, handed: Handed, args: dict[str, Any],
                     progress: Progress | None) -> Result:
    """With an engine holding the store, hand the command to it; else run it here."""
    from entrypoints.engine_control import forward

    forwarded = forward(settings, handed.name, args, progress)
    if forwarded is not None:
        return forwarded
    done, recovered, run_dir, attention = _with_recovery(
        settings, handed.name, handed.symbol, handed.call, progress, handed.precheck)
    if isinstance(done, RefusedAfterRecovery):
        return _refused_after_recovery(settings, handed, done, recovered, run_dir)
    result = handed.shape(done, recovered, run_dir)
    if attention and isinstance(result, PositionResult) and result.exit_code is ExitCode.DONE:
        # what the recovery could not do (a stop it could not place, a flatten that failed, a
        # stop it could not cancel) is not undone by the command after it: 0 would hide it
        result = attrs.evolve(result, exit_code=ExitCode.NEEDS_ATTENTION)
    return result


def _refused_after_recovery(settings: Settings, handed: Handed, done: RefusedAfterRecovery,
                            recovered: tuple[Recovery, ...], run_dir: Path) -> Result:
    """Exit 2 (bad input), or 3 when the recovery itself needs attention: the worse of the
    two outcomes the command had."""
    code = ExitCode.NEEDS_ATTENTION if done.recovery_needs_attention else ExitCode.BAD_INPUT
    reason = (f"{done.reason}; nothing of this {handed.name} was sent (the recovery it "
              "started with had acted first: see recovery)")
    return PositionResult(command=handed.name, venue=settings.venue, run_dir=run_dir,
                          symbol=handed.symbol, intent_id=handed.intent_id,
                          status="refused_bad_input", reason=reason,
                          position=PositionView.of(done.state), notes=(), recovery=recovered,
                          exit_code=code)


def open_position(settings: Settings, cmd: "OpenPositionCommand",
                  progress: Progress | None = None) -> Result:
    from entrypoints.engine_control import encode

    return _local_or_handed(settings, open_handed(settings, cmd),
                            {"cmd": encode(cmd)}, progress)


def close_position(settings: Settings, symbol: str,
                   progress: Progress | None = None) -> Result:
    return _local_or_handed(settings, close_handed(settings, symbol), {"symbol": symbol},
                            progress)


def manage(settings: Settings, symbol: str, bar_close: Decimal | None,
           regime: str | None, progress: Progress | None = None) -> Result:
    from entrypoints.engine_control import encode

    return _local_or_handed(settings, manage_handed(settings, symbol, bar_close, regime),
                            {"symbol": symbol, "bar_close": encode(bar_close),
                             "regime": regime}, progress)


def regime(settings: Settings, symbol: str, new: str,
           progress: Progress | None = None) -> Result:
    return _local_or_handed(settings, regime_handed(settings, symbol, new),
                            {"symbol": symbol, "new": new}, progress)


async def _listed(c: Application, symbols: tuple[str, ...]) -> None:
    """Configured symbols must be instruments the exchange lists, or nothing is watched."""
    from application.instruments import InstrumentBook

    book = InstrumentBook(c.adapters.exchange())
    for symbol in symbols:
        try:
            await book.spec(symbol)
        except InvalidIntent as exc:
            raise BadInput(f"symbols: {exc} on {c.config.venue()}") from None


def recover(settings: Settings, progress: Progress | None = None) -> RecoverResult:
    from application.recover_protection import RecoverCommand

    with session(settings, run_prefix="recover", progress=progress) as container:
        async def body(c: Application) -> Any:
            await _listed(c, settings.symbols)
            return await c.use_cases.recover().execute(RecoverCommand(settings.symbols))
        done = run(container, body)
        run_dir = container.adapters.run_dir()
    return RecoverResult(venue=settings.venue, run_dir=run_dir, symbols=Recovery.of(done),
                         exit_code=_attention(done.needs_attention))


def _reads(settings: Settings) -> Settings:
    """Read-only runs go to the day's directory (entrypoints/reads_day.py). Unless a stack is
    set, their few REST calls go on httpx's own: aiohttp would save ~0.3 ms a call and costs
    ~0.1 s to import (issue 14 P3, BENCHMARKS.md)."""
    writable_dir(settings.runs_dir, "runs_dir", create=True)
    stack = "httpx" if settings.http_stack == "auto" else settings.http_stack
    return attrs.evolve(settings, runs_dir=reads_day.day_dir(settings.runs_dir, settings.venue),
                        http_stack=stack)


def status(settings: Settings) -> StatusResult:
    from application.status import StatusCommand
    from entrypoints.status_extras import table_extras

    reads = _reads(settings)
    with session(reads, run_prefix="status") as container:
        async def body(c: Application) -> Any:
            try:
                stack.callback(load_store(c).close)
            except StateStoreLocked:
                # an engine holds the store: read its last flush, without the lock
                c.adapters.store().load_snapshot()
            await _listed(c, settings.symbols)
            report = await c.use_cases.status().execute(StatusCommand(settings.symbols))
            return report, await table_extras(c, report.symbols)
        with ExitStack() as stack:
            report, extras = run(container, body, uses_store=False)
        run_dir = container.adapters.run_dir()
    code = ExitCode.NEEDS_ATTENTION if report.needs_attention else ExitCode.DONE
    return StatusResult(venue=settings.venue, run_dir=run_dir,
                        symbols=tuple(StatusRow.of(r) for r in report.symbols),
                        exit_code=code, table=extras)


def halt(settings: Settings, cmd: "HaltCommand") -> Result:
    from entrypoints.engine_control import encode, forward

    """Halt works from the exchange's view alone: a store that cannot be read (or is held by
    another engine that does not answer) is reported and the halt goes on without its
    freeze."""
    forwarded = forward(settings, "halt", {"cmd": encode(cmd)}, None)
    if forwarded is not None:
        return forwarded
    with session(settings, run_prefix="halt") as container:
        async def body(c: Application) -> Any:
            store, why = _store_or_why(c)
            try:
                return await c.use_cases.halt().execute(cmd, store, why)
            finally:
                if store is not None:
                    store.close()
        done = run(container, body, uses_store=False)
        run_dir = container.adapters.run_dir()
    return halt_result(settings, done, run_dir)


def halt_result(settings: Settings, done: Any, run_dir: Path) -> HaltResult:
    return HaltResult(command="halt", venue=settings.venue, run_dir=run_dir,
                      incident_id=done.incident_id, until=done.until, symbols=done.symbols,
                      touched=done.touched, kept=done.kept, foreign=done.foreign,
                      unconfirmed=done.unconfirmed, exit_code=_attention(done.needs_attention))


def resume(settings: Settings, cmd: "ResumeCommand") -> Result:
    from entrypoints.engine_control import encode, forward

    forwarded = forward(settings, "resume", {"cmd": encode(cmd)}, None)
    if forwarded is not None:
        return forwarded
    with session(settings, run_prefix="resume") as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.resume().execute(cmd)
        done = run(container, body)
        run_dir = container.adapters.run_dir()
    return resume_result(settings, done, run_dir)


def resume_result(settings: Settings, done: Any, run_dir: Path) -> HaltResult:
    return HaltResult(command="resume", venue=settings.venue, run_dir=run_dir,
                      incident_id="", until=0, symbols=done.resumed,
                      touched=tuple(f"freeze lifted {s}" for s in done.resumed), kept=(),
                      foreign=done.not_halted, unconfirmed=(), exit_code=ExitCode.DONE)


def _store_or_why(c: Application) -> tuple[Any, str]:
    try:
        store = c.adapters.store()
        store.load()
    except (StateStoreError, OSError) as exc:
        return None, str(exc)
    return store, ""


def watch(settings: Settings, run_for_s: float | None,
          progress: Progress | None = None, metrics_port: int | None = None,
          dead_man_s: int = 60) -> WatchResult:
    from application.watch import WatchCommand
    from entrypoints.control import ControlError, ControlServer, socket_path
    from entrypoints.engine_control import EngineControl
    from entrypoints.metrics import EngineMetrics, StopConfirmations

    metrics = server = None
    if metrics_port is not None:
        metrics = EngineMetrics()
        server = serve_metrics(metrics, metrics_port)  # refused before any exchange call
    stops = StopConfirmations(metrics, settings.venue) if metrics else None
    try:
        with session(settings, run_prefix="watch", progress=progress,
                     metrics=metrics) as container:
            async def body(c: Application) -> Any:
                await _listed(c, settings.symbols)
                if metrics is not None:
                    metrics.watch_store(settings.venue, c.adapters.store(), c.core.clock())
                watcher = c.use_cases.watch()
                # operator commands beside this engine come in on the control socket
                control: ControlServer | None = ControlServer(
                    socket_path(settings.state_path),
                    EngineControl(settings, c, watcher.turn).handle)
                try:
                    await control.start()  # type: ignore[union-attr]
                except (ControlError, OSError) as exc:
                    # protection does not wait on the socket: the watch runs, commands beside
                    # it find no engine answering and say the store is held
                    if progress is not None:
                        progress.step(f"control socket not served: {exc}")
                    control = None
                try:
                    return await watcher.execute(WatchCommand(settings.symbols, run_for_s,
                                                              dead_man_s=dead_man_s))
                finally:
                    if control is not None:
                        await control.close()
            if stops is not None:
                stops.install()
            done = run(container, body)
            run_dir = container.adapters.run_dir()
    finally:
        if stops is not None:
            stops.remove()
        if server is not None:
            server.shutdown()
            server.server_close()
    return WatchResult(venue=settings.venue, run_dir=run_dir, recoveries=done.recoveries,
                       managed=done.managed, events=done.events,
                       exit_code=_attention(done.needs_attention))
