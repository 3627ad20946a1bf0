"""Binance face: signing over the query and over a form body, key checks, -1021 with skew."""

from urllib.parse import urlencode

from simulator.embedded import EmbeddedSimulator
from tests.simulator.binance_http import BinanceHttp, binance_sign

BALANCE = "/fapi/v3/balance"


def test_a_signature_over_the_query_is_accepted(bnc: BinanceHttp) -> None:
    rows = bnc.ok("GET", BALANCE)
    assert {r["asset"] for r in rows} == {"USDC", "USDT"}


def test_a_signature_over_a_form_body_is_accepted(bnc: BinanceHttp) -> None:
    answer = bnc.signed("POST", "/fapi/v1/leverage", form=True, symbol="BTCUSDC", leverage=7)
    assert answer.json() == {"leverage": 7, "maxNotionalValue": "5000000",
                             "symbol": "BTCUSDC"}


def test_query_and_body_are_signed_together_in_that_order(bnc: BinanceHttp,
                                                         bsim: EmbeddedSimulator) -> None:
    query = urlencode({"symbol": "BTCUSDC"})
    body = urlencode({"leverage": "9", "timestamp": str(bsim.core.now_ms())})
    headers = {"X-MBX-APIKEY": "bk", "Content-Type": "application/x-www-form-urlencoded"}
    good = binance_sign("bs", query + body)
    answer = bnc.http.post(f"/fapi/v1/leverage?{query}", content=f"{body}&signature={good}",
                           headers=headers)
    assert answer.json()["leverage"] == 9
    swapped = binance_sign("bs", body + query)
    refused = bnc.http.post(f"/fapi/v1/leverage?{query}",
                            content=f"{body}&signature={swapped}", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (400, -1022)


def test_a_wrong_secret_is_1022_and_a_wrong_key_2015(bsim: EmbeddedSimulator) -> None:
    wrong_secret = BinanceHttp(bsim.rest_url, "bk", "nope", bsim.core.now_ms)
    wrong_key = BinanceHttp(bsim.rest_url, "other", "bs", bsim.core.now_ms)
    try:
        bad_sig = wrong_secret.signed("GET", BALANCE)
        assert (bad_sig.status_code, bad_sig.json()) == (
            400, {"code": -1022, "msg": "Signature for this request is not valid."})
        bad_key = wrong_key.signed("GET", BALANCE)
        assert (bad_key.status_code, bad_key.json()["code"]) == (401, -2015)
        no_key = wrong_key.http.get(BALANCE)
        assert (no_key.status_code, no_key.json()["code"]) == (401, -2014)
    finally:
        wrong_secret.close()
        wrong_key.close()


def test_missing_timestamp_or_signature_is_1102(bnc: BinanceHttp) -> None:
    headers = {"X-MBX-APIKEY": "bk"}
    no_time = bnc.http.get(f"{BALANCE}?signature=00", headers=headers)
    assert no_time.json()["code"] == -1102 and "timestamp" in no_time.json()["msg"]
    no_sig = bnc.http.get(f"{BALANCE}?timestamp=1", headers=headers)
    assert no_sig.json()["code"] == -1102 and "signature" in no_sig.json()["msg"]


def test_timestamps_outside_recv_window_or_ahead_are_1021(bnc: BinanceHttp,
                                                          bsim: EmbeddedSimulator) -> None:
    now = bsim.core.now_ms()
    assert bnc.code("GET", BALANCE, timestamp=now - 5001) == -1021
    assert bnc.signed("GET", BALANCE, timestamp=now - 5001, recvWindow=10000).status_code == 200
    ahead = bnc.signed("GET", BALANCE, timestamp=now + 1000).json()
    assert ahead == {"code": -1021, "msg": "Timestamp for this request was 1000ms ahead of "
                                           "the server's time."}
    assert bnc.code("GET", BALANCE, recvWindow=60001) == -1130


def test_clock_skew_makes_a_client_clock_fail_with_1021(bnc: BinanceHttp,
                                                        bsim: EmbeddedSimulator) -> None:
    before = bsim.core.now_ms()
    bsim.faults.inject("clock_skew", ms=8000)
    refused = bnc.signed("GET", BALANCE, timestamp=before)
    assert (refused.status_code, refused.json()["code"]) == (400, -1021)
    assert bnc.public("/fapi/v1/time").json()["serverTime"] >= before + 8000
    assert bnc.signed("GET", BALANCE).status_code == 200  # synced to the skewed clock


def test_public_endpoints_need_no_key_and_a_signature_there_is_a_violation(
        bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    assert bnc.public("/fapi/v1/ticker/price", symbol="BTCUSDC").json()["price"] == "30000"
    assert bsim.violations() == []
    bnc.signed("GET", "/fapi/v1/ticker/price", symbol="BTCUSDC")
    assert [v["path"] for v in bsim.violations()] == ["/fapi/v1/ticker/price"]
