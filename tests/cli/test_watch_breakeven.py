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
from tests.cli.tamper_proxy import Hold
from tests.cli.test_logging import OPEN
from tests.cli.test_metrics import VENUE, free_port, value, wait_for

ENTRY, TP1, BELOW_BREAKEVEN = Decimal("30000"), Decimal("31000"), Decimal("29500")
# Engine finding (lanes inv/seed): watch ended with exit 3 "a flat position has no entry side"
# in about 1 run in 3 at load average 8-14. The race was in the tests' start condition: "watch
# subscribed" holds while watch's start-up recovery still runs, so a TP1 fill could be that
# recovery's to handle; when the stops then fired under the stop it was placing, recovery found
# the exchange flat and the store open and planned a stop for side NONE (fixed in
# application/recover_steps.py `_gone`). The sequences now wait for the start-up recovery to end
# (the dead-man switch armed at the exchange) and pin watch inside a chosen call with a request
# or answer held at the proxy (tests/cli/tamper_proxy.py); test_watch_recovering_at_start_...
# is the failing order made deterministic (it fails in every run with `_gone` removed).
CANCEL_ALGOS = "trade/cancel-algos"


def _live_stops(exchange: Exchange) -> list[dict[str, str]]:
    """The exchange's own view (its admin read), not the engine's."""
    rows = httpx.get(f"{exchange.sim.rest_url}/sim/algos", params={"instId": SYMBOL},
                     timeout=10).json()["algos"]
    return [row for row in rows if row["state"] == "live"]


def _triggered(exchange: Exchange) -> set[str]:
    rows = httpx.get(f"{exchange.sim.rest_url}/sim/algos", params={"instId": SYMBOL},
                     timeout=10).json()["algos"]
    return {row["algoId"] for row in rows if row["state"] == "effective"}


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


def _started(exchange: Exchange, port: int, proc: subprocess.Popen[str], positions: int = 1
             ) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """watch has subscribed and finished its start-up recovery: its first turn after it arms
    the dead-man switch, seen at the exchange (a TP1 fill before that is the recovery's, not
    ManagePosition's: test_watch_recovering_at_start_...)."""
    return wait_for(port, lambda s: value(s, "prometheus_exec_positions", **VENUE) == positions
                    and exchange.sim.ws_subscribers("orders") > 0
                    and exchange.sim.ws_subscribers("orders-algo") > 0
                    and any(w.endswith("trade/cancel-all-after") for w in exchange.writes()),
                    "the watch started", proc)


def _flat_and_still_watching(exchange: Exchange, port: int,
                             proc: subprocess.Popen[str]) -> None:
    wait_for(port, lambda s: value(s, "prometheus_exec_positions", **VENUE) == 0,
             "watch seeing the position flat", proc)
    _wait(lambda: _live_stops(exchange) == [], "no stop left", proc)
    assert proc.poll() is None, proc.communicate()  # still watching


def _stop(proc: subprocess.Popen[str], hold: Hold | None) -> tuple[str, str]:
    """Release what the proxy holds and stop watch with SIGTERM: its stdout and stderr."""
    if hold is not None:
        hold.release()
    proc.send_signal(signal.SIGTERM)
    return proc.communicate(timeout=60)


def _ended_cleanly(proc: subprocess.Popen[str], out: str, err: str) -> None:
    """watch stopped on SIGTERM and never met a flat position it took for open."""
    assert "a flat position has no entry side" not in out + err, err
    assert proc.returncode in (0, -signal.SIGTERM, 143), err


