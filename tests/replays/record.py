"""Record the replay sessions of tests/replays/ from the simulator (run again after a change
that alters what the engine sends, and commit what it writes):

    .venv/bin/python -m tests.replays.record [NAME ...]

Each session is one CLI command run in this process against an embedded simulator as venue
okx-demo, or on its Binance face as binance-testnet (the faults injected through the
simulator's own API), from a scratch directory so
the manifest holds relative paths only; its run directory is copied to tests/replays/NAME/.

The engine-work retry (entrypoints/replay.py ENGINE_WORK_S) has no recorded session of its
own: whether a recorded deadline decision falls inside the engine's own work depends on
microseconds no record holds (ARCHITECTURE.md, "Where the seeds and the issues pull apart");
test_replays.py edits open_stop_invisible to place the sentinel's last poll at that boundary.
"""

import contextlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import attrs
from typer.main import get_command

from entrypoints import reads_day
from entrypoints.cli import app
from simulator.embedded import EmbeddedSimulator

HERE = Path(__file__).resolve().parent
SYMBOL = "BTC-USDT-SWAP"
# the simulator's keys: long enough for the sink to scrub by value as well as by name
KEY, SECRET, PASSPHRASE = "replay-key-000000001", "replay-secret-0000000000001", "replay-Pass-01"
BINANCE_SYMBOL = "BTCUSDC"
OPEN = ["open", "--symbol", SYMBOL, "--side", "long", "--qty", "1", "--stop", "29000",
        "--tp1", "31000", "--tp1-qty", "0.5", "--tp2", "32000", "--tp2-qty", "0.25"]
BINANCE_OPEN = ["open", "--symbol", BINANCE_SYMBOL, "--side", "long", "--qty", "0.010",
                "--stop", "29000", "--tp1", "31000", "--tp1-qty", "0.004", "--tp2", "32000",
                "--tp2-qty", "0.003"]


@attrs.frozen
class Session:
    name: str
    argv: list[str]
    prepare: Callable[[EmbeddedSimulator], object] = lambda sim: None
    what: str = ""
    # commands run first, not kept: the recorded one starts from the state they leave
    before: tuple[tuple[str, ...], ...] = ()
    exchange: str = "okx"  # the simulator's face: okx (venue okx-demo) or binance (testnet)


SESSIONS = (
    Session("probe", ["probe", "--json"], what="seed 000's PROBE closed loop"),
    Session("open", [*OPEN, "--intent-id", "plain1", "--json"],
            what="a market entry, its stop confirmed, both take-profits resting"),
    Session("open_stop_invisible", [*OPEN, "--intent-id", "hidden1", "--json"],
            lambda sim: sim.faults.inject("algo_visibility_delay", "trade/order-algo",
                                          times=1, ms=1500),
            what="the stop stays invisible 1.5 s: emergency flatten and 30 min locks"),
    Session("open_entry_dropped", [*OPEN, "--intent-id", "dropped1", "--json"],
            lambda sim: sim.faults.inject("drop_after_accept", "trade/order", method="POST",
                                          times=1, mode="reset"),
            what="the entry's answer is lost after the exchange accepted it: resolved by "
                 "client id"),
    Session("open_read_dropped", [*OPEN, "--intent-id", "reread1", "--json"],
            lambda sim: sim.faults.inject("drop_after_accept", "trade/order", method="GET",
                                          times=1, mode="reset"),
            what="a read's connection drops (the client-id check before the entry): retried"),
    Session("selfcheck", ["selfcheck", "--json"],
            what="seed 001 §9 checks, the WS streams logged in and subscribed"),
    Session("watch_ws_drop", ["watch", "--run-for", "3", "--json"],
            lambda sim: _cut_public_stream_during_watch(sim),
            what="watch while the public stream is cut (1006) and reconnects: resubscribed "
                 "and reconciled through REST"),
    Session("close_stored_position", ["close", "--symbol", SYMBOL, "--json"],
            what="close a position opened by an earlier command: starts from the state it "
                 "stored (the manifest's state_at_start)",
            before=((*OPEN, "--intent-id", "kept1", "--json"),)),
    Session("binance_open_entry_dropped", [*BINANCE_OPEN, "--intent-id", "bdrop1", "--json"],
            lambda sim: sim.faults.inject("drop_after_accept", "fapi/v1/order", method="POST",
                                          times=1, mode="reset"),
            what="Binance: the entry's answer is lost after the exchange accepted it: "
                 "resolved by client id", exchange="binance"),
    Session("binance_watch_key_expiry", ["watch", "--run-for", "3", "--json"],
            lambda sim: _expire_listen_key_during_watch(sim),
            what="Binance: watch while the listen key expires (listenKeyExpired, -1125): a "
                 "new key, resubscribed, reconciled through REST", exchange="binance"),
)


