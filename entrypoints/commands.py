"""Each CLI command: run the use-case in a session and shape its outcome as a typed result.

Commands that touch positions first run RecoverProtection, so they start from an exchange
whose positions are protected.
"""

from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from application.close_position import ClosePositionCommand
from application.halt import HaltCommand, ResumeCommand
from application.instruments import InstrumentBook
from application.manage_position import ManagePositionCommand, RegimeShiftCommand
from application.open_position import OpenPositionCommand
from application.probe import RunProbe
from application.recover_protection import ProtectionRecovered, RecoverCommand
from application.selfcheck import RunSelfCheck
from application.status import StatusCommand
from application.watch import WatchCommand
from domain.errors import InvalidIntent
from domain.regime import Regime
from entrypoints.boundary import BadInput
from entrypoints.container import Application
from entrypoints.exit_codes import ExitCode
from entrypoints.lifecycle import run, session
from entrypoints.results import (
    Check,
    HaltResult,
    PositionResult,
    PositionView,
    ProbeResult,
    RecoverResult,
    Recovery,
    SelfCheckResult,
    StatusResult,
    StatusRow,
    WatchResult,
)
from entrypoints.settings import Settings
from ports.progress import Progress
from ports.state import StateStoreError

T = TypeVar("T")


def _attention(needs: bool) -> ExitCode:
    return ExitCode.NEEDS_ATTENTION if needs else ExitCode.DONE


def probe(settings: Settings, inst: str, px: Decimal | None, intent_id: str,
          progress: Progress | None = None, allow_fill: bool = False) -> ProbeResult:
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
    with session(settings, run_prefix="selfcheck") as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.selfcheck().execute(RunSelfCheck(
                venue=settings.venue, symbols=settings.symbols, intent_id=intent_id,
                required_pos_mode=settings.required_pos_mode,
                max_clock_skew_ms=settings.max_clock_skew_ms, with_orders=with_orders))
        done = run(container, body, uses_store=False)
        run_dir = container.adapters.run_dir()
    return SelfCheckResult(
        venue=settings.venue, run_dir=run_dir,
        checks=tuple(Check(c.name, c.passed, c.detail) for c in done.checks),
        exit_code=ExitCode.DONE if done.all_passed else ExitCode.EXCHANGE_FAILED)


def _with_recovery(settings: Settings, prefix: str, symbol: str,
                   command: Callable[[Application], Awaitable[T]],
                   progress: Progress | None) -> tuple[T, tuple[Recovery, ...], Path]:
    with session(settings, run_prefix=prefix, progress=progress) as container:
        async def body(c: Application) -> tuple[T, ProtectionRecovered]:
            recovered = await c.use_cases.recover().execute(RecoverCommand((symbol,)))
            return await command(c), recovered
        result, recovered = run(container, body)
        run_dir = container.adapters.run_dir()
    return result, Recovery.of(recovered), run_dir


def open_position(settings: Settings, cmd: OpenPositionCommand,
                  progress: Progress | None = None) -> PositionResult:
    async def command(c: Application) -> Any:
        return await c.use_cases.open_position().execute(cmd)
    done, recovered, run_dir = _with_recovery(settings, "open", cmd.symbol, command, progress)
    code = (ExitCode.NEEDS_ATTENTION if done.needs_attention else
            ExitCode.DONE if done.status == "opened" else
            ExitCode.REFUSED if done.status == "rejected_by_gate" else
            ExitCode.EXCHANGE_FAILED)
    return PositionResult(command="open", venue=settings.venue, run_dir=run_dir,
                          symbol=cmd.symbol, intent_id=cmd.intent_id, status=done.status,
                          reason=done.reason, position=PositionView.of(done.state),
                          notes=tuple(n.text for n in done.notes), recovery=recovered,
                          exit_code=code)


def close_position(settings: Settings, symbol: str,
                   progress: Progress | None = None) -> PositionResult:
    async def command(c: Application) -> Any:
        return await c.use_cases.close_position().execute(ClosePositionCommand(symbol))
    done, recovered, run_dir = _with_recovery(settings, "close", symbol, command, progress)
    return PositionResult(command="close", venue=settings.venue, run_dir=run_dir,
                          symbol=symbol, status=done.status, reason="",
                          position=PositionView.of(done.state),
                          notes=tuple(n.text for n in done.notes), recovery=recovered,
                          exit_code=_attention(done.needs_attention))


