"""Alerts: an exit-3 result is POSTed as JSON to alert_webhook_url, retried with backoff, never
raised; tested against a loopback receiver."""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import attrs
import pytest

from entrypoints import alerts
from entrypoints.exit_codes import ExitCode
from tests.cli.conftest import KEY, PASSPHRASE, SECRET, Exchange, run_cli
from tests.cli.tamper_proxy import Spoiled
from tests.cli.test_logging import OPEN


@attrs.define
class Receiver:
    url: str
    bodies: list[dict[str, object]] = attrs.field(factory=list)
    # answers to give, in order, before the receiver starts answering 204
    failures: list[int] = attrs.field(factory=list)


@contextmanager
def receiver() -> Iterator[Receiver]:
    got = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            got.bodies.append(json.loads(body))
            status = got.failures.pop(0) if got.failures else 204
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_receiver_is_retried_with_doubling_waits_until_it_answers() -> None:
    waits: list[float] = []
    with receiver() as hook:
        hook.failures = [503, 429]
        done = alerts.send(hook.url, {"n": 1}, first_wait_s=0.5, sleep=waits.append)
    assert done == alerts.Delivery(True, 3, "")
    assert waits == [0.5, 1.0] and hook.bodies == [{"n": 1}] * 3


def test_an_unreachable_receiver_gives_up_after_the_attempts_and_never_raises() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    waits: list[float] = []
    done = alerts.send(f"http://127.0.0.1:{port}/", {}, attempts=3, sleep=waits.append)
    assert not done.delivered and done.attempts == 3 and "ConnectError" in done.last_problem
    assert waits == [0.5, 1.0]


def test_a_refused_body_is_not_sent_again() -> None:
    with receiver() as hook:
        hook.failures = [400]
        done = alerts.send(hook.url, {}, sleep=lambda _s: None)
    assert done == alerts.Delivery(False, 1, "HTTP 400") and len(hook.bodies) == 1


def config_with(path: Path, url: str) -> Path:
    path.write_text(f"alert_webhook_url = '{url}'\n")
    return path


def test_an_unprotected_open_alerts_the_webhook_and_a_clean_status_does_not(
        exchange: Exchange, workdir: Path) -> None:
    with receiver() as hook:
        config = config_with(workdir / "settings.toml", hook.url)
        exchange.fresh()
        clean = run_cli(["--config", str(config), "status"], exchange.env())
        assert clean.code == ExitCode.DONE, clean.stderr
        assert hook.bodies == []
        # the stop's answer is spoiled: no stop can be confirmed, the position is flattened
        exchange.tamper.rules["trade/order-algo"] = Spoiled(502, b"<html>502</html>",
                                                            "text/html")
        bad = run_cli(["--config", str(config), *OPEN, "--intent-id", "alok2", "--json"],
                      exchange.env())
        exchange.tamper.rules.clear()
    assert bad.code == ExitCode.NEEDS_ATTENTION
    assert len(hook.bodies) == 1
    body = hook.bodies[0]
    assert body["exit"] == "NEEDS_ATTENTION" and body["command"] == "open"
    reason = f" ({bad.payload['reason']})" if bad.payload["reason"] else ""
    assert body["venue"] == "okx-demo"
    assert body["summary"] == f"open BTC-USDT-SWAP on okx-demo: {bad.payload['status']}{reason}"
    assert body["detail"] == bad.payload  # the same result --json printed
    text = json.dumps(body)
    for secret in (KEY, SECRET, PASSPHRASE):
        assert secret not in text


def test_a_webhook_that_is_not_a_url_is_bad_input(exchange: Exchange, workdir: Path) -> None:
    config = config_with(workdir / "settings.toml", "ftp://example.org/hook")
    ran = run_cli(["--config", str(config), "status"], exchange.env())
    assert ran.code == ExitCode.BAD_INPUT
    assert "alert_webhook_url: expected a URL starting with http:// or https://" in ran.stderr


@pytest.mark.parametrize("variable", ["PROMETHEUS_ALERT_WEBHOOK_URL"])
def test_the_environment_names_the_webhook_too(variable: str, exchange: Exchange,
                                               workdir: Path) -> None:
    with receiver() as hook:
        exchange.fresh()
        exchange.tamper.rules["trade/order-algo"] = Spoiled(502, b"<html>502</html>",
                                                            "text/html")
        ran = run_cli([*OPEN, "--intent-id", "alok3"], {**exchange.env(), variable: hook.url})
        exchange.tamper.rules.clear()
    assert ran.code == ExitCode.NEEDS_ATTENTION
    assert [b["command"] for b in hook.bodies] == ["open"]
