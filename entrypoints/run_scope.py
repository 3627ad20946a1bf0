"""One CLI command's evidence runs: each is packaged when the command ends, however it ends.

The CLI's error boundary opens a command_scope; lifecycle.run hands it the run's evidence sink
instead of closing it, and the scope closes (packages) it once the command's outcome is known:
after a result, an error, Ctrl-C (SIGINT) or SIGTERM. SIGTERM is turned into the same orderly
stop as Ctrl-C (asyncio.run's own SIGINT handling: cancel the running command, let its cleanup
run); only SIGKILL (or a power cut) leaves a run unpackaged, which verify reports as unfinished
rather than tampered.
"""

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # asyncio itself loads with the command that runs a loop, not for --help
    import asyncio


class Terminated(KeyboardInterrupt):
    """SIGTERM: stop as for Ctrl-C (the run directory is still packaged)."""


class FinishableSink(Protocol):
    @property
    def run_dir(self) -> Any: ...

    def finish(self, outcome: Mapping[str, Any] | None) -> None: ...


class RunScope:
    def __init__(self, command: str, argv: Sequence[str] | None = None) -> None:
        self.command = command
        self.argv = tuple(argv) if argv is not None else None  # as typed, for the manifest
        self._sinks: dict[int, FinishableSink] = {}
        self.main_task: asyncio.Task[Any] | None = None  # set by lifecycle.run while it runs
        self.inputs: dict[str, Any] = {}  # values the command generated (the manifest keeps them)
        self.terminated = False

    def adopt(self, sink: FinishableSink) -> None:
        """Keep sink open past lifecycle.run: it is finished with the command's outcome."""
        self._sinks[id(sink)] = sink

    def run_dirs(self) -> list[str]:
        return [str(s.run_dir) for s in self._sinks.values()]

    def finish(self, outcome: Mapping[str, Any] | None) -> None:
        """Record the outcome in every run of the command and package it. Signals that arrive
        meanwhile are ignored: the command is already ending, and a half-written package
        would prove nothing."""
        sinks, self._sinks = list(self._sinks.values()), {}
        with _signals_ignored():
            errors = []
            for sink in sinks:
                try:
                    sink.finish(outcome)
                except Exception as exc:  # the next run still gets packaged
                    errors.append(exc)
            try:
                _seal_days(sinks)
            except Exception as exc:
                errors.append(exc)
            if errors:
                raise errors[0]


# one command per process; a module global (not a ContextVar) so the signal handler sees it
# whatever context the interrupted code runs in
_current: RunScope | None = None


def current_scope() -> RunScope | None:
    return _current


@contextlib.contextmanager
def command_scope(command: str, argv: Sequence[str] | None = None) -> Iterator[RunScope]:
    """Within: SIGTERM raises Terminated (outside the event loop) or cancels the command
    (inside it, see lifecycle.run). On exit, any run not finished yet is finished."""
    global _current
    scope, outer = RunScope(command, argv), _current
    _current = scope
    previous = _install(signal.SIGTERM, _on_sigterm)
    try:
        yield scope
    finally:
        _current = outer
        try:
            scope.finish(None)
        finally:
            _install(signal.SIGTERM, previous)


def _seal_days(sinks: Sequence[FinishableSink]) -> None:
    """A read-only run lives in its day's directory (entrypoints/reads_day.py), whose sums must
    cover it however the command ended: with a result, an error, Ctrl-C or SIGTERM."""
    if not sinks:  # --help and input refused before any run: nothing to load
        return
    from pathlib import Path

    from entrypoints import reads_day

    days = {Path(sink.run_dir).parent for sink in sinks}
    for day in sorted(days):
        if reads_day.is_day(day):
            reads_day.seal(day)


def note_input(name: str, value: Any) -> None:
    """A value the command made up itself (an intent id), for the run manifest."""
    if _current is not None:
        _current.inputs[name] = value


def finish_runs(outcome: Mapping[str, Any]) -> None:
    """Finish the current command's runs with what it reports (no scope: nothing to do)."""
    if _current is not None:
        _current.finish(outcome)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    scope = _current
    task = scope.main_task if scope is not None else None
    if scope is not None and task is not None and not task.done() and not scope.terminated:
        scope.terminated = True
        task.cancel()
        task.get_loop().call_soon_threadsafe(lambda: None)  # wake the loop's select()
        return
    if scope is not None:
        scope.terminated = True
    raise Terminated()


Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


def _install(signum: int, handler: Handler) -> Handler:
    if threading.current_thread() is not threading.main_thread() or handler is None:
        return None  # only the main thread may set handlers; an embedder keeps its own
    return signal.signal(signum, handler)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
