"""The CLI's one error boundary.

Every failure that ends a command becomes one line on stderr (one JSON object on stdout under
`--json`) and the exit code of its kind (entrypoints/exit_codes.py). That includes typer's own
usage errors, which it would otherwise print as a box. Nothing prints a traceback unless
PROMETHEUS_TRACEBACK=1 is set.
"""

import errno
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from entrypoints import help_format
from entrypoints.exit_codes import ExitCode
from entrypoints.run_scope import command_scope, current_scope, finish_runs

# The error kinds of the engine (domain, ports, settings) and the alert sender are imported
# when an error is classified or an alert is due: `--help` loads neither attrs nor httpx.

# typer may bring click itself or vendor it; its BadParameter always derives from click's
# UsageError and ClickException, wherever they live
_MRO = {cls.__name__: cls for cls in typer.BadParameter.__mro__}
UsageError: type[Exception] = _MRO["UsageError"]
ClickException: type[Exception] = _MRO["ClickException"]
TRACEBACK_ENV = "PROMETHEUS_TRACEBACK"


class BadInput(Exception):
    """Input refused at the edge, in the user's terms; exits BAD_INPUT before anything is sent."""


class CommandFailed(Exception):
    """A command ended with a known exit code and message."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def classify(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code and one-line message for an error that ended a command."""
    if isinstance(exc, CommandFailed):
        return exc.code, str(exc)
    if isinstance(exc, UsageError):
        return ExitCode.BAD_INPUT, _usage(exc)
    if isinstance(exc, ClickException):
        return ExitCode.BAD_INPUT, str(getattr(exc, "format_message", exc.__str__)())
    from domain.errors import InvalidIntent, ParameterError
    from entrypoints.settings import SettingsError
    from ports.errors import ExchangeError
    from ports.state import StateStoreError, StateStoreLocked


    if isinstance(exc, BadInput | SettingsError | InvalidIntent | ParameterError):
        return ExitCode.BAD_INPUT, str(exc)
    if isinstance(exc, StateStoreLocked | StateStoreError):
        return ExitCode.BAD_INPUT, f"state store: {exc}"
    if isinstance(exc, ExchangeError):
        return ExitCode.EXCHANGE_FAILED, f"exchange: {exc}"
    if isinstance(exc, OSError) and exc.filename is not None:
        return ExitCode.NEEDS_ATTENTION, f"cannot use {exc.filename}: {exc.strerror}"
    return ExitCode.NEEDS_ATTENTION, (
        f"internal error ({type(exc).__name__}: {_text(exc)}); whatever the command was doing "
        f"may be half done: check with `prometheus-exec status` ({TRACEBACK_ENV}=1 shows the "
        "traceback)")


def _text(exc: BaseException) -> str:
    # attrs validators raise ValueError(message, attribute, ...): str() would print the
    # attribute's repr too
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, str) and len(exc.args) > 1 else str(exc)


def _usage(exc: Exception) -> str:
    # typer validates through pydantic, whose messages start with its error kind
    message = str(getattr(exc, "format_message", exc.__str__)()).rstrip(".")
    message = message.replace("Value error, ", "")
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", "") or "prometheus-exec"
    return f"{message} (see `{path} --help`)"


def one_line(text: str) -> str:
    return " ".join(text.split())


def json_requested(args: Sequence[str]) -> bool:
    """--json anywhere before a `--` separator (the parser may not have got that far)."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def emit_error(command: str, code: ExitCode, message: str, as_json: bool) -> None:
    text = one_line(message)
    payload: dict[str, Any] = {"command": command, "error": text, "exit_code": int(code),
                               "exit": code.name}
    scope = current_scope()
    if scope is not None and scope.run_dirs():
        payload["run_dir"] = scope.run_dirs()[0]
    finish_runs(payload)  # the run records what is printed, then is packaged
    if as_json:
        print(json.dumps(payload, sort_keys=True), flush=True)
    else:
        print(f"error: {text}", file=sys.stderr, flush=True)
    if code is ExitCode.NEEDS_ATTENTION:
        from entrypoints import alerts

        alerts.notify(command, text, payload)


class GuardedGroup(TyperGroup):
    """The root command group: runs every command inside the error boundary."""

    context_class = help_format.HelpContext

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        help_format.format_commands(self, ctx, formatter)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        alerts = sys.modules.get("entrypoints.alerts")  # loaded only by a command that ran
        if alerts is not None:
            alerts.reset()  # a new command: no webhook until its settings are loaded
        # every run directory the command opens is packaged, with its outcome, however it ends
        with command_scope(self._command(argv), argv):
            code = self._run(argv, prog_name, complete_var, windows_expand_args, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, argv: list[str], prog_name: str | None, complete_var: str | None,
             windows_expand_args: bool, **extra: Any) -> int:
        try:
            returned = super().main(argv, prog_name, complete_var, standalone_mode=False,
                                    windows_expand_args=windows_expand_args, **extra)
            code = int(returned) if isinstance(returned, int) else 0
        except typer.Abort:
            code = ExitCode.INTERRUPTED
        except UsageError as exc:
            if type(exc).__name__ != "NoArgsIsHelpError":
                code = self._failed(argv, exc)
            else:
                # nothing asked for: the help is the answer
                text = str(getattr(exc, "format_message", exc.__str__)())
                if text:
                    print(text)
                code = ExitCode.BAD_INPUT
        except OSError as exc:
            # a closed pipe (`prometheus-exec status | head -1`) is the reader's choice
            code = 1 if exc.errno == errno.EPIPE else self._failed(argv, exc)
        except Exception as exc:
            code = self._failed(argv, exc)
        scope = current_scope()
        if code == ExitCode.INTERRUPTED and scope is not None and scope.terminated:
            code = ExitCode.TERMINATED  # typer reports any KeyboardInterrupt as 130
        if code in (ExitCode.INTERRUPTED, ExitCode.TERMINATED):
            word = "interrupted" if code == ExitCode.INTERRUPTED else "terminated by SIGTERM"
            emit_error(self._command(argv), ExitCode(code), word, json_requested(argv))
        return code

    def _failed(self, argv: list[str], exc: Exception) -> int:
        code, message = classify(exc)
        if code is ExitCode.NEEDS_ATTENTION and os.environ.get(TRACEBACK_ENV) == "1":
            traceback.print_exception(exc, file=sys.stderr)
        emit_error(self._command(argv), code, message, json_requested(argv))
        return int(code)

    def _command(self, argv: list[str]) -> str:
        """The (sub)command's name as typed, for the JSON error object."""
        words: list[str] = []
        group: Any = self
        for arg in argv:
            found = getattr(group, "commands", {}).get(arg)
            if found is None:
                continue
            words.append(arg)
            group = found
        return " ".join(words)
