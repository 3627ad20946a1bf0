"""Commands beside a running engine (issue 13): the caller's side and the engine's side of the
control socket (entrypoints/control.py is the transport).

Caller: `forward` hands open, close, manage, regime, halt and resume to the engine answering on
the socket beside the state file, and returns what it answered as a Forwarded result, printed
exactly as the engine rendered it (same JSON, same human text, same exit code). No engine
answering: None, and the command runs in-process as before.

Engine: `EngineControl` serves those requests inside `watch`, one at a time and never in the
middle of one of the watch's own steps (they share the watch's turn lock), with the watch's
container: its store, its evidence run directory.
"""

import asyncio
import secrets
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.state.converter import state_converter
from application.halt import HaltCommand, ResumeCommand
from application.open_position import OpenPositionCommand
from entrypoints import control
from entrypoints.boundary import CommandFailed, classify
from entrypoints.container import Application
from entrypoints.di import providers
from entrypoints.exit_codes import ExitCode
from entrypoints.results import Forwarded, Result, to_json
from entrypoints.settings import Settings
from ports.progress import Progress

HANDED = ("open", "close", "manage", "regime", "halt", "resume")


def encode(value: Any) -> Any:
    """A command's fields as JSON (Decimals as exact strings, enums by value)."""
    return state_converter().unstructure(value)


def forward(settings: Settings, name: str, args: dict[str, Any],
            progress: Progress | None) -> Forwarded | None:
    path = control.socket_path(settings.state_path)
    try:
        if not path.exists() or not control.is_answering(path):
            return None
    except control.ControlError:
        return None
    request = control.ControlRequest(name, args, secrets.token_hex(4))
    try:
        reply = control.send(path, request,
                             on_progress=progress.step if progress is not None else None)
    except control.ControlLost as exc:
        raise CommandFailed(ExitCode.NEEDS_ATTENTION, (
            f"{exc}; the {name} was handed to the running engine, whether it ran is unknown: "
            "check with `prometheus-exec status`")) from None
    except control.ControlError:
        return None  # the engine went away between the check and the send: run it here
    return Forwarded(command=name, json=reply.json, human=reply.human,
                     exit_code=ExitCode(reply.exit_code))


class EngineControl:
    """The engine's handler: runs a handed command in the watch's container."""

    def __init__(self, settings: Settings, container: Application, turn: asyncio.Lock) -> None:
        self._settings = settings
        self._c = container
        self._turn = turn

    async def handle(self, request: control.ControlRequest,
                     progress: control.Progress) -> control.ControlReply:
        try:
            if request.command not in HANDED:
                raise CommandFailed(ExitCode.BAD_INPUT,
                                    f"the engine takes {', '.join(HANDED)}, not "
                                    f"{request.command!r}")
            async with self._turn:
                # the command's steps go to the caller, as if it ran there
                self._c.use_cases.progress.override(providers.Object(_Relay(progress)))
                try:
                    result = await self._run(request.command, request.args)
                finally:
                    self._c.use_cases.progress.reset_last_overriding()
        except Exception as exc:
            code, message = classify(exc)
            doc = {"command": request.command, "error": message, "exit": code.name,
                   "exit_code": int(code)}
            return control.ControlReply(int(code), doc, f"error: {message}")
        from entrypoints.render import human
        return control.ControlReply(int(result.exit_code), to_json(result), human(result))

    async def _run(self, name: str, args: dict[str, Any]) -> Result:
        from entrypoints import commands
        settings, c = self._settings, self._c
        run_dir = Path(c.adapters.run_dir())
        if name == "halt":
            cmd = _decode(args["cmd"], HaltCommand)
            done = await c.use_cases.halt().execute(cmd, c.adapters.store())
            return commands.halt_result(settings, done, run_dir)
        if name == "resume":
            done = await c.use_cases.resume().execute(_decode(args["cmd"], ResumeCommand))
            return commands.resume_result(settings, done, run_dir)
        builders: dict[str, Callable[[], commands.Handed]] = {
            "open": lambda: commands.open_handed(
                settings, _decode(args["cmd"], OpenPositionCommand)),
            "close": lambda: commands.close_handed(settings, str(args["symbol"])),
            "manage": lambda: commands.manage_handed(
                settings, str(args["symbol"]),
                _decode(args.get("bar_close"), Decimal | None),
                args.get("regime")),
            "regime": lambda: commands.regime_handed(settings, str(args["symbol"]),
                                                     str(args["new"])),
        }
        handed = builders[name]()
        # the watch keeps protection itself: no recovery pass before a handed command
        return handed.shape(await handed.call(c), (), run_dir)


class _Relay:
    """Progress that goes back over the socket to the caller."""

    def __init__(self, send: control.Progress) -> None:
        self._send = send

    def step(self, text: str) -> None:
        self._send(text)


def _decode(value: Any, cls: Any) -> Any:
    return state_converter().structure(value, cls)
