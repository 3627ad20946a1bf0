"""The run manifest (seed 000 §6: "the main program creates run_dir + manifest").

Written into the run before its first exchange call: the command and its arguments, the venue,
the settings (an allow-list: no credential ever), every parameter, the engine's version and git
revision, contract_version and the start time. The sink puts it at seq 0 of the hash chain and
in run_manifest.json; at the end it adds the outcome (what the command printed) and end time.
"""

import functools
import json
import os
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from adapters.state.errors import StateStoreInsecure
from adapters.state.log_span import events_path_for, log_mark, log_since
from adapters.state.private import refuse_shared
from entrypoints.run_scope import current_scope

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def engine_version() -> str:
    try:
        return version("prometheus-exec")
    except PackageNotFoundError:
        return "unknown"


GIT_READS = (("rev-parse", "HEAD"), ("status", "--porcelain", "--untracked-files=no"))
_started: list[subprocess.Popen[str]] = []


def start_git_revision() -> None:
    """Start git_revision's two reads now, side by side, so they run while the command starts
    (its simulator, its imports) instead of one after the other when the manifest is written
    (10-20 ms of a one-shot command, issue 14 P3)."""
    if _started or not (ROOT / ".git").exists():
        return
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        for args in GIT_READS:
            _started.append(subprocess.Popen(["git", "-C", str(ROOT), *args], env=env,
                                             stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL, text=True))
    except OSError:  # no git: the manifest says None
        for proc in _started:
            proc.kill()
            proc.wait()
        _started.clear()


@functools.cache
def git_revision() -> dict[str, Any] | None:
    """The source checkout this engine runs from, when it is one (None for an installed
    package or a machine without git)."""
    start_git_revision()
    if len(_started) != len(GIT_READS):
        return None
    try:
        head, status = (proc.communicate(timeout=5)[0] for proc in _started)
    except subprocess.TimeoutExpired:
        for proc in _started:
            proc.kill()
            proc.wait()
        return None
    if any(proc.returncode != 0 for proc in _started):
        return None
    return {"commit": head.strip(), "dirty": bool(status.strip())}


def _binance_settings(section: dict[str, Any] | None) -> dict[str, Any]:
    if not section:
        return {}
    return {key: section.get(key) for key in ("margin_asset", "recv_window_ms",
                                              "stop_close_position")}


def state_snapshot(path: Any) -> dict[str, Any] | None:
    """The state file as this command found it, so a replay starts from the same positions
    and locks; None when there is none, or when it is not safe or not readable (the store
    refuses it with its own error right after)."""
    if path is None:
        return None
    state = Path(path)
    try:
        refuse_shared(state.parent, directory=True)
        refuse_shared(state)
        document = json.loads(state.read_bytes())
    except (OSError, ValueError, StateStoreInsecure):
        return None
    return document if isinstance(document, dict) else None


def manifest_for(config: dict[str, Any]) -> dict[str, Any]:
    """The manifest's opening part, from the container's configuration."""
    scope = current_scope()
    okx = config.get("okx", {})
    # a Binance venue's section names its hosts; OKX's own fields are null there
    hosts = config.get("binance") or okx
    run = config.get("run", {})
    params = config.get("params")
    return {
        "command": scope.command if scope is not None and scope.command else run.get("prefix"),
        "argv": list(scope.argv) if scope is not None and scope.argv is not None else None,
        "venue": config.get("venue"),
        "settings": {
            "venue": config.get("venue"), "symbols": list(config.get("symbols") or ()),
            "state_path": str(config.get("state_path")), "runs_dir": str(run.get("base")),
            "rest_url": hosts.get("rest_url"), "ws_url": hosts.get("ws_url"),
            "demo": okx.get("demo"), "td_mode": okx.get("td_mode"),
            "write_deadline_ms": okx.get("write_deadline_ms"),
            "credentials": "set" if config.get("credentials") else "none",
            **_binance_settings(config.get("binance")),
        },
        "params": dict(params.describe()) if params is not None else {},
        "engine_version": engine_version(),
        "git": git_revision(),
        "pid": os.getpid(),
        "inputs": dict(scope.inputs) if scope is not None else {},
        "state_at_start": state_snapshot(config.get("state_path")),
        "state_events_at_start": _events_mark(config.get("state_path")),
    }


def _events_mark(state_path: Any) -> dict[str, Any] | None:
    return None if state_path is None else log_mark(events_path_for(Path(state_path)))


class StateEnding:
    """The manifest's closing fields about the state store: the event log lines appended
    while the run ran (between the two marks) and the state file. Captured when the
    command's container ends (the embedded simulator's scratch store goes with it), read by
    the sink when the run ends; read then if never captured."""

    def __init__(self, config: dict[str, Any], opening: dict[str, Any]) -> None:
        self._path = config.get("state_path")
        start = opening.get("state_events_at_start")
        self._start = start if isinstance(start, dict) else None
        self._captured: dict[str, Any] | None = None

    def capture(self) -> None:
        if self._captured is None:
            self._captured = self._read()

    def __call__(self) -> dict[str, Any]:
        return self._captured if self._captured is not None else self._read()

    def _read(self) -> dict[str, Any]:
        if self._path is None:
            return {}
        return {"state_events": log_since(events_path_for(Path(self._path)), self._start),
                "state_at_end": state_snapshot(self._path)}
