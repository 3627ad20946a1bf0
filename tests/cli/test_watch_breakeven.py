"""`watch` through a whole winning trade on the simulator: TP1 fills, the stop moves to
breakeven, the price falls back through it, the moved stop closes the rest. The watch must see
the position end flat and go on watching (exit 0 on SIGTERM), not end with exit 3.

Each step waits on a condition at the exchange or in watch's metrics, never on a time."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from entrypoints.exit_codes import ExitCode
from tests.cli.conftest import SYMBOL, Exchange, run_cli
from tests.cli.test_logging import OPEN
from tests.cli.test_metrics import VENUE, free_port, value, wait_for

ENTRY, TP1, BELOW_BREAKEVEN = Decimal("30000"), Decimal("31000"), Decimal("29500")
# Engine finding (lanes inv/seed): in the sequences marked RACY, watch sometimes ends with
# exit 3 "a flat position has no entry side" (about 1 run in 3 at load average 8-14 on 2
# cores; none in 5 runs at load 6): its recovery
# (application/recover_steps.py plan_symbol -> _ensure_stop) plans a ReplaceProtection for a
# position the store still holds open while the exchange shows it flat, and
# PositionSide.NONE.exit_side raises. Not yet deterministic, so they run only on request:
# PROMETHEUS_REPRO_WATCH_FLAT=1.
RACY = pytest.mark.skipif(os.environ.get("PROMETHEUS_REPRO_WATCH_FLAT") != "1",
                          reason="engine finding, races (PROMETHEUS_REPRO_WATCH_FLAT=1 runs it)")


def _live_stops(exchange: Exchange) -> list[dict[str, str]]:
    """The exchange's own view (its admin read), not the engine's."""
    rows = httpx.get(f"{exchange.sim.rest_url}/sim/algos", params={"instId": SYMBOL},
                     timeout=10).json()["algos"]
    return [row for row in rows if row["state"] == "live"]


def _fills(exchange: Exchange) -> list[dict[str, str]]:
    return list(httpx.get(f"{exchange.sim.rest_url}/sim/fills", params={"instId": SYMBOL},
                          timeout=10).json()["fills"])


def _position(exchange: Exchange) -> list[dict[str, str]]:
    rows = httpx.get(f"{exchange.sim.rest_url}/sim/positions", timeout=10).json()["positions"]
    return [row for row in rows if row["instId"] == SYMBOL and Decimal(row["pos"]) != 0]


def _watch(exchange: Exchange, workdir: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, **{k: v for k, v in exchange.env().items() if v is not None},
           "PROMETHEUS_TRACEBACK": "1"}  # an exit 3 shows where it came from
    for name, val in exchange.env().items():
        if val is None:
            env.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "entrypoints", "watch", "--metrics-port",
                             str(port), "--run-for", "300"], cwd=workdir, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait(test: Callable[[], bool], what: str, proc: subprocess.Popen[str],
          limit_s: float = 60) -> None:
    """Poll the exchange until test holds (a condition; the limit only ends a hung run)."""
    deadline = time.monotonic() + limit_s
    while not test():
        assert proc.poll() is None, f"watch ended early: {proc.communicate()}"
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("through", ["breakeven",
                                     pytest.param("breakeven-cancel-held", marks=RACY),
                                     pytest.param("both-cancel-held", marks=RACY)])
def test_watch_follows_tp1_breakeven_and_a_stop_closing_the_rest(
        exchange: Exchange, workdir: Path, through: str) -> None:
    """breakeven: the stop has moved (old one cancelled), then the price falls through it.
    *-cancel-held: the simulator holds the old stop's cancel, so the price falls while watch is
    still replacing the stop (the new one visible, the old one live): through the new one only
    (breakeven-) or through both (both-)."""
    exchange.fresh()
    opened = run_cli([*OPEN, "--intent-id", "brkev1"], exchange.env())
    assert opened.code == ExitCode.DONE, opened.stderr
    (old,) = _live_stops(exchange)
    port = free_port()
    proc = _watch(exchange, workdir, port)
    try:
        wait_for(port, lambda s: value(s, "prometheus_exec_positions", **VENUE) == 1
                 and exchange.sim.ws_subscribers("orders") > 0
                 and exchange.sim.ws_subscribers("orders-algo") > 0, "the watch subscribed",
                 proc)
        held = through.endswith("cancel-held")
        if held:
            exchange.sim.faults.inject("latency", "trade/cancel-algos", times=1, ms=5000)
        # TP1 fills: watch places the breakeven stop, sees it, then cancels the old one
        exchange.sim.set_price(SYMBOL, TP1)
        _wait(lambda: any(a["algoId"] != old["algoId"] for a in _live_stops(exchange)),
              "the breakeven stop at the exchange", proc)
        new = [a for a in _live_stops(exchange) if a["algoId"] != old["algoId"]]
        assert BELOW_BREAKEVEN < Decimal(new[0]["slTriggerPx"]) <= TP1, new
        if held:  # the old stop's cancel is still on its way
            assert old["algoId"] in {a["algoId"] for a in _live_stops(exchange)}
        else:
            _wait(lambda: len(_live_stops(exchange)) == 1, "the old stop cancelled", proc)
        price = Decimal(old["slTriggerPx"]) - 100 if through.startswith("both") \
            else BELOW_BREAKEVEN
        exchange.sim.set_price(SYMBOL, price)
        _wait(lambda: _position(exchange) == [], "the position closed at the exchange", proc)
        wait_for(port, lambda s: value(s, "prometheus_exec_positions", **VENUE) == 0,
                 "watch seeing the position flat", proc)
        _wait(lambda: _live_stops(exchange) == [], "no stop left", proc)
        assert proc.poll() is None, proc.communicate()  # still watching
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert "a flat position has no entry side" not in out + err, err
    assert proc.returncode in (0, -signal.SIGTERM, 143), err


@pytest.mark.parametrize("wait_for_move", [False, pytest.param(True, marks=RACY)],
                         ids=["gap", "as-found"])
def test_watch_survives_the_price_falling_through_right_after_tp1(
        exchange: Exchange, workdir: Path, wait_for_move: bool) -> None:
    """as-found: the sequence of the finding (price to TP1, the stop move counted in the
    metrics, at once the price through the old stop); gap: through the old stop before the
    move."""
    exchange.fresh()
    opened = run_cli([*OPEN, "--intent-id", "brkev2"], exchange.env())
    assert opened.code == ExitCode.DONE, opened.stderr
    (old,) = _live_stops(exchange)
    port = free_port()
    proc = _watch(exchange, workdir, port)
    try:
        first = wait_for(port, lambda s: value(s, "prometheus_exec_positions", **VENUE) == 1
                         and exchange.sim.ws_subscribers("orders") > 0
                         and exchange.sim.ws_subscribers("orders-algo") > 0,
                         "the watch subscribed", proc)
        stops = value(first, "prometheus_exec_orders_sent_total", type="conditional")
        confirmed = value(first, "prometheus_exec_stop_confirmation_seconds_count")
        exchange.sim.set_price(SYMBOL, TP1)
        if wait_for_move:
            wait_for(port, lambda s: value(s, "prometheus_exec_orders_sent_total",
                                           type="conditional") > stops
                     and value(s, "prometheus_exec_stop_confirmation_seconds_count")
                     > confirmed, "the stop moved after TP1", proc)
        else:
            _wait(lambda: any(f["clOrdId"].startswith("pxT1") for f in _fills(exchange)),
                  "the TP1 fill", proc)
        exchange.sim.set_price(SYMBOL, Decimal(old["slTriggerPx"]))
        _wait(lambda: _position(exchange) == [], "the position closed at the exchange", proc)
        wait_for(port, lambda s: value(s, "prometheus_exec_positions", **VENUE) == 0,
                 "watch seeing the position flat", proc)
        _wait(lambda: _live_stops(exchange) == [], "no stop left", proc)
        assert proc.poll() is None, proc.communicate()  # still watching
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert "a flat position has no entry side" not in out + err, err
    assert proc.returncode in (0, -signal.SIGTERM, 143), err
