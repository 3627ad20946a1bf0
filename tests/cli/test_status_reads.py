"""status and selfcheck (without orders) append to one run directory per UTC day and venue;
`status` prints a table and highlights an unprotected position; --json keeps its fields."""

import time
from pathlib import Path

import attrs

from adapters.state.json_store import JsonFileStateStore
from domain.state import CooldownUntil, ExecQualityRoll, SymbolState, with_pending_stops
from entrypoints import reads_day
from entrypoints.exit_codes import ExitCode
from entrypoints.results import PendingStopRow, StatusResult, StatusRow, TableExtras
from entrypoints.status_extras import locks_left, quality
from entrypoints.status_table import COLUMNS, pending_line, status_table
from tests.cli.conftest import SYMBOL, Exchange, run_cli
from tests.cli.test_logging import OPEN

STATUS_KEYS = {"command", "venue", "run_dir", "symbols", "exit_code", "exit"}


def today_dir(workdir: Path, venue: str = "okx-demo") -> Path:
    return workdir / "runs" / f"{time.strftime('%Y%m%d', time.gmtime())}_reads_{venue}"


def test_read_only_runs_of_a_day_share_one_directory_that_verifies(
        exchange: Exchange, workdir: Path) -> None:
    exchange.fresh()
    ran = [run_cli(["status", "--json"], exchange.env()) for _ in range(3)]
    ran.append(run_cli(["selfcheck", "--json"], exchange.env()))
    assert [r.code for r in ran] == [0, 0, 0, 0], [r.stderr for r in ran]
    day = today_dir(workdir)
    assert [p.name for p in (workdir / "runs").iterdir()] == [day.name]
    segments = sorted(p for p in day.iterdir() if p.is_dir())
    assert sorted(Path(str(r.payload["run_dir"])) for r in ran) == [
        s.relative_to(workdir) for s in segments]
    checked = run_cli(["verify", str(day), "--json"], exchange.env())
    assert checked.code == 0, checked.stdout
    report = checked.payload
    assert report["status"] == "intact" and len(report["segments"]) == 4
    assert report["exit"] == "INTACT"
    # a run with orders is not read-only: it gets its own directory, as before
    orders = run_cli(["selfcheck", "--with-orders", "--json"], exchange.env())
    # (its checks may meet the simulator's rate limit on public/time after four runs: this
    # is about where its evidence goes)
    assert Path(str(orders.payload["run_dir"])).parent == Path("runs")


def test_a_failed_read_only_run_is_covered_by_the_days_sums_at_once(
        exchange: Exchange, workdir: Path) -> None:
    exchange.fresh()
    assert run_cli(["status"], exchange.env()).code == 0
    wrong = run_cli(["status", "--json"], {**exchange.env(), "OKX_API_SECRET": "wrong"})
    assert wrong.code == 1, wrong.stdout
    day = today_dir(workdir)
    assert Path(str(wrong.payload["run_dir"])).parent == day.relative_to(workdir)
    checked = run_cli(["verify", str(day), "--json"], exchange.env())
    assert checked.code == 0, checked.stdout
    assert checked.payload["status"] == "intact" and len(checked.payload["segments"]) == 2