def _cut_public_stream_during_watch(sim: EmbeddedSimulator) -> None:
    """The public stream's first message after its two acks and two snapshots is not sent: the
    connection is aborted instead. The price moves 1 s into the watch, which makes that push."""
    sim.faults.inject("ws_disconnect", "ws/public", skip=4, times=1)
    for delay, price in ((1.0, "30010"), (1.8, "30020")):
        timer = threading.Timer(delay, sim.set_price, (SYMBOL, Decimal(price)))
        timer.daemon = True
        timer.start()


def _expire_listen_key_during_watch(sim: EmbeddedSimulator) -> None:
    """1 s into the watch the listen key expires (listenKeyExpired pushed, the key refused
    from then on); the price moves before and after, which makes pushes on both keys."""
    def later(delay: float, action: Callable[[], object]) -> None:
        timer = threading.Timer(delay, action)
        timer.daemon = True
        timer.start()
    later(0.6, lambda: sim.set_price(BINANCE_SYMBOL, Decimal("30010")))
    later(1.2, lambda: sim.faults.inject("listen_key_expiry", "*", times=1))
    later(2.2, lambda: sim.set_price(BINANCE_SYMBOL, Decimal("30020")))


@contextlib.contextmanager
def _environment(sim: EmbeddedSimulator, exchange: str) -> Iterator[None]:
    values = {"OKX_API_KEY": KEY, "OKX_API_SECRET": SECRET, "OKX_API_PASSPHRASE": PASSPHRASE,
              "OKX_REST_URL": sim.rest_url, "OKX_WS_URL": sim.ws_url,
              "PROMETHEUS_VENUE": "okx-demo"}
    if exchange == "binance":
        values = {"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET,
                  "BINANCE_REST_URL": sim.rest_url, "BINANCE_WS_URL": sim.ws_url,
                  "PROMETHEUS_VENUE": "binance-testnet"}
    saved = {name: os.environ.get(name) for name in [*values, "PROMETHEUS_CONFIG"]}
    os.environ.update(values)
    os.environ.pop("PROMETHEUS_CONFIG", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def record(session: Session, into: Path = HERE) -> Path:
    """Run the session on a fresh simulator; its run directory becomes into/NAME."""
    with tempfile.TemporaryDirectory(prefix="prometheus-record-") as scratch, \
            EmbeddedSimulator(api_key=KEY, secret=SECRET, passphrase=PASSPHRASE, mode="demo",
                              seed=7, price_walk=False, exchange=session.exchange) as sim, \
            _environment(sim, session.exchange):
        sim.set_price(BINANCE_SYMBOL if session.exchange == "binance" else SYMBOL,
                      Decimal("30000"))
        session.prepare(sim)
        cwd = Path.cwd()
        os.chdir(scratch)
        try:
            for argv in session.before:
                get_command(app).main(args=list(argv), standalone_mode=False)
            earlier = set(Path("runs").iterdir()) if Path("runs").exists() else set()
            get_command(app).main(args=session.argv, standalone_mode=False)
            runs = [Path(scratch) / p for p in set(Path("runs").iterdir()) - earlier]
        finally:
            os.chdir(cwd)
        if len(runs) == 1 and reads_day.is_day(runs[0]):  # status/selfcheck: the day's segment
            runs = [p for p in runs[0].iterdir() if p.is_dir()]
        if len(runs) != 1:
            raise RuntimeError(f"{session.name}: expected one run directory, got {runs}")
        target = into / session.name
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(runs[0], target)
        return target


def record_replayable(session: Session, into: Path = HERE, attempts: int = 3) -> Path:
    """Record until the session replays. A recording can be undecidable from its timestamps:
    the sentinel's "is there time for one more poll?" may have been settled by the engine's
    own microseconds between reading the clock and sending; such a recording is made again."""
    from entrypoints.replay import replay_run

    for _ in range(attempts):
        target = record(session, into)
        code, _, human = replay_run(target)
        if code == 0:
            return target
        print(f"{session.name}: recorded again ({human[:200]})", file=sys.stderr)
    raise RuntimeError(f"{session.name} did not replay after {attempts} recordings")


def main(names: list[str]) -> None:
    chosen = [s for s in SESSIONS if not names or s.name in names]
    unknown = set(names) - {s.name for s in SESSIONS}
    if unknown:
        raise SystemExit(f"unknown session(s): {', '.join(sorted(unknown))}")
    for session in chosen:
        print(f"recorded {session.name}: {record_replayable(session)}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