@pytest.mark.parametrize("through", ["breakeven", "breakeven-cancel-held", "both-cancel-held"])
def test_watch_follows_tp1_breakeven_and_a_stop_closing_the_rest(
        exchange: Exchange, workdir: Path, through: str) -> None:
    """breakeven: the stop has moved (old one cancelled), then the price falls through it.
    *-cancel-held: the old stop's cancel is held at the proxy, so the price falls while watch is
    inside that call (the new stop visible, the old one live), and the cancel reaches the
    exchange only after the position is flat there: through the new stop only (breakeven-) or
    through both (both-)."""
    exchange.fresh()
    opened = run_cli([*OPEN, "--intent-id", "brkev1"], exchange.env())
    assert opened.code == ExitCode.DONE, opened.stderr
    (old,) = _live_stops(exchange)
    port = free_port()
    proc = _watch(exchange, workdir, port)
    hold: Hold | None = None
    try:
        _started(exchange, port, proc)
        if through.endswith("cancel-held"):
            hold = exchange.tamper.hold(CANCEL_ALGOS)
        # TP1 fills: watch places the breakeven stop, sees it, then cancels the old one
        exchange.sim.set_price(SYMBOL, TP1)
        if hold is not None:  # watch is inside the old stop's cancel, which has not arrived
            _wait(hold.arrived.is_set, "watch cancelling the old stop", proc)
            assert old["algoId"] in {a["algoId"] for a in _live_stops(exchange)}
        else:
            _wait(lambda: [a["algoId"] for a in _live_stops(exchange)] != [old["algoId"]]
                  and len(_live_stops(exchange)) == 1, "the old stop replaced", proc)
        new = [a for a in _live_stops(exchange) if a["algoId"] != old["algoId"]]
        assert len(new) == 1 and BELOW_BREAKEVEN < Decimal(new[0]["slTriggerPx"]) <= TP1, new
        price = Decimal(old["slTriggerPx"]) - 100 if through.startswith("both") \
            else BELOW_BREAKEVEN
        exchange.sim.set_price(SYMBOL, price)
        _wait(lambda: _position(exchange) == [], "the position closed at the exchange", proc)
        if hold is not None:  # one of our stops closed it, the new one if only it was crossed
            fired = _triggered(exchange)
            assert new[0]["algoId"] in fired if through.startswith("breakeven") \
                else fired & {new[0]["algoId"], old["algoId"]}, fired
            hold.release()
        _flat_and_still_watching(exchange, port, proc)
    finally:
        out, err = _stop(proc, hold)
    _ended_cleanly(proc, out, err)
    # the old stop's cancel as the exchange answered it: taken, or refused as fired
    word = "already effective" if through.startswith("both") else "accepted"
    assert f"cancel stop {old['algoClOrdId']}: {word} (replaced by" in err, err


@pytest.mark.parametrize("wait_for_move", [False, True], ids=["gap", "as-found"])
def test_watch_survives_the_price_falling_through_right_after_tp1(
        exchange: Exchange, workdir: Path, wait_for_move: bool) -> None:
    """as-found: the sequence of the finding (price to TP1, the stop move counted in the
    metrics, at once the price through the old stop), pinned to the order that failed: the old
    stop's cancel is held at the proxy until the position is flat at the exchange (the other
    order, the cancel done first, is test_watch_follows_tp1_breakeven's `breakeven`); gap:
    through the old stop before the move."""
    exchange.fresh()
    opened = run_cli([*OPEN, "--intent-id", "brkev2"], exchange.env())
    assert opened.code == ExitCode.DONE, opened.stderr
    (old,) = _live_stops(exchange)
    port = free_port()
    proc = _watch(exchange, workdir, port)
    hold: Hold | None = None
    try:
        first = _started(exchange, port, proc)
        stops = value(first, "prometheus_exec_orders_sent_total", type="conditional")
        confirmed = value(first, "prometheus_exec_stop_confirmation_seconds_count")
        if wait_for_move:
            hold = exchange.tamper.hold(CANCEL_ALGOS)
        exchange.sim.set_price(SYMBOL, TP1)
        if hold is not None:
            wait_for(port, lambda s: value(s, "prometheus_exec_orders_sent_total",
                                           type="conditional") > stops
                     and value(s, "prometheus_exec_stop_confirmation_seconds_count")
                     > confirmed, "the stop moved after TP1", proc)
            _wait(hold.arrived.is_set, "watch cancelling the old stop", proc)
        else:
            _wait(lambda: any(f["clOrdId"].startswith("pxT1") for f in _fills(exchange)),
                  "the TP1 fill", proc)
        exchange.sim.set_price(SYMBOL, Decimal(old["slTriggerPx"]))
        _wait(lambda: _position(exchange) == [], "the position closed at the exchange", proc)
        if hold is not None:
            hold.release()
        _flat_and_still_watching(exchange, port, proc)
    finally:
        out, err = _stop(proc, hold)
    _ended_cleanly(proc, out, err)
    if hold is not None:
        assert f"cancel stop {old['algoClOrdId']}: already effective" in err, err


