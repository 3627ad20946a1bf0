"""Binance face: every fault kind over the wire, and request weights / order counts."""

from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import httpx
import pytest

from simulator.embedded import EmbeddedSimulator
from tests.simulator.binance_http import BinanceHttp

ORDER = "/fapi/v1/order"


def limit(client_id: str) -> dict[str, Any]:
    return {"symbol": "BTCUSDC", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "quantity": "0.01", "price": "29000", "newClientOrderId": client_id}


def exists(bnc: BinanceHttp, client_id: str) -> bool:
    return bnc.signed("GET", ORDER, symbol="BTCUSDC", origClientOrderId=client_id
                      ).status_code == 200


def test_drop_after_accept_places_the_order_and_loses_the_answer(
        bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    bsim.faults.inject("drop_after_accept", "fapi/v1/order", method="POST", times=1)
    with pytest.raises(httpx.TransportError):
        bnc.signed("POST", ORDER, **limit("lost-1"))
    assert exists(bnc, "lost-1")


@pytest.mark.parametrize(("kind", "status", "code"), [
    ("send_status_unknown", 408, -1007), ("unknown_error", 503, -1000),
])
def test_unknown_outcomes_may_have_run_the_call(bnc: BinanceHttp, bsim: EmbeddedSimulator,
                                                kind: str, status: int, code: int) -> None:
    bsim.faults.inject(kind, "fapi/v1/order", method="POST", times=1)
    answer = bnc.signed("POST", ORDER, **limit(f"{kind[:6]}-1"))
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert exists(bnc, f"{kind[:6]}-1")  # processed by default: reconcile by client id
    bsim.faults.inject(kind, "fapi/v1/order", method="POST", times=1, processed=False)
    bnc.signed("POST", ORDER, **limit(f"{kind[:6]}-2"))
    assert not exists(bnc, f"{kind[:6]}-2")


def test_5xx_busy_malformed_and_latency(bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    bsim.faults.inject("http_5xx", "fapi/v1/order", method="POST", times=1, status=502)
    assert bnc.signed("POST", ORDER, **limit("five-1")).status_code == 502
    assert not exists(bnc, "five-1")
    bsim.faults.inject("busy", "fapi/v3/balance", times=1)
    busy = bnc.signed("GET", "/fapi/v3/balance")
    assert (busy.status_code, busy.json()["code"]) == (503, -1008)
    bsim.faults.inject("malformed", "fapi/v1/time", times=1, body="html", status=502)
    broken = bnc.public("/fapi/v1/time")
    assert broken.status_code == 502 and broken.text.startswith("<html>")
    bsim.faults.inject("latency", "fapi/v1/time", times=1, ms=50)
    assert bnc.public("/fapi/v1/time").status_code == 200
    assert [f["kind"] for f in bsim.faults.fired()] == ["http_5xx", "busy", "malformed",
                                                        "latency"]


def test_the_rate_limit_fault_is_429_or_418_with_retry_after(
        bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    bsim.faults.inject("rate_limit", "fapi/v1/openOrders", times=1)
    bsim.faults.inject("rate_limit", "fapi/v1/openOrders", times=1, status=418)
    limited = bnc.signed("GET", "/fapi/v1/openOrders")
    assert (limited.status_code, limited.json()["code"]) == (429, -1003)
    assert int(limited.headers["retry-after"]) > 0
    banned = bnc.signed("GET", "/fapi/v1/openOrders")
    assert (banned.status_code, banned.json()["code"]) == (418, -1003)
    assert "banned until" in banned.json()["msg"] and banned.headers["retry-after"]


def test_fill_race_cancel_fills_the_order_and_refuses_the_cancel(
        bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    placed = bnc.ok("POST", ORDER, **limit("race-1"))
    bsim.faults.inject("fill_race_cancel", "fapi/v1/order", method="DELETE", times=1)
    assert bnc.code("DELETE", ORDER, symbol="BTCUSDC", orderId=placed["orderId"]) == -2011
    assert bnc.ok("GET", ORDER, symbol="BTCUSDC", orderId=placed["orderId"])[
        "status"] == "FILLED"


def test_partial_fills_and_instrument_suspension(bnc: BinanceHttp,
                                                 bsim: EmbeddedSimulator) -> None:
    bsim.faults.inject("partial_fill", "BTCUSDC", times=1, ratio=0.5)
    placed = bnc.ok("POST", ORDER, symbol="BTCUSDC", side="BUY", type="MARKET",
                    quantity="0.02", newOrderRespType="RESULT")
    assert (placed["status"], placed["executedQty"]) == ("PARTIALLY_FILLED", "0.01")
    bsim.set_price("BTCUSDC", D("30001"))
    assert bnc.ok("GET", ORDER, symbol="BTCUSDC", orderId=placed["orderId"])[
        "status"] == "FILLED"
    fault = bsim.faults.inject("instrument_suspend", "ETHUSDC")
    assert bnc.code("POST", ORDER, symbol="ETHUSDC", side="BUY", type="MARKET",
                    quantity="0.1") == -4140
    info = bnc.public("/fapi/v1/exchangeInfo").json()
    assert {s["symbol"]: s["status"] for s in info["symbols"]}["ETHUSDC"] == "SETTLING"
    bsim.faults.clear(fault)
    assert bnc.ok("POST", ORDER, symbol="ETHUSDC", side="BUY", type="MARKET", quantity="0.1")


@pytest.fixture
def limited() -> Iterator[tuple[EmbeddedSimulator, BinanceHttp]]:
    with EmbeddedSimulator(api_key="bk", secret="bs", exchange="binance", virtual_clock=True,
                           price_walk=False, rate_limits=True, ban_after_429s=3) as sim:
        assert sim.runtime.binance_limits is not None
        sim.runtime.binance_limits.clock = lambda: 30.0  # one fixed minute window
        client = BinanceHttp(sim.rest_url, "bk", "bs", sim.core.now_ms)
        yield sim, client
        client.close()


def test_weights_and_order_counts_are_reported_and_enforced(
        limited: tuple[EmbeddedSimulator, BinanceHttp]) -> None:
    _, bnc = limited
    first = bnc.public("/fapi/v1/exchangeInfo")
    assert first.headers["x-mbx-used-weight-1m"] == "1"
    balance = bnc.signed("GET", "/fapi/v3/balance")
    assert balance.headers["x-mbx-used-weight-1m"] == "6"  # weight 5
    placed = bnc.signed("POST", ORDER, **limit("cnt-1"))
    assert (placed.headers["x-mbx-used-weight-1m"], placed.headers["x-mbx-order-count-10s"],
            placed.headers["x-mbx-order-count-1m"]) == ("6", "1", "1")
    statuses = [bnc.signed("GET", "/fapi/v1/positionSide/dual").status_code for _ in range(80)]
    assert statuses == [200] * 79 + [429]  # weight 30 each: 6 + 79 x 30 = 2,376 <= 2,400
    refused = bnc.signed("GET", "/fapi/v1/positionSide/dual")
    assert refused.json()["code"] == -1003 and refused.headers["retry-after"] == "30"


def test_repeated_429s_ban_the_ip_with_418(
        limited: tuple[EmbeddedSimulator, BinanceHttp]) -> None:
    sim, bnc = limited
    sim.faults.inject("rate_limit", "fapi/v1/time", times=3)
    assert [bnc.public("/fapi/v1/time").status_code for _ in range(3)] == [429] * 3
    banned = bnc.public("/fapi/v1/exchangeInfo")
    assert (banned.status_code, banned.json()["code"]) == (418, -1003)
