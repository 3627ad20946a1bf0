"""A fork server: imports the engine once, then forks one child per request.

A fresh `prometheus-exec` costs ~0.7 s of imports; a fork of this process costs milliseconds,
so hundreds of engine processes can be started and killed in a test. The server has no threads
(it checks before every fork), so each child is a faithful single-threaded copy; the simulator
runs in its own process. Requests and answers are JSON lines on stdin / stdout:

  {"argv": [...], "env": {...}, "plan": {"kind", "n", "mode", "cut"}, "kill_after_ms": null,
   "log": "path or null"}
  -> {"status": "exited" | "killed", "code": int | null, "counts": {...} | null,
      "elapsed_ms": float}
"""

import contextlib
import functools
import io
import json
import os
import select
import signal
import sys
import threading
import time
from typing import Any

import entrypoints.cli  # the engine: imported once, shared by every child
import entrypoints.commands  # the CLI imports its commands lazily: load them here, once
from tests.crash import killpoints


def main() -> None:
    _cache_tls_context()
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        answer = warm(request) if request.get("warm") else run_child(request)
        out.write(json.dumps(answer) + "\n")
        out.flush()


def _cache_tls_context() -> None:
    # every httpx client loads certifi's CA bundle (~60 ms); the children share one load
    import httpx._transports.default as transport

    names = vars(transport)
    names["create_ssl_context"] = functools.lru_cache(maxsize=8)(names["create_ssl_context"])


def warm(request: dict[str, Any]) -> dict[str, Any]:
    """Run one command here, unforked, so every child starts with warm caches (cattrs hooks,
    typer's parameter parsing); it must leave no thread behind."""
    saved = dict(os.environ)
    os.environ.update(request["env"])
    sys.argv = ["prometheus-exec", *request["argv"]]
    code: int | str | None = 0
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            entrypoints.cli.main()
    except SystemExit as exc:
        code = exc.code
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"status": "warmed", "code": code, "threads": threading.active_count()}


def run_child(request: dict[str, Any]) -> dict[str, Any]:
    if threading.active_count() != 1:
        raise RuntimeError(f"{threading.active_count()} threads: forking now would copy a "
                           "process whose other threads vanish mid-work")
    sys.stdout.flush()
    sys.stderr.flush()
    reader, writer = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(reader)
        _child(request, writer)  # never returns
    os.close(writer)
    killed_by_us = _wait_or_kill(pid, request.get("kill_after_ms"))
    _, status = os.waitpid(pid, 0)
    counts = _read_all(reader)
    elapsed_ms = (time.monotonic() - started) * 1000
    if os.WIFSIGNALED(status):
        return {"status": "killed", "code": None, "signal": os.WTERMSIG(status),
                "by": "server" if killed_by_us else "self", "counts": None,
                "elapsed_ms": elapsed_ms}
    return {"status": "exited", "code": os.WEXITSTATUS(status),
            "counts": json.loads(counts) if counts else None, "elapsed_ms": elapsed_ms}


def _wait_or_kill(pid: int, after_ms: float | None) -> bool:
    if after_ms is None:
        return False
    fd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([fd], [], [], after_ms / 1000)
    finally:
        os.close(fd)
    if ready:
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _child(request: dict[str, Any], writer: int) -> None:
    code = 70
    try:
        log = os.open(request.get("log") or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                      0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ.clear()
        os.environ.update(request["env"])
        counter = killpoints.install(killpoints.KillPlan(**request["plan"]))
        sys.argv = ["prometheus-exec", *request["argv"]]
        try:
            entrypoints.cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        killpoints.report(counter, writer)
    finally:
        os._exit(code)


if __name__ == "__main__":
    main()
