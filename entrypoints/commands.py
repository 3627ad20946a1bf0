"""Each CLI command: build the command object, run the use-case, shape the result.

Every function returns (exit code, JSON payload, human text). Commands that touch positions
first run RecoverProtection, so they start from an exchange whose positions are protected.
"""

from decimal import Decimal
from typing import Any

from application.close_position import ClosePositionCommand
from application.manage_position import ManagePositionCommand, RegimeShiftCommand
from application.open_position import OpenPositionCommand
from application.probe import RunProbe
from application.recover_protection import ProtectionRecovered, RecoverCommand
from application.selfcheck import RunSelfCheck
from application.status import StatusCommand
from application.watch import WatchCommand
from domain.orders import PositionSide
from entrypoints import render
from entrypoints.container import Application
from entrypoints.lifecycle import BAD_INPUT, DONE, EXCHANGE_FAILED, NEEDS_ATTENTION, run, session
from entrypoints.settings import Settings
from ports.progress import Progress

Result = tuple[int, dict[str, Any], str]


def probe(settings: Settings, inst: str, px: Decimal | None, intent_id: str,
          progress: Progress | None = None, allow_fill: bool = False) -> Result:
    with session(settings, run_prefix="probe", labels={"probe": True},
                 progress=progress) as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.probe().execute(RunProbe(inst, intent_id, px,
                                                              allow_fill=allow_fill))
        ran = run(container, body, uses_store=False)
    # a probe fill that was not sold again is a position nobody protects
    code = NEEDS_ATTENTION if not ran.fill_closed or ran.unresolved_unknown else \
        DONE if ran.loop_closed else BAD_INPUT if ran.bad_input else EXCHANGE_FAILED
    payload = {"command": "probe", "venue": settings.venue, "run_dir": ran.run_dir,
               "inst_id": ran.inst_id, "order_placed": ran.order_placed,
               "loop_closed": ran.loop_closed, "unresolved_unknown": ran.unresolved_unknown,
               "bad_input": ran.bad_input, "exchange_errors": ran.exchange_errors,
               "filled": str(ran.filled), "fill_closed": ran.fill_closed,
               "files": [f.path for f in ran.manifest.files], "exit_code": code}
    return code, payload, render.probe(payload)


def selfcheck(settings: Settings, with_orders: bool, intent_id: str) -> Result:
    with session(settings, run_prefix="selfcheck") as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.selfcheck().execute(RunSelfCheck(
                venue=settings.venue, symbols=settings.symbols, intent_id=intent_id,
                required_pos_mode=settings.required_pos_mode,
                max_clock_skew_ms=settings.max_clock_skew_ms, with_orders=with_orders))
        done = run(container, body, uses_store=False)
        run_dir = str(container.adapters.run_dir())
    code = DONE if done.all_passed else EXCHANGE_FAILED
    checks = [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in done.checks]
    payload = {"command": "selfcheck", "venue": settings.venue, "run_dir": run_dir,
               "checks": checks, "exit_code": code}
    return code, payload, render.selfcheck(checks)


def _recovered(done: ProtectionRecovered) -> list[dict[str, Any]]:
    return [{"symbol": s.symbol, "actions": list(s.actions),
             "notes": [n.text for n in s.notes]} for s in done.symbols if s.actions or s.notes]


def _with_recovery(settings: Settings, prefix: str, symbol: str | None, command: Any,
                   progress: Progress | None) -> tuple[Any, list[dict[str, Any]], str]:
    with session(settings, run_prefix=prefix, progress=progress) as container:
        async def body(c: Application) -> tuple[Any, ProtectionRecovered]:
            recovered = await c.use_cases.recover().execute(
                RecoverCommand((symbol,) if symbol else ()))
            return await command(c), recovered
        result, recovered = run(container, body)
        run_dir = str(container.adapters.run_dir())
    return result, _recovered(recovered), run_dir


def open_position(settings: Settings, fields: dict[str, Any],
                  progress: Progress | None = None) -> Result:
    side = PositionSide.LONG if fields.pop("side") == "long" else PositionSide.SHORT
    cmd = OpenPositionCommand(side=side, **fields)

    async def command(c: Application) -> Any:
        return await c.use_cases.open_position().execute(cmd)
    done, recovered, run_dir = _with_recovery(settings, "open", cmd.symbol, command, progress)
    # a refused open is not done: the gate's refusal is the operator's input meeting a lock
    code = NEEDS_ATTENTION if done.needs_attention else DONE if done.status == "opened" \
        else BAD_INPUT if done.status == "rejected_by_gate" else EXCHANGE_FAILED
    payload = {"command": "open", "venue": settings.venue, "run_dir": run_dir,
               "symbol": cmd.symbol, "intent_id": cmd.intent_id, "status": done.status,
               "reason": done.reason, "position": render.position(done.state),
               "notes": [n.text for n in done.notes], "recovery": recovered,
               "exit_code": code}
    return code, payload, render.outcome(payload)


