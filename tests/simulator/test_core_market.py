"""Core: price paths, candles, instruments and the other public data."""

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from simulator.core.clock import VirtualClock
from simulator.core.errors import ApiError
from simulator.core.exchange import ExchangeCore
from simulator.core.state import CoreConfig
from tests.simulator.conftest import BTC, START_MS


def path_of(seed: int, steps: int = 20) -> list[D]:
    clock = VirtualClock(START_MS)
    core = ExchangeCore(CoreConfig(seed=seed), clock)
    prices = []
    for _ in range(steps):
        clock.advance(1000)
        prices.append(core.quote(BTC)[0])
    return prices


def test_price_paths_repeat_for_a_seed_and_differ_between_seeds() -> None:
    first, again, other = path_of(7), path_of(7), path_of(8)
    assert first == again
    assert first != other
    assert len(set(first)) > 10  # it moves every step
    assert all(p % D("0.1") == 0 for p in first)  # on the tick grid


def test_the_market_steps_only_with_the_clock(clock: VirtualClock) -> None:
    core = ExchangeCore(CoreConfig(seed=3), clock)
    start = core.quote(BTC)
    assert core.quote(BTC) == start
    clock.advance(999)
    assert core.quote(BTC) == start
    clock.advance(1)
    assert core.quote(BTC) != start


def test_a_candle_csv_is_replayed_open_extremes_close(tmp_path: Path,
                                                      clock: VirtualClock) -> None:
    csv = tmp_path / "btc.csv"
    csv.write_text("ts,o,h,l,c,vol\n60000,100,110,95,105,7\n0,90,101,89,100,3\n")
    core = ExchangeCore(CoreConfig(candle_csv={BTC: csv}), clock)
    seen = [core.quote(BTC)[0]]
    for _ in range(9):
        clock.advance(1000)
        seen.append(core.quote(BTC)[0])
    assert seen == [D(x) for x in (90, 90, 89, 101, 100, 100, 95, 110, 105, 105)]


def test_candles_are_newest_first_with_confirm_flags(core: ExchangeCore,
                                                     clock: VirtualClock) -> None:
    rows: list[Any] = core.candles({"instId": BTC, "limit": "3"})
    assert len(rows) == 3
    assert [int(r[0]) for r in rows] == sorted((int(r[0]) for r in rows), reverse=True)
    assert rows[0][8] == "0" and rows[1][8] == "1"
    assert all(isinstance(cell, str) for row in rows for cell in row)
    older: list[Any] = core.candles({"instId": BTC, "after": rows[0][0], "limit": "2"})
    assert [r[0] for r in older] == [rows[1][0], rows[2][0]]
    hourly: list[Any] = core.candles({"instId": BTC, "bar": "1H", "limit": "5"})
    assert all(int(r[0]) % 3_600_000 == 0 for r in hourly)
    with pytest.raises(ApiError) as bad:
        core.candles({"instId": BTC, "bar": "7X"})
    assert bad.value.code == "51000"
    core.set_price(BTC, D("31234.5"))
    latest: list[Any] = core.candles({"instId": BTC, "limit": "1"})
    assert latest[0][4] == "31234.5"


def test_six_hour_bars_align_to_utc8_unless_utc(core: ExchangeCore) -> None:
    utc8: list[Any] = core.candles({"instId": BTC, "bar": "6H", "limit": "2"})
    utc: list[Any] = core.candles({"instId": BTC, "bar": "6Hutc", "limit": "2"})
    assert all((int(r[0]) + 8 * 3_600_000) % (6 * 3_600_000) == 0 for r in utc8)
    assert all(int(r[0]) % (6 * 3_600_000) == 0 for r in utc)


def test_instruments_catalogue(core: ExchangeCore) -> None:
    swaps = {i["instId"]: i for i in core.instruments({"instType": "SWAP"})}
    assert {i: s["state"] for i, s in swaps.items()} == {
        "BTC-USDT-SWAP": "live", "ETH-USDT-SWAP": "live", "BTC-USDC-SWAP": "live",
        "ETH-USDC-SWAP": "live", "LTC-USDT-SWAP": "suspend", "ZRO-USDT-SWAP": "preopen"}
    btc = swaps[BTC]
    assert (btc["ctVal"], btc["lotSz"], btc["minSz"], btc["tickSz"], btc["settleCcy"]) == (
        "0.01", "0.01", "0.01", "0.1", "USDT")
    assert swaps["ETH-USDC-SWAP"]["settleCcy"] == "USDC"
    assert core.instruments({"instType": "SPOT"}) == []
    assert [i["instId"] for i in core.instruments({"instType": "SWAP", "instId": BTC})] == [BTC]
    assert len(core.instruments({"instType": "SWAP", "instFamily": "ETH-USDC"})) == 1
    with pytest.raises(ApiError) as missing:
        core.instruments({})
    assert missing.value.code == "50014"


def test_public_data_views(core: ExchangeCore) -> None:
    [ticker] = core.ticker({"instId": BTC})
    assert (ticker["last"], ticker["bidPx"], ticker["askPx"]) == ("30000", "29999.9", "30000.1")
    assert ticker["ts"] == str(START_MS)
    [funding] = core.funding_rate({"instId": BTC})
    assert int(str(funding["fundingTime"])) % (8 * 3_600_000) == 0
    assert int(str(funding["nextFundingTime"])) - int(str(funding["fundingTime"])) == 28_800_000
    [oi] = core.open_interest({"instType": "SWAP", "instId": BTC})
    assert D(str(oi["oiCcy"])) == D(str(oi["oi"])) * D("0.01")
    [mark] = core.mark_price({"instType": "SWAP", "instId": BTC})
    assert mark["markPx"] == "30000"
    assert core.server_time() == [{"ts": str(START_MS)}]
    with pytest.raises(ApiError) as unknown:
        core.ticker({"instId": "NOPE"})
    assert unknown.value.code == "51001"


def test_starting_balances_and_config(core: ExchangeCore) -> None:
    balance: dict[str, Any] = core.balance({})[0]
    assert len(core.balance({})) == 1
    assert {d["ccy"]: d["eq"] for d in balance["details"]} == {"USDC": "100000",
                                                               "USDT": "100000"}
    assert balance["totalEq"] == "200000"
    [config] = core.account_config()
    assert (config["posMode"], config["acctLv"]) == ("net_mode", "2")


def test_an_instrument_can_be_suspended_later(core: ExchangeCore, clock: VirtualClock) -> None:
    core.set_instrument_state(BTC, "suspend", at_ms=START_MS + 5000)
    assert core.instruments({"instType": "SWAP", "instId": BTC})[0]["state"] == "live"
    clock.advance(5000)
    assert core.instruments({"instType": "SWAP", "instId": BTC})[0]["state"] == "suspend"


def test_reset_restores_the_start_but_ids_keep_growing(core: ExchangeCore) -> None:
    first = core.place_orders([{"instId": BTC, "tdMode": "cross", "side": "buy",
                                "ordType": "limit", "px": "20000", "sz": "1"}])[0]["ordId"]
    core.set_price(BTC, D("25000"))
    core.reset()
    assert core.pending_orders({}) == []
    assert core.quote(BTC)[0] == D(30000)
    again = core.place_orders([{"instId": BTC, "tdMode": "cross", "side": "buy",
                                "ordType": "limit", "px": "20000", "sz": "1"}])[0]["ordId"]
    assert int(str(again)) > int(str(first))