def test_watch_survives_both_stops_firing_while_the_new_one_is_placed(
        exchange: Exchange, workdir: Path) -> None:
    """After TP1 watch places the breakeven stop; the price falls through both stops while
    watch does not know yet that the new one stands: the exchange has run the placement but its
    answer is held at the proxy. The old stop closes the position; the new one, crossed too,
    finds nothing to close."""
    exchange.fresh()
    opened = run_cli([*OPEN, "--intent-id", "brkev3"], exchange.env())
    assert opened.code == ExitCode.DONE, opened.stderr
    (old,) = _live_stops(exchange)
    port = free_port()
    proc = _watch(exchange, workdir, port)
    hold: Hold | None = None
    try:
        _started(exchange, port, proc)
        hold = exchange.tamper.hold("trade/order-algo", "POST", after=True)
        exchange.sim.set_price(SYMBOL, TP1)
        _wait(hold.arrived.is_set, "watch waiting on the new stop's placement", proc)
        assert len(_live_stops(exchange)) == 2  # the new one stands, the old one too
        exchange.sim.set_price(SYMBOL, Decimal(old["slTriggerPx"]) - 100)
        _wait(lambda: _position(exchange) == [], "the position closed at the exchange", proc)
        hold.release()
        _flat_and_still_watching(exchange, port, proc)
    finally:
        out, err = _stop(proc, hold)
    _ended_cleanly(proc, out, err)
    # the old stop fired before its cancel came: said so, not "accepted"
    assert f"cancel stop {old['algoClOrdId']}: already effective" in err, err


def test_watch_recovering_at_start_while_both_stops_fire(exchange: Exchange,
                                                        workdir: Path) -> None:
    """The order that failed (exit 3, "a flat position has no entry side"): TP1 filled before
    watch's start-up recovery looked, so that recovery moves the stop itself; the price falls
    through both stops while the new stop's placement answer is held. Recovery then finds the
    exchange flat and the store still open: it closes the trade from its entry side, recorded
    from the exchange's fills, and watch goes on."""
    exchange.fresh()
    opened = run_cli([*OPEN, "--intent-id", "brkev4"], exchange.env())
    assert opened.code == ExitCode.DONE, opened.stderr
    (old,) = _live_stops(exchange)
    exchange.sim.set_price(SYMBOL, TP1)
    assert any(f["clOrdId"].startswith("pxT1") for f in _fills(exchange))
    hold = exchange.tamper.hold("trade/order-algo", "POST", after=True)
    port = free_port()
    proc = _watch(exchange, workdir, port)
    try:
        _wait(hold.arrived.is_set, "recovery placing the breakeven stop", proc)
        assert not any(w.endswith("trade/cancel-all-after") for w in exchange.writes())
        assert len(_live_stops(exchange)) == 2  # the new one stands, the old one too
        exchange.sim.set_price(SYMBOL, Decimal(old["slTriggerPx"]) - 100)
        _wait(lambda: _position(exchange) == [], "the position closed at the exchange", proc)
        hold.release()
        _started(exchange, port, proc, positions=0)  # recovery over, the position flat
        _wait(lambda: _live_stops(exchange) == [], "no stop left", proc)
        assert proc.poll() is None, proc.communicate()  # still watching
    finally:
        out, err = _stop(proc, hold)
    _ended_cleanly(proc, out, err)
    assert "exchange holds nothing of LONG 0.5 (BETWEEN_TP1_TP2): closed in the store" in err, err