def close_position(settings: Settings, symbol: str,
                   progress: Progress | None = None) -> Result:
    async def command(c: Application) -> Any:
        return await c.use_cases.close_position().execute(ClosePositionCommand(symbol))
    done, recovered, run_dir = _with_recovery(settings, "close", symbol, command, progress)
    code = NEEDS_ATTENTION if done.needs_attention else DONE
    payload = {"command": "close", "venue": settings.venue, "run_dir": run_dir,
               "symbol": symbol, "status": done.status, "reason": "",
               "position": render.position(done.state),
               "notes": [n.text for n in done.notes], "recovery": recovered,
               "exit_code": code}
    return code, payload, render.outcome(payload)


def manage(settings: Settings, symbol: str, bar_close: Decimal | None,
           regime: str | None, progress: Progress | None = None) -> Result:
    async def command(c: Application) -> Any:
        return await c.use_cases.manage_position().execute(
            ManagePositionCommand(symbol, bar_close, regime))
    done, recovered, run_dir = _with_recovery(settings, "manage", symbol, command, progress)
    code = NEEDS_ATTENTION if done.needs_attention else DONE
    payload = {"command": "manage", "venue": settings.venue, "run_dir": run_dir,
               "symbol": symbol, "status": ",".join(done.observed) or "no change",
               "reason": "", "position": render.position(done.state),
               "notes": [n.text for n in done.notes], "recovery": recovered,
               "exit_code": code}
    return code, payload, render.outcome(payload)


def regime(settings: Settings, symbol: str, new: str,
           progress: Progress | None = None) -> Result:
    async def command(c: Application) -> Any:
        return await c.use_cases.regime_shift().execute(RegimeShiftCommand(symbol, new))
    done, recovered, run_dir = _with_recovery(settings, "regime", symbol, command, progress)
    code = NEEDS_ATTENTION if done.needs_attention else DONE
    payload = {"command": "regime", "venue": settings.venue, "run_dir": run_dir,
               "symbol": symbol, "status": f"regime {new}",
               "reason": "; ".join(f"{step}:{name}" for step, name in done.steps),
               "position": render.position(done.state),
               "notes": [n.text for n in done.notes], "recovery": recovered,
               "exit_code": code}
    return code, payload, render.outcome(payload)


def recover(settings: Settings, progress: Progress | None = None) -> Result:
    with session(settings, run_prefix="recover", progress=progress) as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.recover().execute(RecoverCommand(settings.symbols))
        done = run(container, body)
        run_dir = str(container.adapters.run_dir())
    code = NEEDS_ATTENTION if done.needs_attention else DONE
    payload = {"command": "recover", "venue": settings.venue, "run_dir": run_dir,
               "symbols": _recovered(done), "exit_code": code}
    return code, payload, render.recovery(payload)


def status(settings: Settings) -> Result:
    with session(settings, run_prefix="status") as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.status().execute(StatusCommand(settings.symbols))
        report = run(container, body)
        run_dir = str(container.adapters.run_dir())
    rows = [render.status_row(r) for r in report.symbols]
    code = NEEDS_ATTENTION if report.needs_attention else DONE
    payload = {"command": "status", "venue": settings.venue, "run_dir": run_dir,
               "symbols": rows, "exit_code": code}
    return code, payload, render.status(rows)


def watch(settings: Settings, run_for_s: float | None,
          progress: Progress | None = None) -> Result:
    with session(settings, run_prefix="watch", progress=progress) as container:
        async def body(c: Application) -> Any:
            return await c.use_cases.watch().execute(WatchCommand(settings.symbols, run_for_s))
        done = run(container, body)
        run_dir = str(container.adapters.run_dir())
    code = NEEDS_ATTENTION if done.needs_attention else DONE
    payload = {"command": "watch", "venue": settings.venue, "run_dir": run_dir,
               "recoveries": done.recoveries, "managed": done.managed, "events": done.events,
               "exit_code": code}
    return code, payload, (f"watch on {settings.venue}: {done.events} events, "
                           f"{done.recoveries} recoveries, {done.managed} positions managed")
