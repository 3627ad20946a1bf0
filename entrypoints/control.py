"""The operator control socket: commands handed to the engine process that holds the store.

A running engine (`watch`) owns the state store (an exclusive lock). Rather than failing with
"locked", `open`, `close`, `manage`, `regime`, `halt` and `resume` are sent to it over a Unix
domain socket beside the state file; it runs them in order with everything else it does and
answers with exactly what the command would have printed.

Protocol (version 1): one connection per request; UTF-8 JSON, one object per line.
  request   {"protocol": 1, "id": "<any text>", "command": "<name>", "args": {...}}
  progress  {"id": ..., "progress": "<step text>"}            zero or more, while it runs
  reply     {"id": ..., "exit_code": <int>, "json": {...}, "human": "<text>"}   exactly one
A request larger than MAX_REQUEST bytes, not JSON, of another protocol version or from another
user is answered with exit code 2 (bad input) and nothing is run.

Security: the socket is created owner-only (mode 0600) in the state directory, which must not
be writable by others; the server also checks the peer's uid (SO_PEERCRED) against its own.
A socket file nobody answers on is stale (a dead engine) and is replaced.
"""

import asyncio
import contextlib
import json
import os
import socket
import stat
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs

PROTOCOL = 1
MAX_REQUEST = 64 * 1024
SOCKET_NAME = "control.sock"
BAD_INPUT, NEEDS_ATTENTION = 2, 3
# sun_path holds 108 bytes on Linux, including the terminating NUL
MAX_PATH_BYTES = 107


class ControlError(Exception):
    """The socket cannot be used (unsafe directory, path too long, no engine answering)."""


class ControlLost(ControlError):
    """The request was sent but no reply came back: whether it ran is unknown."""


@attrs.frozen
class ControlRequest:
    command: str
    args: dict[str, Any]
    id: str = ""


@attrs.frozen
class ControlReply:
    exit_code: int
    json: dict[str, Any]
    human: str


Progress = Callable[[str], None]
Handler = Callable[[ControlRequest, Progress], Awaitable[ControlReply]]


def socket_path(state_path: Path) -> Path:
    """Where the engine holding state_path listens: beside the state file."""
    return state_path.parent / SOCKET_NAME


def _check_path(path: Path) -> None:
    if len(os.fsencode(path)) > MAX_PATH_BYTES:
        raise ControlError(f"control socket path {path} is longer than {MAX_PATH_BYTES} bytes: "
                           "use a shorter state_path")


def _check_directory(directory: Path) -> None:
    info = directory.stat()
    if info.st_uid != os.getuid():
        raise ControlError(f"{directory} is not owned by the current user: no control socket")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ControlError(f"{directory} is writable by others: no control socket")


def _peer_uid(sock: socket.socket) -> int | None:
    """The connecting process's uid (Linux SO_PEERCRED), None where the OS cannot say."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def is_answering(path: Path, timeout_s: float = 0.5) -> bool:
    """Does an engine accept connections on path?"""
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout_s)
        try:
            probe.connect(os.fspath(path))
        except OSError:
            return False
    return True


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def parse_request(raw: bytes) -> ControlRequest:
    """The request on one line, or ValueError saying what is wrong with it."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise ValueError(f"not a JSON request: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError("a request is a JSON object")
    if doc.get("protocol") != PROTOCOL:
        raise ValueError(f"protocol {doc.get('protocol')!r}; this engine speaks {PROTOCOL}")
    command, args, ident = doc.get("command"), doc.get("args", {}), doc.get("id", "")
    if not isinstance(command, str) or not command:
        raise ValueError("command must be a non-empty string")
    if not isinstance(args, dict) or not isinstance(ident, str):
        raise ValueError("args must be an object and id a string")
    unknown = sorted(set(doc) - {"protocol", "id", "command", "args"})
    if unknown:
        raise ValueError(f"unknown request keys: {', '.join(unknown)}")
    return ControlRequest(command, args, ident)


class ControlServer:
    """Serves one request per connection; requests run one at a time, in arrival order."""

    def __init__(self, path: Path, handler: Handler) -> None:
        self._path = path
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._turn = asyncio.Lock()

    @property
    def path(self) -> Path:
        return self._path

    async def start(self) -> None:
        _check_path(self._path)
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _check_directory(self._path.parent)
        if is_answering(self._path):
            raise ControlError(f"another engine already answers on {self._path}")
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()  # stale: its engine is gone
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, path=os.fspath(self._path), limit=MAX_REQUEST + 1)
        finally:
            os.umask(old)
        os.chmod(self._path, 0o600)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the caller went away; whatever ran has run and is in the evidence
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        uid = _peer_uid(sock) if sock is not None else None
        if uid is not None and uid != os.getuid():
            writer.write(_line(_refusal("", f"uid {uid} may not control this engine")))
            await writer.drain()
            return
        try:
            raw = await reader.readuntil(b"\n")
            request = parse_request(raw)
        except asyncio.LimitOverrunError:
            writer.write(_line(_refusal("", f"request longer than {MAX_REQUEST} bytes")))
            await writer.drain()
            return
        except ValueError as exc:
            writer.write(_line(_refusal("", str(exc))))
            await writer.drain()
            return

        def progress(text: str) -> None:
            writer.write(_line({"id": request.id, "progress": text}))

        async with self._turn:
            try:
                reply = await self._handler(request, progress)
            except ConnectionError:
                raise
            except Exception as exc:  # the handler's own boundary missed it: never silent
                reply = ControlReply(NEEDS_ATTENTION, {"error": f"{type(exc).__name__}: {exc}",
                                                       "exit_code": NEEDS_ATTENTION},
                                     f"error: {type(exc).__name__}: {exc}")
        writer.write(_line({"id": request.id, "exit_code": reply.exit_code, "json": reply.json,
                            "human": reply.human}))
        await writer.drain()


def _refusal(ident: str, why: str) -> dict[str, Any]:
    return {"id": ident, "exit_code": BAD_INPUT, "json": {"error": why, "exit_code": BAD_INPUT},
            "human": f"error: {why}"}


def send(path: Path, request: ControlRequest, *, on_progress: Progress | None = None,
         connect_timeout_s: float = 2.0, reply_timeout_s: float | None = None) -> ControlReply:
    """Hand request to the engine on path and wait for its reply (blocking; for the CLI).
    Raises ControlError when no engine answers or the answer is not a reply."""
    _check_path(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(connect_timeout_s)
        try:
            sock.connect(os.fspath(path))
        except OSError as exc:
            raise ControlError(f"no engine answers on {path}: {exc}") from None
        sock.settimeout(reply_timeout_s)
        sock.sendall(_line({"protocol": PROTOCOL, "id": request.id, "command": request.command,
                            "args": request.args}))
        try:
            with sock.makefile("rb") as stream:
                for raw in stream:
                    doc = json.loads(raw.decode("utf-8"))
                    if "progress" in doc:
                        if on_progress is not None:
                            on_progress(str(doc["progress"]))
                        continue
                    return ControlReply(int(doc["exit_code"]), dict(doc["json"]),
                                        str(doc["human"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ControlLost(f"the engine on {path} sent no readable reply: {exc}") from None
    raise ControlLost(f"the engine on {path} closed the connection without a reply")