def manage(settings: Settings, symbol: str, bar_close: Decimal | None,
           regime: str | None, progress: Progress | None = None) -> PositionResult:
    async def command(c: Application) -> Any:
        return await c.use_cases.manage_position().execute(
            ManagePositionCommand(symbol, bar_close, Regime(regime) if regime else None))
    done, recovered, run_dir = _with_recovery(settings, "manage", symbol, command, progress)
    return PositionResult(command="manage", venue=settings.venue, run_dir=run_dir,
                          symbol=symbol, status=",".join(done.observed) or "no change",
                          reason="", position=PositionView.of(done.state),
                          notes=tuple(n.text for n in done.notes), recovery=recovered,
                          exit_code=_attention(done.needs_attention))


def regime(settings: Settings, symbol: str, new: str,
           progress: Progress | None = None) -> PositionResult:
    async def command(c: Application) -> Any:
        return await c.use_cases.regime_shift().execute(RegimeShiftCommand(symbol, Regime(new)))
    done, recovered, run_dir = _with_recovery(settings, "regime", symbol, command, progress)
    return PositionResult(command="regime", venue=settings.venue, run_dir=run_dir,
                          symbol=symbol, status=f"regime {new}",
                          reason="; ".join(f"{step}:{name}" for step, name in done.steps),
                          position=PositionView.of(done.state),
                          notes=tuple(n.text for n in done.notes), recovery=recovered,
                          exit_code=_attention(done.needs_attention))


async def _listed(c: Application, symbols: tuple[str, ...]) -> None:
    """Configured symbols must be instruments the exchange lists, or nothing is watched."""
    book = InstrumentBook(c.adapters.exchange())
    for symbol in symbols:
        try:
            await book.spec(symbol)
        except InvalidIntent as exc:
            raise BadInput(f"symbols: {exc} on {c.config.venue()}") from None


def recover(settings: Settings, progress: Progress | None = None) -> RecoverResult:
    with session(settings, run_prefix="recover", progress=progress) as container:
        async def body(c: Application) -> Any:
            await _listed(c, settings.symbols)
            return await c.use_cases.recover().execute(RecoverCommand(settings.symbols))
        done = run(container, body)
        run_dir = container.adapters.run_dir()
    return RecoverResult(venue=settings.venue, run_dir=run_dir, symbols=Recovery.of(done),
                         exit_code=_attention(done.needs_attention))


def status(settings: Settings) -> StatusResult:
    with session(settings, run_prefix="status") as container:
        async def body(c: Application) -> Any:
            await _listed(c, settings.symbols)
            return await c.use_cases.status().execute(StatusCommand(settings.symbols))
        report = run(container, body)
        run_dir = container.adapters.run_dir()
    code = ExitCode.NEEDS_ATTENTION if report.needs_attention else ExitCode.DONE
    return StatusResult(venue=settings.venue, run_dir=run_dir,
                        symbols=tuple(StatusRow.of(r) for r in report.symbols),
                        exit_code=code)


def halt(settings: Settings, cmd: HaltCommand) -> HaltResult:
    """Halt works from the exchange's view alone: a store that cannot be read (or is held by
    another engine) is reported and the halt goes on without its freeze."""
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
    return HaltResult(command="halt", venue=settings.venue, run_dir=run_dir,
                      incident_id=done.incident_id, until=done.until, symbols=done.symbols,
                      touched=done.touched, kept=done.kept, foreign=done.foreign,
                      unconfirmed=done.unconfirmed, exit_code=_attention(done.needs_attention))


def resume(settings: Settings, cmd: ResumeCommand) -> HaltResult:
    with session(settings, run_prefix="resume") as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.resume().execute(cmd)
        done = run(container, body)
        run_dir = container.adapters.run_dir()
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
          progress: Progress | None = None, dead_man_s: int = 60) -> WatchResult:
    with session(settings, run_prefix="watch", progress=progress) as container:
        async def body(c: Application) -> Any:
            await _listed(c, settings.symbols)
            return await c.use_cases.watch().execute(WatchCommand(settings.symbols, run_for_s,
                                                                 dead_man_s=dead_man_s))
        done = run(container, body)
        run_dir = container.adapters.run_dir()
    return WatchResult(venue=settings.venue, run_dir=run_dir, recoveries=done.recoveries,
                       managed=done.managed, events=done.events,
                       exit_code=_attention(done.needs_attention))
