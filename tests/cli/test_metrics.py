"""Metrics: `watch --metrics-port` serves prometheus_client's registry on loopback; a scrape sees
the numbers move as real operations happen on the simulator."""

import inspect
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from entrypoints.exit_codes import ExitCode
from entrypoints.metrics import EngineMetrics, MetricsSink
from ports.evidence import ExchangeCallRecord
from tests.cli.conftest import SYMBOL, Exchange, run_cli
from tests.cli.test_logging import OPEN

VENUE = {"venue": "okx-demo"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    return sum(v for (n, lab), v in samples.items()
               if n == name and set(labels.items()) <= set(lab))


def wait_for(port: int, test: Callable[[dict[tuple[str, frozenset[tuple[str, str]]], float]],
                                       bool], what: str, proc: subprocess.Popen[str],
             limit_s: float = 60) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Scrape until test holds (a condition, not a timing: the limit only ends a hung run)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"watch ended early: {proc.communicate()}"
        try:
            samples = scrape(port)
        except httpx.HTTPError:
            samples = {}
        if samples and test(samples):
            return samples
        time.sleep(0.1)
    raise AssertionError(f"never saw {what}")


def test_the_sink_decorator_counts_placements_by_outcome_and_times_requests() -> None:
    metrics = EngineMetrics()

    class Inner:
        run_dir = Path("r")
        trade_writes = 5

        def record_call(self, record: ExchangeCallRecord) -> str:
            return "ref"

    sink = MetricsSink(Inner(), metrics, "sim")  # type: ignore[arg-type]
    for endpoint, body, outcome in (
            ("POST /api/v5/trade/order", {"ordType": "market"}, "ok"),
            ("POST /api/v5/trade/order", {"ordType": "limit"}, "rejected:51008"),
            ("POST /api/v5/trade/order-algo", {"ordType": "conditional"}, "unknown:timeout"),
            ("GET /api/v5/account/positions", None, "ok")):
        sink.record_call(ExchangeCallRecord("rest", endpoint, {"body": body},
                                            {"elapsed_ms": 12.5}, outcome, 0, 0.0))
    sink.record_call(ExchangeCallRecord("ws_state", "WS /ws/v5/private", {}, None,
                                        "disconnected", 0, 0.0))
    sink.record_call(ExchangeCallRecord("rest", "POST /api/v5/trade/order",
                                        {"body": {"ordType": "market"}, "sent": False}, None,
                                        "error:not_sent:x", 0, 0.0))
    r = metrics.registry
    get = r.get_sample_value
    assert get("prometheus_exec_orders_sent_total", {"venue": "sim", "type": "market"}) == 1
    assert get("prometheus_exec_orders_rejected_total",
               {"venue": "sim", "type": "limit", "code": "51008"}) == 1
    assert get("prometheus_exec_orders_unknown_total",
               {"venue": "sim", "type": "conditional"}) == 1
    assert get("prometheus_exec_request_seconds_count",
               {"venue": "sim", "endpoint": "GET /api/v5/account/positions"}) == 1
    assert get("prometheus_exec_request_seconds_sum",
               {"venue": "sim", "endpoint": "GET /api/v5/account/positions"}) == 0.0125
    assert get("prometheus_exec_ws_reconnects_total",
               {"venue": "sim", "stream": "/ws/v5/private"}) == 1
    assert get("prometheus_exec_evidence_records_total", {"venue": "sim"}) == 6
    assert sink.trade_writes == 5 and sink.run_dir == Path("r")  # the rest is passed on


def test_a_busy_or_wrong_metrics_port_is_bad_input(exchange: Exchange, workdir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        exchange.fresh()
        before = len(exchange.requests())
        ran = run_cli(["watch", "--metrics-port", str(port), "--run-for", "1"], exchange.env())
        assert ran.code == ExitCode.BAD_INPUT and f"--metrics-port {port}" in ran.stderr
        assert len(exchange.requests()) == before  # refused before any exchange call
    ran = run_cli(["watch", "--metrics-port", "70000"], exchange.env())
    assert ran.code == ExitCode.BAD_INPUT and "1..65535" in ran.stderr


def test_a_scrape_sees_the_numbers_move_with_real_operations(exchange: Exchange,
                                                             workdir: Path) -> None:
    exchange.fresh()
    opened = run_cli([*OPEN, "--intent-id", "metr1"], exchange.env())
    assert opened.code == ExitCode.DONE, opened.stderr
    port = free_port()
    env = {**os.environ, **{k: v for k, v in exchange.env().items() if v is not None}}
    for name, val in exchange.env().items():
        if val is None:
            env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "entrypoints", "watch", "--metrics-port",
                             str(port), "--run-for", "120"], cwd=workdir, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # watching: subscribed to the order and algo pushes (so a disconnect hits a live stream)
        wait_for(port, lambda s: value(s, "prometheus_exec_positions", **VENUE) == 1
                 and exchange.sim.ws_subscribers("orders") > 0
                 and exchange.sim.ws_subscribers("orders-algo") > 0, "the watch subscribed",
                 proc)
        first = scrape(port)
        assert value(first, "prometheus_exec_unprotected_positions", **VENUE) == 0
        assert value(first, "prometheus_exec_evidence_records_total", **VENUE) > 0
        assert value(first, "prometheus_exec_evidence_fsync_seconds_count") > 0
        # a stream lost: counted as a reconnect; the recovery after it reads the exchange again
        reads = value(first, "prometheus_exec_request_seconds_count")
        assert exchange.sim.disconnect_ws("*") > 0
        wait_for(port, lambda s: value(s, "prometheus_exec_ws_reconnects_total", **VENUE) >= 1
                 and value(s, "prometheus_exec_request_seconds_count") > reads,
                 "a reconnect and the reads after it", proc)
        # TP1 fills at the exchange: watch moves the stop to breakeven (a new stop placed and
        # confirmed visible)
        stops = value(first, "prometheus_exec_orders_sent_total", type="conditional")
        confirmed = value(first, "prometheus_exec_stop_confirmation_seconds_count")
        exchange.sim.set_price(SYMBOL, Decimal("31000"))
        moved = wait_for(port, lambda s: value(s, "prometheus_exec_orders_sent_total",
                                               type="conditional") > stops
                         and value(s, "prometheus_exec_stop_confirmation_seconds_count")
                         > confirmed, "the stop moved after TP1", proc)
        assert value(moved, "prometheus_exec_unprotected_positions", **VENUE) == 0
        assert value(moved, "prometheus_exec_positions", **VENUE) == 1  # TP1 closed a part
        # (not tried here: the moved stop triggering while watch runs. On Python 3.13 under
        # load that once ended watch with "a flat position has no entry side", exit 3: an
        # engine finding reported to lanes inv/seed, not a metrics question)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, 143), err
    with pytest.raises(httpx.HTTPError):
        scrape(port)  # the endpoint ends with the watch


def test_the_metrics_sink_spells_out_every_evidence_sink_member() -> None:
    """Python 3.12+ checks runtime Protocols with getattr_static, which does not see names a
    wrapper only delegates through __getattr__: the container then refuses the sink (seen on
    3.13 when EvidenceSink gained read_back)."""
    from entrypoints.metrics import MetricsSink
    from ports.evidence import EvidenceSink

    members = {n for n in vars(EvidenceSink) if not n.startswith("_")}
    missing = {n for n in members if inspect.getattr_static(MetricsSink, n, None) is None}
    assert not missing, missing
