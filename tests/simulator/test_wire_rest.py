"""Wire: REST envelopes, HTTP statuses and error codes over a real socket (raw httpx)."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest

from simulator.embedded import EmbeddedSimulator
from tests.simulator.conftest import BTC, ETH, limit, market
from tests.simulator.okx_http import OkxHttp


def test_an_order_lifecycle_over_the_wire(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    placed = okx.post("trade/order", limit("buy", "20000", clOrdId="life1")).json()
    assert placed["code"] == "0" and placed["msg"] == ""
    assert placed["inTime"].isdigit() and len(placed["inTime"]) == 16  # microseconds
    ord_id = placed["data"][0]["ordId"]
    by_id = okx.data(okx.get("trade/order", f"instId={BTC}&ordId={ord_id}"))[0]
    by_client = okx.data(okx.get("trade/order", f"instId={BTC}&clOrdId=life1"))[0]
    assert by_id == by_client
    assert (by_id["state"], by_id["avgPx"], by_id["fillTime"], by_id["reduceOnly"]) == (
        "live", "", "", "false")
    assert by_id["cTime"] == str(sim.core.now_ms())
    assert [o["ordId"] for o in okx.data(okx.get("trade/orders-pending"))] == [ord_id]
    cancel = okx.post("trade/cancel-order", {"instId": BTC, "clOrdId": "life1"}).json()
    assert (cancel["code"], cancel["data"][0]["sCode"], cancel["data"][0]["ordId"]) == (
        "0", "0", ord_id)
    after = okx.data(okx.get("trade/order", f"instId={BTC}&ordId={ord_id}"))[0]
    assert after["state"] == "canceled"
    again = okx.post("trade/cancel-order", {"instId": BTC, "ordId": ord_id}).json()
    assert (again["code"], again["msg"], again["data"][0]["sCode"]) == (
        "1", "All operations failed", "51400")


def test_positions_fills_leverage_and_close_over_the_wire(okx: OkxHttp) -> None:
    lever = okx.post("account/set-leverage", {"instId": BTC, "lever": "20", "mgnMode": "cross"})
    assert okx.data(lever) == [{"lever": "20", "mgnMode": "cross", "instId": BTC,
                                "posSide": "net"}]
    okx.post("trade/order", market("buy", "0.5"))
    [position] = okx.data(okx.get("account/positions", "instType=SWAP"))
    assert (position["pos"], position["lever"], position["mgnMode"]) == ("0.5", "20", "cross")
    [fill] = okx.data(okx.get("trade/fills", f"instId={BTC}"))
    assert (fill["fillSz"], fill["side"], fill["execType"]) == ("0.5", "buy", "T")
    closed = okx.post("trade/close-position", {"instId": BTC, "mgnMode": "cross"}).json()
    assert closed["code"] == "0"
    assert okx.data(okx.get("account/positions")) == []


def test_algo_calls_over_the_wire(okx: OkxHttp) -> None:
    stop = {"instId": BTC, "tdMode": "cross", "side": "sell", "ordType": "conditional",
            "sz": "1", "slTriggerPx": "25000", "slOrdPx": "-1", "slTriggerPxType": "mark",
            "reduceOnly": True, "algoClOrdId": "wire1"}
    [placed] = okx.data(okx.post("trade/order-algo", stop))
    assert (placed["sCode"], placed["algoClOrdId"]) == ("0", "wire1")
    pending = okx.data(okx.get("trade/orders-algo-pending", "ordType=conditional"))
    assert [a["algoId"] for a in pending] == [placed["algoId"]]
    [one] = okx.data(okx.get("trade/order-algo", "algoClOrdId=wire1"))
    assert (one["slTriggerPxType"], one["state"], one["reduceOnly"]) == ("mark", "live", "true")
    dup = okx.post("trade/order-algo", stop).json()
    assert (dup["code"], dup["data"][0]["sCode"]) == ("1", "51065")
    cancel = okx.post("trade/cancel-algos", [{"instId": BTC, "algoId": placed["algoId"]}])
    assert okx.data(cancel)[0]["sCode"] == "0"
    history = okx.get("trade/orders-algo-history", "ordType=conditional&state=canceled")
    assert [a["algoId"] for a in okx.data(history)] == [placed["algoId"]]


def test_batch_envelope_codes(okx: OkxHttp) -> None:
    mixed = okx.post("trade/batch-orders", [limit("buy", "20000"), limit("buy", "20000.01")])
    assert (mixed.json()["code"], mixed.json()["msg"]) == (
        "2", "Bulk operation partially succeeded")
    assert [i["sCode"] for i in mixed.json()["data"]] == ["0", "51150"]


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    ('{"instId": "BTC-USDT-SWAP",', "application/json", 400, "50002"),
    ("", "application/json", 400, "50000"),
    ('{"instId":"BTC-USDT-SWAP"}', "text/plain", 400, "50006"),
    ('{"instId":"BTC-USDT-SWAP","side":"buy"}', "application/json", 400, "50014"),
])
def test_bad_requests_get_okx_codes_and_statuses(okx: OkxHttp, body: str, content_type: str,
                                                 status: int, code: str) -> None:
    answer = okx.post("trade/order", body, **{"Content-Type": content_type})
    assert (answer.status_code, answer.json()["code"], answer.json()["data"]) == (status, code, [])


def test_unknown_paths_and_methods(okx: OkxHttp) -> None:
    missing = okx.public("public/nothing")
    assert missing.status_code == 404
    assert missing.json() == {"code": 404, "data": {}, "detailMsg": "", "error_code": "404",
                              "error_message": "Not Found", "msg": "Not Found"}
    wrong = okx.http.post("/api/v5/public/time")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "50115")


def test_lookup_of_an_unknown_order_is_a_top_level_51603(okx: OkxHttp) -> None:
    answer = okx.get("trade/order", f"instId={BTC}&ordId=12345")
    assert (answer.status_code, answer.json()) == (
        200, {"code": "51603", "msg": "Order does not exist", "data": []})
    unknown_inst = okx.get("trade/order", "instId=FOO-USDT-SWAP&ordId=1").json()
    assert unknown_inst["code"] == "51001"


def test_numbers_and_times_are_strings(okx: OkxHttp) -> None:
    [ticker] = okx.data(okx.public("market/ticker", f"instId={ETH}"))
    assert all(isinstance(v, str) for v in ticker.values())
    [instrument] = okx.data(okx.public("public/instruments", f"instType=SWAP&instId={BTC}"))
    assert instrument["expTime"] == "" and isinstance(instrument["listTime"], str)


def test_exp_time_already_past_on_arrival_is_50036(okx: OkxHttp,
                                                    sim: EmbeddedSimulator) -> None:
    late = okx.post("trade/order", limit("buy", "20000"), expTime=str(sim.core.now_ms() - 1))
    assert (late.json()["code"], late.json()["data"][0]["sCode"]) == ("1", "50036")
    assert okx.data(okx.get("trade/orders-pending")) == []


def test_exp_time_that_passes_while_the_request_waits_is_50037(
        okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("latency", "trade/order", times=1, ms=300)
    deadline = sim.core.now_ms() + 10
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(okx.post, "trade/order", limit("buy", "20000"),
                              expTime=str(deadline))
        while not sim.faults.fired():  # received (and on time); now held by the latency
            time.sleep(0.005)
        sim.advance(1)
        answer = pending.result().json()
    assert (answer["code"], answer["data"][0]["sCode"], answer["data"][0]["ordId"]) == (
        "1", "50037", "")
    assert okx.data(okx.get("trade/orders-pending")) == []


@pytest.fixture(scope="module")
def limited_sim() -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(virtual_clock=True, rate_limits=True, price_walk=False) as sim:
        yield sim


def test_rate_limits_per_endpoint_and_instrument(limited_sim: EmbeddedSimulator) -> None:
    okx = OkxHttp(limited_sim.rest_url, "k", "s", "p", limited_sim.core.now_ms)
    try:
        codes = [okx.get("account/balance").status_code for _ in range(11)]
        assert codes == [200] * 10 + [429]
        assert okx.get("account/balance").json() == {"msg": "Too Many Requests", "code": "50011"}
        assert okx.get("account/config").status_code == 200  # its own bucket
        results = [okx.post("trade/order", limit("buy", "20000")).status_code for _ in range(61)]
        assert results == [200] * 60 + [429]
        assert okx.post("trade/order", limit("buy", "1500", inst=ETH)).status_code == 200
    finally:
        okx.close()


def test_public_limits_count_per_ip_across_connections(limited_sim: EmbeddedSimulator) -> None:
    url = f"{limited_sim.rest_url}/api/v5/public/time"
    with httpx.Client() as first, httpx.Client() as second:
        statuses = [first.get(url).status_code for _ in range(5)]
        statuses += [second.get(url).status_code for _ in range(6)]
    assert statuses == [200] * 10 + [429]


def test_admin_api_mirrors_the_python_api(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    http = okx.http
    assert http.post("/sim/price", json={"instId": BTC, "last": "31000.04"}).json() == {"ok": True}
    assert sim.core.quote(BTC)[0] == Decimal("31000")
    before = sim.core.now_ms()
    assert http.post("/sim/clock/advance", json={"seconds": 2}).json()["clockMs"] == before + 2000
    fault = http.post("/sim/faults", json={"kind": "busy", "target": "account/config",
                                           "times": 1}).json()
    assert okx.get("account/config").json()["code"] == "50001"
    listed = http.get("/sim/faults").json()
    assert listed["active"][0]["id"] == fault["id"] and "busy" in listed["kinds"]
    assert http.post("/sim/faults", json={"kind": "nonsense"}).status_code == 400
    http.delete("/sim/faults")
    assert http.post("/sim/instrument-state", json={"instId": ETH, "state": "suspend"}).json()
    assert http.get("/sim/state").json()["instruments"][ETH] == "suspend"
    assert http.get("/sim/requests").json()["requests"]
    http.post("/sim/reset")
    assert http.get("/sim/state").json()["instruments"][ETH] == "live"
    assert http.get("/sim/violations").json() == {"violations": []}
