"""SelfCheck on Binance (seed 001 §9): the Algo Service round trip with --with-orders, one-way
mode, the filters of every configured symbol, clock skew and the key, each checked against
what the simulator's Binance face really holds and was asked."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.binance import BinanceCredentials
from application.selfcheck import RunSelfCheck, SelfCheckDone
from entrypoints.container import Application
from entrypoints.lifecycle import run
from tests.e2e.binance_harness import SECRET, SYMBOL, BinanceWorld, binance_world

SYMBOLS = (SYMBOL, "ETHUSDC")


@pytest.fixture
def bw(tmp_path: Path) -> Iterator[BinanceWorld]:
    # the real clock: selfcheck also opens the streams, which a virtual clock would time out
    with binance_world(tmp_path, virtual=False, symbols=SYMBOLS) as world:
        yield world


def selfcheck(bw: BinanceWorld, *, symbols: tuple[str, ...] = SYMBOLS, with_orders: bool = False,
              credentials: BinanceCredentials | None = None) -> dict[str, Any]:
    async def body(c: Application) -> SelfCheckDone:
        done: SelfCheckDone = await c.use_cases.selfcheck().execute(RunSelfCheck(
            "sim-binance", symbols, "sc1", with_orders=with_orders))
        return done
    container = bw.container("selfcheck", *(() if credentials is None else (credentials,)))
    done = run(container, body, uses_store=with_orders)  # the test stop is recorded pending
    return {c.name: (c.passed, c.detail) for c in done.checks}


def test_with_orders_a_far_stop_goes_through_the_algo_service_is_seen_and_cancelled(
        bw: BinanceWorld) -> None:
    checks = selfcheck(bw, with_orders=True)
    assert all(passed for passed, _ in checks.values()), checks
    _, detail = checks["algo stop place / see / cancel"]
    assert "listed=True" in detail and "cancel=accepted" in detail
    (stop,) = [a for a in bw.admin("/sim/algos")["algos"] if a["algoClOrdId"] == "pxSCsc100"]
    assert (stop["state"], stop["side"], stop["reduceOnly"], stop["slTriggerPxType"]) == (
        "canceled", "sell", True, "mark")
    assert float(stop["slTriggerPx"]) <= 15_000  # half the mark: it could never trigger
    asked = [(r["method"], r["path"]) for r in bw.sim.requests()]
    place, see, cancel = (("POST", "/fapi/v1/algoOrder"), ("GET", "/fapi/v1/openAlgoOrders"),
                          ("DELETE", "/fapi/v1/algoOrder"))
    assert asked.index(place) < max(i for i, a in enumerate(asked) if a == see) < \
        asked.index(cancel)
    assert ("POST", "/fapi/v1/order") not in asked  # a stop never goes to the order endpoint


def test_the_filters_of_every_configured_symbol_are_checked(bw: BinanceWorld) -> None:
    passed, detail = selfcheck(bw)["instruments: size and precision"]
    assert passed
    for symbol in SYMBOLS:
        assert f"{symbol} tickSz=" in detail
    assert "minNotional=5 USDC" in detail and "market lot=" in detail and "price band" in detail
    passed, detail = selfcheck(bw, symbols=(SYMBOL, "LTCUSDC", "DOGEUSDC"))[
        "instruments: size and precision"]
    assert not passed
    assert "LTCUSDC is suspend" in detail and "DOGEUSDC not listed" in detail


def test_hedge_mode_fails_the_one_way_check(bw: BinanceWorld) -> None:
    bw.sim.core.state.account.pos_mode = "long_short_mode"  # as the account's owner set it
    passed, detail = selfcheck(bw)["position mode"]
    assert not passed and detail == "account long_short_mode, required net_mode"


def test_a_skewed_exchange_clock_fails_the_skew_check_only(bw: BinanceWorld) -> None:
    bw.sim.faults.inject("clock_skew", "*", ms=5000)
    checks = selfcheck(bw)
    assert {name for name, (passed, _) in checks.items() if not passed} == {
        "rest connectivity and clock skew"}
    assert "limit ±1000 ms" in checks["rest connectivity and clock skew"][1]


def test_a_key_the_exchange_does_not_know_fails_the_key_check(bw: BinanceWorld) -> None:
    checks = selfcheck(bw, credentials=BinanceCredentials("unknownKey99", SECRET))
    passed, detail = checks["keys match venue and can trade"]
    assert not passed and "-2015" in detail and "unknown key" in detail
    assert SECRET not in str(checks)
