"""The control socket: one request, progress lines, one reply; owner-only; bad requests are
refused with exit 2; requests run one at a time; a stale socket is replaced."""

import asyncio
import json
import os
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from entrypoints.control import (
    MAX_REQUEST,
    ControlError,
    ControlLost,
    ControlReply,
    ControlRequest,
    ControlServer,
    is_answering,
    parse_request,
    send,
    socket_path,
)


@pytest.fixture
def home() -> Iterator[Path]:
    # a short directory: unix socket paths are limited to 107 bytes
    directory = Path(tempfile.mkdtemp(prefix="pxc", dir="/tmp"))
    yield directory
    for child in directory.iterdir():
        child.unlink()
    directory.rmdir()


async def echo(request: ControlRequest, progress: Callable[[str], None]) -> ControlReply:
    progress(f"step 1 of {request.command}")
    progress("step 2")
    return ControlReply(0 if request.command != "fail" else 3,
                        {"command": request.command, "args": request.args},
                        f"did {request.command}")


def serve(path: Path, handler: Any,
          client: Callable[[], Any]) -> Any:
    """Run the server in this loop and the blocking client in a thread."""
    async def main() -> Any:
        server = ControlServer(path, handler)
        await server.start()
        try:
            return await asyncio.get_running_loop().run_in_executor(None, client)
        finally:
            await server.close()
    return asyncio.run(main())


def test_a_request_gets_its_progress_and_exactly_one_reply(home: Path) -> None:
    path = socket_path(home / "state.json")
    seen: list[str] = []
    reply = serve(path, echo, lambda: send(path, ControlRequest("close", {"symbol": "X"}, "r1"),
                                           on_progress=seen.append))
    assert reply == ControlReply(0, {"command": "close", "args": {"symbol": "X"}}, "did close")
    assert seen == ["step 1 of close", "step 2"]
    assert not path.exists()   # removed on close


def test_the_socket_is_owner_only_while_it_serves(home: Path) -> None:
    path = socket_path(home / "state.json")

    def look() -> int:
        return stat.S_IMODE(path.stat().st_mode)
    assert serve(path, echo, look) == 0o600


def test_exit_codes_pass_through(home: Path) -> None:
    path = socket_path(home / "state.json")
    reply = serve(path, echo, lambda: send(path, ControlRequest("fail", {})))
    assert (reply.exit_code, reply.human) == (3, "did fail")


def raw_exchange(path: Path, payload: bytes) -> list[dict[str, Any]]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(os.fspath(path))
        sock.sendall(payload)
        with sock.makefile("rb") as stream:
            return [json.loads(line) for line in stream]


@pytest.mark.parametrize(("payload", "fragment"), [
    (b"not json\n", "not a JSON request"),
    (b"[1, 2]\n", "a request is a JSON object"),
    (b'{"protocol": 2, "command": "close"}\n', "protocol 2; this engine speaks 1"),
    (b'{"protocol": 1, "command": ""}\n', "command must be a non-empty string"),
    (b'{"protocol": 1, "command": "close", "args": []}\n', "args must be an object"),
    (b'{"protocol": 1, "command": "close", "extra": 1}\n', "unknown request keys: extra"),
    (b'{"protocol": 1, "command": "x", "pad": "' + b"a" * MAX_REQUEST + b'"}\n',
     f"request longer than {MAX_REQUEST} bytes"),
])
def test_a_bad_request_is_refused_with_exit_2_and_runs_nothing(home: Path, payload: bytes,
                                                              fragment: str) -> None:
    path = socket_path(home / "state.json")
    ran: list[str] = []

    async def handler(request: ControlRequest, progress: Any) -> ControlReply:
        ran.append(request.command)
        return ControlReply(0, {}, "")
    [reply] = serve(path, handler, lambda: raw_exchange(path, payload))
    assert reply["exit_code"] == 2 and fragment in reply["human"]
    assert reply["json"]["exit_code"] == 2
    assert ran == []


def test_requests_run_one_at_a_time_in_arrival_order(home: Path) -> None:
    path = socket_path(home / "state.json")
    order: list[str] = []
    running = 0

    async def slow(request: ControlRequest, progress: Any) -> ControlReply:
        nonlocal running
        running += 1
        assert running == 1, "two requests ran at once"
        order.append(f"start {request.command}")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        order.append(f"end {request.command}")
        running -= 1
        return ControlReply(0, {}, request.command)

    async def main() -> list[str]:
        server = ControlServer(path, slow)
        await server.start()
        loop = asyncio.get_running_loop()
        try:
            replies = await asyncio.gather(*(
                loop.run_in_executor(None, send, path, ControlRequest(f"c{i}", {}))
                for i in range(4)))
        finally:
            await server.close()
        return [r.human for r in replies]
    humans = asyncio.run(main())
    assert sorted(humans) == ["c0", "c1", "c2", "c3"]
    starts = [o for o in order if o.startswith("start")]
    assert all(order[2 * i + 1] == starts[i].replace("start", "end") for i in range(4))


def test_a_stale_socket_is_replaced_and_a_live_one_is_not(home: Path) -> None:
    path = socket_path(home / "state.json")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(os.fspath(path))
    stale.close()   # the file stays, nobody listens: a dead engine's socket
    assert path.exists() and not is_answering(path)
    reply = serve(path, echo, lambda: send(path, ControlRequest("status", {})))
    assert reply.exit_code == 0

    async def two() -> None:
        first = ControlServer(path, echo)
        await first.start()
        try:
            with pytest.raises(ControlError, match="already answers"):
                await ControlServer(path, echo).start()
        finally:
            await first.close()
    asyncio.run(two())


def test_no_engine_is_a_control_error(home: Path) -> None:
    with pytest.raises(ControlError, match="no engine answers"):
        send(socket_path(home / "state.json"), ControlRequest("close", {}))


def test_an_engine_that_dies_mid_request_leaves_the_outcome_unknown(home: Path) -> None:
    path = socket_path(home / "state.json")

    async def dies(request: ControlRequest, progress: Any) -> ControlReply:
        progress("started")
        raise ConnectionResetError("engine went away")

    with pytest.raises(ControlLost, match="without a reply"):
        serve(path, dies, lambda: send(path, ControlRequest("close", {})))


def test_an_unsafe_directory_or_a_long_path_is_refused(home: Path) -> None:
    os.chmod(home, 0o777)
    try:
        async def start() -> None:
            await ControlServer(home / "control.sock", echo).start()
        with pytest.raises(ControlError, match="writable by others"):
            asyncio.run(start())
    finally:
        os.chmod(home, 0o700)
    with pytest.raises(ControlError, match="longer than 107 bytes"):
        send(home / ("x" * 120) / "control.sock", ControlRequest("close", {}))


def test_parse_request_reads_a_valid_line() -> None:
    got = parse_request(b'{"protocol": 1, "id": "a", "command": "halt", "args": {"x": 1}}\n')
    assert got == ControlRequest("halt", {"x": 1}, "a")



def test_a_handler_that_raises_answers_exit_3_with_the_error(home: Path) -> None:
    path = socket_path(home / "state.json")

    async def broken(request: ControlRequest, progress: Any) -> ControlReply:
        raise RuntimeError("boom")
    reply = serve(path, broken, lambda: send(path, ControlRequest("close", {})))
    assert (reply.exit_code, reply.human) == (3, "error: RuntimeError: boom")
