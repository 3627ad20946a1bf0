"""Every position use-case end to end on venue sim-binance: the real Binance adapter against
the simulator's Binance face on its virtual clock, checked at the exchange (/sim/...)."""

import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from application.manage_position import ManagePositionCommand
from application.recover_protection import RecoverCommand
from domain.regime import Regime
from domain.state import PositionStage
from entrypoints.container import Application
from tests.e2e.binance_harness import SYMBOL, BinanceWorld, binance_world, long_cmd, open_long

D = Decimal


@pytest.fixture
def bw(tmp_path: Path) -> Iterator[BinanceWorld]:
    with binance_world(tmp_path) as world:
        yield world


def manage(bar_close: str | None = None) -> Any:
    async def body(c: Application) -> Any:
        return await c.use_cases.manage_position().execute(ManagePositionCommand(
            SYMBOL, D(bar_close) if bar_close else None, Regime.TREND if bar_close else None))
    return body


def raw_records(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in
            (run_dir / "m_execution_raw_part_0001.jsonl").read_text().splitlines()]


def test_open_stop_take_profits_and_the_runner_exit(bw: BinanceWorld) -> None:
    opened = bw.run(open_long("flow1"))
    assert opened.status == "opened", opened
    (entry,) = bw.orders_with("pxENflow100")
    assert (entry["state"], entry["accFillSz"], entry["side"]) == ("filled", "0.01", "buy")
    (stop,) = bw.live_algos()
    assert (stop["algoClOrdId"], stop["side"], stop["sz"], stop["slTriggerPx"],
            stop["slTriggerPxType"], stop["slOrdPx"], stop["reduceOnly"], stop["visible"]) == (
        "pxSLflow100", "sell", "0.01", "29400", "mark", "-1", True, True)
    tps = {o["clOrdId"]: (o["px"], o["sz"], o["reduceOnly"]) for o in bw.live_orders()}
    assert tps == {"pxT1flow100": ("30300", "0.004", True),
                   "pxT2flow100": ("30600", "0.003", True)}

    bw.sim.set_price(SYMBOL, D("30700"))  # through both take-profits
    managed = bw.run(manage())
    assert managed.observed == ("Tp1Filled", "Tp2Filled")
    assert managed.state.position_state.stage is PositionStage.RUNNER_ONLY
    assert bw.position() == D("0.003")
    (stop,) = bw.live_algos()
    assert (stop["sz"], stop["side"], stop["reduceOnly"]) == ("0.003", "sell", True)

    bw.sim.set_price(SYMBOL, D("31000"))
    peaked = bw.run(manage("31000"))  # 1.6 R: arms the giveback exit
    assert peaked.state.position_state.stage is PositionStage.RUNNER_ONLY
    bw.sim.set_price(SYMBOL, D("30400"))
    exited = bw.run(manage("30400"))  # back under half the peak: the runner closes
    assert exited.state.position_state.stage is PositionStage.FLAT
    assert bw.position() == 0
    assert bw.live_algos() == [] and bw.live_orders() == []
    runner = [o for o in bw.admin("/sim/orders")["orders"] if o["clOrdId"].startswith(
        ("pxRLflow1", "pxRMflow1"))]
    assert sum(D(o["accFillSz"]) for o in runner) == D("0.003")
    assert all(o["reduceOnly"] and o["side"] == "sell" for o in runner)


def test_a_stop_invisible_for_1500_ms_is_flattened_and_the_symbol_locked(
        bw: BinanceWorld) -> None:
    bw.sim.faults.inject("algo_visibility_delay", "fapi/v1/algoOrder", method="POST", times=1,
                         ms=1500)
    container = bw.container()

    async def body(c: Application) -> Any:
        opened = await c.use_cases.open_position().execute(long_cmd("inv1"))
        again = await c.use_cases.open_position().execute(long_cmd("inv2"))
        return opened, again
    from entrypoints.lifecycle import run
    opened, again = run(container, body)
    assert opened.status == "flattened", opened
    assert again.status == "rejected_by_gate" and "freeze" in again.reason
    assert bw.position() == 0
    (flatten,) = bw.orders_with("pxFLinv100")
    assert (flatten["ordType"], flatten["side"], flatten["reduceOnly"], flatten["state"],
            flatten["accFillSz"]) == ("market", "sell", True, "filled", "0.01")
    # the stop that turned visible too late is cancelled, not left behind
    (hidden,) = [a for a in bw.admin("/sim/algos")["algos"] if a["algoClOrdId"] == "pxSLinv100"]
    assert hidden["state"] == "canceled"
    records = raw_records(container.adapters.run_dir())
    stop_sent = next(r for r in records if r["endpoint"] == "POST /fapi/v1/algoOrder")
    flat_sent = next(r for r in records if r["endpoint"] == "POST /fapi/v1/order"
                     and r["request"]["params"].get("newClientOrderId") == "pxFLinv100")
    # on the virtual clock: the sentinel gave the stop its full second, not more than a poll
    waited_ms = flat_sent["wall_ms"] - stop_sent["wall_ms"]
    assert 1000 <= waited_ms <= 1000 + 110 + 50, waited_ms
    locks = opened.state.cooldown_until
    now_s = flat_sent["wall_ms"] // 1000
    assert locks.freeze >= now_s + 1800 and locks.loss >= now_s + 1800