def test_an_edit_inside_a_segment_or_the_days_sums_breaks_the_day(
        exchange: Exchange, workdir: Path) -> None:
    exchange.fresh()
    for _ in range(2):
        assert run_cli(["status"], exchange.env()).code == 0
    day = today_dir(workdir)
    first = sorted(p for p in day.iterdir() if p.is_dir())[0]
    sums = first / "SHA256SUMS.txt"
    sums.write_text(sums.read_text().replace("  ", "  x", 1))
    broken = run_cli(["verify", str(day), "--json"], exchange.env())
    assert broken.code == 1, broken.stdout
    assert broken.payload["exit"] == "BROKEN"
    assert any("changed since the day was sealed" in p
               for p in broken.payload["index_problems"])
    # a segment removed from under the day is noticed too
    reads_day.seal(day)
    for path in sorted(first.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    first.rmdir()
    gone = run_cli(["verify", str(day)], exchange.env())
    assert gone.code == 1 and "is listed but missing" in gone.stdout


def test_status_prints_a_table_and_highlights_an_unprotected_position(
        exchange: Exchange, workdir: Path) -> None:
    exchange.fresh()
    assert run_cli([*OPEN, "--intent-id", "tab1"], exchange.env()).code == 0
    as_json = run_cli(["status", "--json"], exchange.env())
    assert set(as_json.payload) == STATUS_KEYS
    row = as_json.payload["symbols"][0]
    human = run_cli(["status"], exchange.env())
    assert human.code == 0, human.stderr
    lines = human.stdout.splitlines()
    assert lines[0].split() == list(COLUMNS)
    cells = lines[1].split()
    assert cells[:4] == [SYMBOL, "LONG", "1", row["entry_price"]]
    assert cells[4] == "30000" and cells[6:8] == ["29000", "visible"]
    assert cells[8] == "PRE_TP1" and "UNPROTECTED" not in human.stdout
    # the stop disappears at the exchange: the row is marked and named
    algo_id = row["stops"][0]["algo_id"]
    exchange.sim.core.cancel_algos([{"instId": SYMBOL, "algoId": algo_id}])
    bare = run_cli(["status"], exchange.env())
    assert bare.code == ExitCode.NEEDS_ATTENTION
    marked = [line for line in bare.stdout.splitlines() if line.startswith("! ")]
    assert len(marked) == 1 and SYMBOL in marked[0] and "NOT visible" in marked[0]
    assert f"UNPROTECTED {SYMBOL}:" in bare.stdout
    assert "\x1b[" not in bare.stdout  # no colour codes when stdout is not a terminal


def test_the_table_colours_only_for_a_terminal_and_shows_locks_and_quality() -> None:
    from decimal import Decimal as D
    row = StatusRow(SYMBOL, "SHORT", D(2), D("30100"), D("-3.5"), "PRE_TP1", D(2),
                    "pxSLa1@30500", False, (), False, "loss cooldown", False, "no stop")
    result = StatusResult(venue="sim", run_dir=Path("r"), symbols=(row,),
                          exit_code=ExitCode.NEEDS_ATTENTION,
                          table=(TableExtras(SYMBOL, D("30120"), "loss 4m05s",
                                             "fill 0.90, slip 0.050R, n=12"),))
    plain = status_table(result, color=False)
    assert "30500 NOT visible" in plain and "loss 4m05s" in plain
    assert "fill 0.90, slip 0.050R, n=12" in plain and "\x1b[" not in plain
    assert "\x1b[31m\x1b[1mUNPROTECTED" in status_table(result, color=True)
    assert "\x1b[" not in status_table(attrs.evolve(result, symbols=(
        attrs.evolve(row, protection_gap="", protected=True),)), color=True)
    flat = attrs.evolve(row, exchange_side="", exchange_qty=D(0), stored_stop="",
                        protection_gap="1 stop(s) of ours without a position")
    plain = status_table(attrs.evolve(result, symbols=(flat,)), color=False)
    assert f"STRAY STOPS {SYMBOL}: 1 stop(s) of ours without a position (run `recover`)" \
        in plain.splitlines() and "UNPROTECTED" not in plain


def test_locks_show_their_remaining_time_and_quality_its_samples() -> None:
    state = SymbolState(SYMBOL, cooldown_until=CooldownUntil(loss=1245, freeze=999,
                                                             shock=1000 + 7300))
    assert locks_left(state, 1000) == "loss 4m05s, shock 2h01m"
    assert quality(state) == "no samples"
    rolled = attrs.evolve(state, exec_quality_roll=ExecQualityRoll(
        fill_rate_30=0.9, slippage_cost30_r=0.05, sample_n=12))
    assert quality(rolled) == "fill 0.90, slip 0.050R, n=12"


def test_status_lists_pending_stops_and_flags_a_live_one_no_position_owns(
        exchange: Exchange, workdir: Path) -> None:
    exchange.fresh()
    assert run_cli([*OPEN, "--intent-id", "pnd1"], exchange.env()).code == 0
    # two stops of ours whose placement answers were lost (as a killed process leaves them):
    # recorded pending in the store 30 s ago, neither shown by the exchange yet
    store = JsonFileStateStore(workdir / "state" / "okx-demo" / "state.json")
    store.load()
    since = int(time.time()) - 30
    store.set_symbol_state(SYMBOL, with_pending_stops(
        store.get_symbol_state(SYMBOL), ("pxSLpnd101", "pxSLpnd102"), since))
    store.flush()
    store.close()
    routine = run_cli(["status", "--json"], exchange.env())
    assert routine.code == ExitCode.DONE, routine.stdout
    (row,) = routine.payload["symbols"]
    assert [(p["client_algo_id"], p["since"], p["exchange"], p["adopted"], p["stray"])
            for p in row["pending_stops"]] == [("pxSLpnd101", since, "not seen", False, False),
                                               ("pxSLpnd102", since, "not seen", False, False)]
    assert all(p["age_s"] >= 30 for p in row["pending_stops"])
    human = run_cli(["status"], exchange.env())
    assert human.code == ExitCode.DONE and not any(
        line.startswith("! ") for line in human.stdout.splitlines())
    assert f"{SYMBOL} pending stop pxSLpnd101, sent " in human.stdout
    assert "pxSLpnd102, sent" in human.stdout and "STRAY STOP" not in human.stdout
    # the first one shows up, and the position's own stop is gone: the exchange holds exactly
    # one covering stop, but no position owns it
    (own,) = routine.payload["symbols"][0]["stops"]
    exchange.sim.core.cancel_algos([{"instId": SYMBOL, "algoId": own["algo_id"]}])
    placed = exchange.sim.core.place_algo({
        "instId": SYMBOL, "tdMode": "cross", "side": "sell", "ordType": "conditional",
        "sz": "1", "slTriggerPx": "29000", "slOrdPx": "-1", "slTriggerPxType": "mark",
        "reduceOnly": True, "algoClOrdId": "pxSLpnd101"})[0]
    stray = run_cli(["status"], exchange.env())
    assert stray.code == ExitCode.NEEDS_ATTENTION, stray.stdout
    marked = [line for line in stray.stdout.splitlines() if line.startswith("! ")]
    assert len(marked) == 1 and SYMBOL in marked[0] and "UNPROTECTED" not in stray.stdout
    (line,) = [x for x in stray.stdout.splitlines() if x.startswith("STRAY STOP")]
    assert line.startswith(f"STRAY STOP {SYMBOL} pending stop pxSLpnd101 "
                           f"(algo {placed['algoId']}), sent ")
    assert line.endswith(": live at the exchange and no position's stop (run `recover`)")
    as_json = run_cli(["status", "--json"], exchange.env())
    assert as_json.code == ExitCode.NEEDS_ATTENTION
    assert [(p["exchange"], p["stray"], p["algo_id"])
            for p in as_json.payload["symbols"][0]["pending_stops"]] == [
        ("live", True, placed["algoId"]), ("not seen", False, "")]
    # recover adopts the live one (a stop of the position's own intent covering it) and keeps
    # the unseen one pending (it may still arrive)
    assert run_cli(["recover"], exchange.env()).code == ExitCode.DONE
    after = run_cli(["status", "--json"], exchange.env())
    assert after.code == ExitCode.DONE, after.stdout
    (row,) = after.payload["symbols"]
    assert [s["client_algo_id"] for s in row["stops"]] == ["pxSLpnd101"]
    assert row["stored_stop"].startswith("pxSLpnd101@")
    assert [p["client_algo_id"] for p in row["pending_stops"]] == ["pxSLpnd102"]


def test_each_pending_stop_line_says_its_age_and_what_happens_to_it() -> None:
    from decimal import Decimal as D
    def line(age: int | None, exchange: str = "not seen", adopted: bool = False,
             algo: str = "") -> str:
        return pending_line(SYMBOL, PendingStopRow("pxSLa101", algo, 1, age, exchange, adopted,
                                                   exchange != "not seen" and not adopted))
    head = f"{SYMBOL} pending stop pxSLa101"
    assert line(42) == (f"{head}, sent 42 s ago: not among the exchange's open stops (still "
                        "on its way, or gone); the next recovery cancels it by client id")
    assert line(-3).startswith(f"{head}, sent 0 s ago")  # a record from a clock ahead
    assert line(59).startswith(f"{head}, sent 59 s ago")
    assert line(60).startswith(f"{head}, sent 1m00s ago")
    assert line(299).startswith(f"{head}, sent 4m59s ago: not among the exchange's open "
                                "stops (still on its way")
    assert line(300) == (f"{head}, sent 5m00s ago: not among the exchange's open stops; the "
                         "next recovery cancels it by client id or, not found, forgets it "
                         "(300 s after it was sent)")
    assert line(7260, "live", adopted=True, algo="9") == (
        f"{head} (algo 9), sent 2h01m ago: live, the position's stop")
    assert line(None, "live") == (f"STRAY STOP {head}, sent at an unknown time: live at the "
                                  "exchange and no position's stop (run `recover`)")
    # only a stray one marks the row and is coloured on a terminal
    row = StatusRow(SYMBOL, "LONG", D(1), D("30000"), D(0), "PRE_TP1", D(1), "pxSLa100@29000",
                    True, (), False, "", True, "", pending_stops=(
                        PendingStopRow("pxSLa101", "", 1, 5, "not seen", False, False),))
    result = StatusResult(venue="sim", run_dir=Path("r"), symbols=(row,),
                          exit_code=ExitCode.DONE)
    calm = status_table(result, color=True)
    assert "\x1b[" not in calm and "pxSLa101, sent 5 s ago" in calm
    stray = attrs.evolve(row, pending_stops=(
        PendingStopRow("pxSLa101", "7", 1, 5, "live", False, True),))
    loud = status_table(attrs.evolve(result, symbols=(stray,)), color=True)
    assert f"\x1b[31m\x1b[1mSTRAY STOP {SYMBOL}" in loud
    assert f"\x1b[31m\x1b[1m! {SYMBOL}" in loud  # the row too
    plain = status_table(attrs.evolve(result, symbols=(stray,)), color=False).splitlines()
    assert plain[1].startswith(f"! {SYMBOL}") and plain[2].startswith("STRAY STOP")
