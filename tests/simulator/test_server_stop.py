"""The embedded simulator's stop (simulator/server.py ServerThread): it ends its thread, closes
its port and every connection still open, runs the app's lifespan shutdown, and does not go
through uvicorn's serve() loop (whose 0.1 s exit-flag tick and fixed 0.1 s wait every embedded
command paid at exit, issue 14 P3)."""

import socket
import threading
import time
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from simulator.embedded import EmbeddedSimulator
from simulator.server import ServerThread, bind

TIME = "/api/v5/public/time"


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def sim_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("okx-sim-") and t.is_alive()]


@pytest.mark.parametrize("exchange", ["okx", "binance"])
def test_stop_ends_the_thread_closes_the_port_and_runs_the_lifespan_shutdown(
        exchange: str) -> None:
    before = sim_threads()
    sim = EmbeddedSimulator(exchange=exchange).start()
    port = int(sim.rest_url.rsplit(":", 1)[1])
    assert not refused(port)
    assert len(sim.core.state.sinks) == 1  # the face's WS hub, removed by the lifespan's end
    sim.stop()
    assert refused(port)
    assert sim_threads() == before
    assert sim.core.state.sinks == []


def test_stop_closes_an_idle_keep_alive_connection_and_an_open_websocket() -> None:
    sim = EmbeddedSimulator().start()
    client = httpx.Client(base_url=sim.rest_url)
    try:
        assert client.get(TIME).status_code == 200  # the connection stays open (keep-alive)
        with connect(f"{sim.ws_url}/ws/v5/public") as ws:
            ws.send("ping")
            assert ws.recv(timeout=5) == "pong"
            sim.stop()
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            # a close frame (1012: service restart, uvicorn's shutdown of a WS), not a drop
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
        with pytest.raises(httpx.TransportError):  # the kept-alive connection is gone too
            client.get(TIME)
    finally:
        client.close()
        sim.stop()
    assert sim_threads() == []


def test_stop_does_not_use_uvicorns_serve_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("serve()'s polling loop or its shutdown with a fixed wait ran")

    monkeypatch.setattr(uvicorn.Server, "main_loop", refuse)
    monkeypatch.setattr(uvicorn.Server, "shutdown", refuse)
    with EmbeddedSimulator() as sim:
        assert httpx.get(f"{sim.rest_url}{TIME}").json()["code"] == "0"
        thread = sim._threads[0]
    assert thread._error is None and not thread._thread.is_alive()


async def failing_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "lifespan"
    await receive()
    await send({"type": "lifespan.startup.failed", "message": "refused on purpose"})


def fired(sim: EmbeddedSimulator) -> bool:
    return bool(sim.faults.listed()[0]["fired"])


def test_a_request_in_flight_when_the_stop_comes_gets_its_whole_answer() -> None:
    sim = EmbeddedSimulator().start()
    sim.faults.inject("latency", "public/time", times=1, ms=300)
    answers: list[httpx.Response | Exception] = []

    def ask() -> None:
        try:
            answers.append(httpx.get(f"{sim.rest_url}{TIME}", timeout=10))
        except Exception as exc:
            answers.append(exc)

    asker = threading.Thread(target=ask)
    asker.start()
    deadline = time.monotonic() + 10
    while not fired(sim) and time.monotonic() < deadline:  # the request is inside, waiting
        time.sleep(0.005)
    assert fired(sim)
    sim.stop()
    asker.join(timeout=10)
    assert len(answers) == 1 and isinstance(answers[0], httpx.Response), answers
    assert answers[0].status_code == 200 and answers[0].json()["code"] == "0"


def test_the_app_hears_the_lifespan_shutdown() -> None:
    heard: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            heard.append(message["type"])
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return

    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="critical"))
    thread = ServerThread(server, bind("127.0.0.1", 0))
    thread.start()
    thread.stop()
    assert heard == ["lifespan.startup", "lifespan.shutdown"]
    assert refused(thread.port) and not thread._thread.is_alive()


def test_a_server_that_cannot_start_says_so_and_leaves_nothing_running() -> None:
    server = uvicorn.Server(uvicorn.Config(failing_app, lifespan="on", log_level="critical"))
    thread = ServerThread(server, bind("127.0.0.1", 0))
    with pytest.raises(RuntimeError, match="failed to start"):
        thread.start()
    thread.stop()
    assert not thread._thread.is_alive()
    assert refused(thread.port)


def test_stop_twice_and_stop_without_start_are_harmless() -> None:
    sim = EmbeddedSimulator().start()
    sim.stop()
    sim.stop()
    EmbeddedSimulator().stop()
    assert sim_threads() == []