def test_a_lost_answer_to_an_accepted_entry_leaves_exactly_one_order(bw: BinanceWorld) -> None:
    bw.sim.faults.inject("drop_after_accept", "fapi/v1/order", method="POST", times=1,
                         mode="reset")
    done = bw.run(open_long("drop1"))
    assert done.status == "opened", done
    (entry,) = bw.orders_with("pxENdrop100")
    assert entry["state"] == "filled"
    assert len(bw.requests("/fapi/v1/order")) >= 2  # the placement, then the lookup by id
    (stop,) = bw.live_algos()
    assert (stop["algoClOrdId"], stop["sz"], stop["slTriggerPx"]) == ("pxSLdrop100", "0.01",
                                                                      "29400")


def test_a_confirmed_stop_cancelled_while_the_engine_was_away_is_placed_again(
        bw: BinanceWorld) -> None:
    assert bw.run(open_long("gone1")).status == "opened"
    bw.cancel_behind_the_engines_back("pxSLgone100")
    assert bw.live_algos() == []

    async def recover(c: Application) -> Any:
        return await c.use_cases.recover().execute(RecoverCommand((SYMBOL,)))
    recovered = bw.run(recover)
    (again,) = bw.live_algos()
    assert again["algoClOrdId"] != "pxSLgone100"
    assert (again["sz"], again["slTriggerPx"], again["slTriggerPxType"], again["reduceOnly"],
            again["side"]) == ("0.01", "29400", "mark", True, "sell")
    assert bw.position() == D("0.010")
    (row,) = recovered.symbols
    assert any("was confirmed before the engine stopped: re-create it" in a
               for a in row.actions), row.actions


def test_a_skewed_exchange_clock_is_measured_again_and_the_command_succeeds(
        bw: BinanceWorld) -> None:
    container = bw.container()

    async def body(c: Application) -> Any:
        await c.use_cases.status().execute(_status())  # the clock is measured here
        bw.sim.faults.inject("clock_skew", "*", ms=8000)  # beyond the 5,000 ms recvWindow
        return await c.use_cases.open_position().execute(long_cmd("skew1"))
    from entrypoints.lifecycle import run
    done = run(container, body)
    assert done.status == "opened", done
    records = raw_records(container.adapters.run_dir())
    refused = [r for r in records if r["outcome"] == "rejected:-1021"]
    assert refused, "the skew must have been met"
    assert all(r["endpoint"].startswith("GET ") for r in refused)  # a write is never re-sent
    later = records[records.index(refused[0]) + 1:]
    assert any(r["endpoint"] == "GET /fapi/v1/time" for r in later)  # measured again
    assert min(r["clock_offset_ms"] for r in later if r["endpoint"] == "POST /fapi/v1/order"
               ) >= 7000
    assert len(bw.orders_with("pxENskew100")) == 1 and len(bw.live_algos()) == 1


def test_a_418_ban_stops_all_traffic_and_nothing_is_placed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Binance bans an IP that goes on sending after its 429s; the promise is that once the
    418 answer has been read, not one more request leaves until the ban ends. The gate's reads
    go out together (issue 14 P2), so reads sent before the 418 came back may reach the
    exchange after the banned one: they did not follow it. Checked on the real clock, where
    each record's send time and the 418's arrival are measured on one monotonic clock."""
    from entrypoints.lifecycle import run
    caplog.set_level(logging.ERROR, logger="prometheus.binance")
    with binance_world(tmp_path, virtual=False) as bw:
        bw.sim.faults.inject("rate_limit", "fapi/v1/premiumIndex", times=1, status=418)
        container = bw.container()

        async def body(c: Application) -> Any:
            with pytest.raises(Exception, match="banned"):
                await c.use_cases.open_position().execute(long_cmd("ban1"))
            # a later command in the same process is refused before anything is sent
            with pytest.raises(Exception, match="banned"):
                await c.use_cases.status().execute(_status())
        run(container, body)
        records = raw_records(container.adapters.run_dir())
        journal = bw.sim.requests()
        assert bw.orders_with("pxENban100") == [] and bw.position() == 0
    (ban,) = [r for r in records if r["endpoint"] == "GET /fapi/v1/premiumIndex"
              and r["response"] is not None]
    assert ban["response"]["http_status"] == 418
    seen = ban["mono_s"] + ban["response"]["elapsed_ms"] / 1000
    sent = [r for r in records if r["endpoint"].startswith(("GET ", "POST ", "PUT ", "DELETE "))
            and r["request"].get("sent") is not False]
    unsent = [r for r in records if r["request"] and r["request"].get("sent") is False]
    # every request that left was sent before the 418 was read (1 µs: elapsed_ms's rounding)
    late = [(r["endpoint"], r["mono_s"] - seen) for r in sent if r["mono_s"] > seen + 1e-6]
    assert late == []
    assert len(journal) == len(sent)  # the exchange saw exactly those
    assert not any(r["method"] != "GET" for r in journal)  # no write reached it
    assert unsent and all(r["outcome"] == "error:not_sent:ip_banned" for r in unsent)
    assert any("banned this IP" in r.getMessage() for r in caplog.records)


def _status() -> Any:
    from application.status import StatusCommand
    return StatusCommand((SYMBOL,))
