"""Every fault kind, shown to happen over the wire; the schedule (skip/times/probability)."""

import time
from decimal import Decimal

import httpx
import pytest

from simulator.embedded import EmbeddedSimulator
from simulator.faults import Faults
from tests.simulator.conftest import BTC, limit
from tests.simulator.okx_http import OkxHttp, iso_ms


def test_latency_delays_the_answer(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("latency", "public/time", times=1, ms=120)
    started = time.monotonic()
    assert okx.public("public/time").status_code == 200
    assert time.monotonic() - started >= 0.12
    okx.public("public/time")
    assert [f["subject"] for f in sim.faults.fired()] == ["public/time"]  # once, as scheduled


def test_http_5xx_with_and_without_processing(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("http_5xx", "trade/order", times=1, status=502)
    refused = okx.post("trade/order", limit("buy", "20000", clOrdId="five1"))
    assert (refused.status_code, refused.json()["code"]) == (502, 502)
    assert okx.get("trade/order", f"instId={BTC}&clOrdId=five1").json()["code"] == "51603"
    sim.faults.inject("http_5xx", "trade/order", times=1, processed=True)
    lost = okx.post("trade/order", limit("buy", "20000", clOrdId="five2"))
    assert lost.status_code == 500
    assert okx.data(okx.get("trade/order", f"instId={BTC}&clOrdId=five2"))[0]["state"] == "live"


def test_busy_and_rate_limit_faults(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("busy", "account/balance", times=1)
    sim.faults.inject("rate_limit", "account/config", times=1)
    busy = okx.get("account/balance")
    assert (busy.status_code, busy.json()["code"]) == (503, "50001")
    limited = okx.get("account/config")
    assert (limited.status_code, limited.json()) == (429, {"msg": "Too Many Requests",
                                                           "code": "50011"})
    assert okx.get("account/balance").status_code == 200


def test_drop_after_accept_resets_the_connection(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("drop_after_accept", "trade/order", method="POST", times=1)
    with pytest.raises(httpx.TransportError):
        okx.post("trade/order", limit("buy", "20000", clOrdId="lost1"))
    [order] = okx.data(okx.get("trade/order", f"instId={BTC}&clOrdId=lost1"))
    assert order["state"] == "live"  # accepted although the client never heard it
    notes = [r["note"] for r in sim.requests()
             if (r["method"], r["path"]) == ("POST", "/api/v5/trade/order")]
    assert notes == ["dropped"]


def test_drop_after_accept_can_time_the_client_out(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("drop_after_accept", "trade/order", times=1, mode="timeout", hold_s=2.0)
    with pytest.raises(httpx.TimeoutException):
        okx.http.post("/api/v5/trade/order", content=b'{"instId":"BTC-USDT-SWAP","tdMode":'
                      b'"cross","side":"buy","ordType":"limit","px":"20000","sz":"1",'
                      b'"clOrdId":"slow1"}', timeout=0.2,
                      headers=okx.headers("POST", "/api/v5/trade/order",
                                          '{"instId":"BTC-USDT-SWAP","tdMode":"cross","side":'
                                          '"buy","ordType":"limit","px":"20000","sz":"1",'
                                          '"clOrdId":"slow1"}'))
    assert okx.data(okx.get("trade/order", f"instId={BTC}&clOrdId=slow1"))[0]["state"] == "live"


@pytest.mark.parametrize(("body", "content_type"), [
    ("html", "text/html"), ("truncated", "application/json"), ("empty", "application/json")])
def test_malformed_bodies(okx: OkxHttp, sim: EmbeddedSimulator, body: str,
                          content_type: str) -> None:
    sim.faults.inject("malformed", "market/ticker", times=1, body=body)
    answer = okx.public("market/ticker", f"instId={BTC}")
    assert answer.headers["content-type"] == content_type
    with pytest.raises(ValueError):
        answer.json()
    assert okx.public("market/ticker", f"instId={BTC}").json()["code"] == "0"


def test_algo_visibility_delay(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("algo_visibility_delay", "trade/order-algo", times=1, ms=1500)
    stop = {"instId": BTC, "tdMode": "cross", "side": "sell", "ordType": "conditional",
            "sz": "1", "slTriggerPx": "25000", "slOrdPx": "-1", "algoClOrdId": "hid1"}
    [placed] = okx.data(okx.post("trade/order-algo", stop))
    assert placed["sCode"] == "0"
    assert okx.data(okx.get("trade/orders-algo-pending", "ordType=conditional")) == []
    assert okx.get("trade/order-algo", "algoClOrdId=hid1").json()["code"] == "51603"
    sim.advance(1.5)
    pending = okx.data(okx.get("trade/orders-algo-pending", "ordType=conditional"))
    assert [a["algoId"] for a in pending] == [placed["algoId"]]


def test_clock_skew_moves_the_exchange_clock(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    true_now = sim.runtime.clock.now_ms()
    fault = sim.faults.inject("clock_skew", ms=45_000)
    assert okx.data(okx.public("public/time"))[0]["ts"] == str(true_now + 45_000)
    stale = okx.headers("GET", "/api/v5/account/config", timestamp=iso_ms(true_now))
    assert okx.http.get("/api/v5/account/config", headers=stale).json()["code"] == "50102"
    sim.faults.clear(fault)
    assert okx.data(okx.public("public/time"))[0]["ts"] == str(true_now)


def test_partial_fill_fault(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("partial_fill", BTC, times=1, ratio=0.25)
    ord_id = okx.data(okx.post("trade/order", limit("buy", "30500", sz="4")))[0]["ordId"]
    order = okx.data(okx.get("trade/order", f"instId={BTC}&ordId={ord_id}"))[0]
    assert (order["state"], order["accFillSz"]) == ("partially_filled", "1")
    sim.set_price(BTC, Decimal("30400"))
    assert okx.data(okx.get("trade/order", f"instId={BTC}&ordId={ord_id}"))[0]["state"] == "filled"


def test_instrument_suspend_fault(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    fault = sim.faults.inject("instrument_suspend", BTC)
    [inst] = okx.data(okx.public("public/instruments", f"instType=SWAP&instId={BTC}"))
    assert inst["state"] == "suspend"
    assert okx.post("trade/order", limit("buy", "20000")).json()["data"][0]["sCode"] == "51022"
    sim.faults.clear(fault)
    assert okx.post("trade/order", limit("buy", "20000")).json()["data"][0]["sCode"] == "0"


def test_a_fill_races_the_cancel(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    ord_id = okx.data(okx.post("trade/order", limit("buy", "29000")))[0]["ordId"]
    sim.faults.inject("fill_race_cancel", "trade/cancel-order", times=1)
    cancel = okx.post("trade/cancel-order", {"instId": BTC, "ordId": ord_id}).json()
    assert cancel["data"][0]["sCode"] == "51400"
    order = okx.data(okx.get("trade/order", f"instId={BTC}&ordId={ord_id}"))[0]
    assert (order["state"], order["avgPx"]) == ("filled", "29000")


def test_schedules_skip_count_and_seeded_probability() -> None:
    faults = Faults(seed=1)
    faults.inject("busy", "trade/*", skip=1, times=2)
    hits = [faults.take("busy", "trade/order", "POST") is not None for _ in range(5)]
    assert hits == [False, True, True, False, False]
    assert faults.take("busy", "account/balance") is None

    def pattern(seed: int) -> list[bool]:
        plan = Faults(seed)
        plan.inject("latency", probability=0.5)
        return [plan.take("latency", "x") is not None for _ in range(40)]

    assert pattern(3) == pattern(3)
    assert pattern(3) != pattern(4)
    assert 5 < sum(pattern(3)) < 35
    with pytest.raises(ValueError):
        faults.inject("busy", nonsense=1)
    with pytest.raises(ValueError):
        faults.inject("flood")


def test_unknown_outcome_faults_on_the_okx_face(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("send_status_unknown", "trade/order", times=1)
    timed_out = okx.post("trade/order", limit("buy", "20000", clOrdId="unk1"))
    assert (timed_out.status_code, timed_out.json()["code"]) == (400, "50004")
    sim.faults.inject("unknown_error", "trade/order", times=1, processed=False)
    failed = okx.post("trade/order", limit("buy", "20000", clOrdId="unk2"))
    assert (failed.status_code, failed.json()["code"]) == (500, "50026")
    assert okx.data(okx.get("trade/order", f"instId={BTC}&clOrdId=unk1"))[0]["state"] == "live"
    assert okx.get("trade/order", f"instId={BTC}&clOrdId=unk2").json()["code"] == "51603"


def test_listen_key_expiry_on_okx_ends_the_private_session(sim: EmbeddedSimulator) -> None:
    from websockets.sync.client import connect

    with connect(sim.ws_url + "/ws/v5/private", open_timeout=5) as private, \
            connect(sim.ws_url + "/ws/v5/public", open_timeout=5) as public:
        for _ in range(500):
            if sum(len(hub.conns) for hub in sim.runtime.ws_hubs) == 2:
                break
            time.sleep(0.01)
        sim.faults.inject("listen_key_expiry")
        with pytest.raises(Exception):  # noqa: B017 - dropped without a close frame
            private.recv(timeout=5)
        public.send("ping")
        assert public.recv(timeout=5) == "pong"
