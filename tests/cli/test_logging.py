"""Logging: the library logs through logging.getLogger(__name__); the CLI writes the lines on
stderr (human or JSON), with the evidence redactor applied, at --log-level (default warning)."""

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from entrypoints import logs
from tests.cli.conftest import KEY, PASSPHRASE, SECRET, SYMBOL, Exchange, Ran, run_cli

OPEN = ["open", "--symbol", SYMBOL, "--side", "long", "--qty", "1", "--stop", "29000",
        "--tp1", "31000", "--tp1-qty", "0.5", "--tp2", "32000", "--tp2-qty", "0.3"]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(ran: Ran) -> list[dict[str, Any]]:
    found = []
    for line in ran.stderr.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def test_a_secret_never_reaches_a_log_line_in_either_format(restore_logging: None) -> None:
    logs.SECRETS.add([SECRET])
    for as_json in (False, True):
        out = io.StringIO()
        logs.configure("info", as_json, stream=out)
        log = logging.getLogger("adapters.okx.rest")
        log.info("signed with %s", SECRET, extra={"api_key": "plain-key-value",
                                                   "note": f"x{SECRET}y", "attempt": 2})
        text = out.getvalue()
        assert SECRET not in text and "plain-key-value" not in text, text
        assert text.count("[redacted]") >= 3, text
        if as_json:
            doc = json.loads(text)
            assert doc["attempt"] == 2 and doc["logger"] == "adapters.okx.rest"
            assert doc["level"] == "info" and doc["api_key"] == "[redacted]"
        else:
            assert "INFO adapters.okx.rest: signed with [redacted]" in text
            assert "attempt=2" in text


def test_the_level_filters_and_noisy_libraries_stay_at_warning(restore_logging: None) -> None:
    out = io.StringIO()
    logs.configure("warning", False, stream=out)
    logging.getLogger("application.order_path").info("quiet")
    logging.getLogger("application.order_path").warning("loud")
    logs.configure("debug", False, stream=out)
    logging.getLogger("httpx").info("HTTP Request: GET /")
    logging.getLogger("adapters.okx.ws").debug("detail")
    text = out.getvalue()
    assert "loud" in text and "quiet" not in text
    assert "HTTP Request" not in text and "detail" in text
    # a handler left over from an earlier configure (e.g. restored by a test) is replaced too
    logging.getLogger().addHandler(logs.configure("warning", False, stream=out))
    logs.configure("warning", False, stream=out)
    logging.getLogger("application").warning("once")
    assert out.getvalue().count("once") == 1
    with pytest.raises(ValueError, match="--log-level must be one of"):
        logs.configure("verbose")


def test_an_unknown_order_outcome_and_its_resolution_are_logged_with_the_client_id(
        exchange: Exchange, workdir: Path, restore_logging: None) -> None:
    exchange.fresh()
    exchange.sim.faults.inject("drop_after_accept", "trade/order", method="POST", times=1,
                               mode="reset")
    ran = run_cli(["--log-level", "info", "--log-json", *OPEN, "--intent-id", "logu1"],
                  exchange.env())
    assert ran.code == 0, ran.stderr
    lines = json_lines(ran)
    unknown = [d for d in lines if d["message"].startswith("order outcome unknown")]
    resolved = [d for d in lines if d["message"].startswith("unknown order outcome resolved")]
    placed = [r for r in exchange.requests() if r["method"] == "POST"
              and str(r["path"]).endswith("/trade/order")]
    client_id = json.loads(str(placed[0]["body"]))["clOrdId"]
    assert [d["client_order_id"] for d in unknown] == [client_id]
    assert [d["client_order_id"] for d in resolved] == [client_id]
    assert unknown[0]["level"] == "warning" and resolved[0]["state"] == "filled"
    confirmed = [d for d in lines if d.get("event") == "stop_confirmed"]
    algos = [json.loads(str(r["body"]))["algoClOrdId"] for r in exchange.requests()
             if str(r["path"]).endswith("/trade/order-algo") and r["method"] == "POST"]
    assert [d["client_algo_id"] for d in confirmed] == algos
    for secret in (KEY, SECRET, PASSPHRASE):
        assert secret not in ran.stderr and secret not in ran.stdout


def test_by_default_only_warnings_show_and_a_retry_is_info(
        exchange: Exchange, workdir: Path, restore_logging: None) -> None:
    exchange.fresh()
    exchange.sim.faults.inject("busy", "account/positions", times=1)
    quiet = run_cli(["status"], exchange.env())
    assert quiet.code == 0, quiet.stderr
    assert "retrying" not in quiet.stderr
    exchange.sim.faults.inject("busy", "account/positions", times=1)
    loud = run_cli(["status", "--log-level", "INFO"], exchange.env())
    assert loud.code == 0, loud.stderr
    retry = [line for line in loud.stderr.splitlines() if "retrying a read" in line]
    assert len(retry) == 1, loud.stderr
    assert "endpoint=GET /api/v5/account/positions" in retry[0] and "attempt=1" in retry[0]
