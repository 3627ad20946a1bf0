"""Wire: request signing, checked with independently computed signatures and the fact
sheet's test vectors; demo/live separation; public calls recorded when signed."""

from collections.abc import Iterator

import httpx
import pytest

from simulator.embedded import EmbeddedSimulator
from tests.simulator.okx_http import OkxHttp, iso_ms, okx_sign

VECTOR_SECRET = "FACTSHEET-TEST-SECRET"
VECTOR_TS = "2024-01-02T03:04:05.678Z"
VECTOR_MS = 1704164645678
VECTOR_BODY = ('{"instId":"BTC-USDT-SWAP","tdMode":"cross","side":"buy","ordType":"limit",'
               '"px":"30000","sz":"1"}')


def test_the_helper_signs_the_fact_sheet_vectors() -> None:
    assert okx_sign(VECTOR_SECRET, VECTOR_TS + "GET/api/v5/account/balance?ccy=USDT") == \
        "Tu3zH9HZ02FfYi9rveexnD0OL5JtpujXtqicoaloQqU="
    assert okx_sign(VECTOR_SECRET, VECTOR_TS + "POST/api/v5/trade/order" + VECTOR_BODY) == \
        "s7PBXwUJVdivke5i6FmbI/TtU2zAatxceMYIxOUeOz8="
    assert okx_sign(VECTOR_SECRET, "1704164645GET/users/self/verify") == \
        "PR5WLjdwhxxzkA1e0bMAbMcHLHh5C3WMVTIbU5j+viY="
    assert iso_ms(VECTOR_MS) == VECTOR_TS


@pytest.fixture(scope="module")
def vector_sim() -> Iterator[EmbeddedSimulator]:
    """A live-mode simulator whose clock stands at the vectors' timestamp."""
    with EmbeddedSimulator(api_key="vk", secret=VECTOR_SECRET, passphrase="vp", mode="live",
                           virtual_clock=True, start_ms=VECTOR_MS - 678, rate_limits=False,
                           price_walk=False) as sim:
        yield sim


def _vector_headers(signature: str) -> dict[str, str]:
    return {"OK-ACCESS-KEY": "vk", "OK-ACCESS-PASSPHRASE": "vp", "OK-ACCESS-TIMESTAMP": VECTOR_TS,
            "OK-ACCESS-SIGN": signature, "Content-Type": "application/json"}


def test_the_simulator_accepts_the_fact_sheet_signatures(vector_sim: EmbeddedSimulator) -> None:
    with httpx.Client(base_url=vector_sim.rest_url) as http:
        balance = http.get("/api/v5/account/balance?ccy=USDT",
                           headers=_vector_headers("Tu3zH9HZ02FfYi9rveexnD0OL5JtpujXtqicoaloQqU="))
        order = http.post("/api/v5/trade/order", content=VECTOR_BODY.encode(),
                          headers=_vector_headers("s7PBXwUJVdivke5i6FmbI/TtU2zAatxceMYIxOUeOz8="))
    assert (balance.status_code, balance.json()["code"]) == (200, "0")
    assert balance.json()["data"][0]["details"][0]["ccy"] == "USDT"
    assert (order.status_code, order.json()["data"][0]["sCode"]) == (200, "0")


def test_a_reordered_body_is_not_the_signed_one(vector_sim: EmbeddedSimulator) -> None:
    reordered = VECTOR_BODY.replace('"side":"buy","ordType":"limit"',
                                    '"ordType":"limit","side":"buy"')
    with httpx.Client(base_url=vector_sim.rest_url) as http:
        answer = http.post("/api/v5/trade/order", content=reordered.encode(),
                           headers=_vector_headers("s7PBXwUJVdivke5i6FmbI/TtU2zAatxceMYIxOUeOz8="))
    assert (answer.status_code, answer.json()["code"]) == (401, "50113")


def _with(okx: OkxHttp, **changes: str | None) -> dict[str, str]:
    headers = okx.headers("GET", "/api/v5/account/config")
    for name, value in changes.items():
        key = name.replace("_", "-")
        if value is None:
            headers.pop(key)
        else:
            headers[key] = value
    return headers


@pytest.mark.parametrize(("changes", "code"), [
    ({"OK_ACCESS_KEY": None}, "50103"),
    ({"OK_ACCESS_PASSPHRASE": None}, "50104"),
    ({"OK_ACCESS_SIGN": None}, "50106"),
    ({"OK_ACCESS_TIMESTAMP": None}, "50107"),
    ({"OK_ACCESS_TIMESTAMP": "2026-01-01 00:00:00"}, "50112"),
    ({"OK_ACCESS_KEY": "other"}, "50111"),
    ({"OK_ACCESS_PASSPHRASE": "wrong"}, "50105"),
    ({"OK_ACCESS_SIGN": "AAAA"}, "50113"),
    ({"x_simulated_trading": None}, "50101"),   # a demo key used against live
    ({"x_simulated_trading": "0"}, "50101"),
])
def test_auth_failures(okx: OkxHttp, changes: dict[str, str | None], code: str) -> None:
    answer = okx.http.get("/api/v5/account/config", headers=_with(okx, **changes))
    assert (answer.status_code, answer.json()) == (401, {"code": code, "msg": answer.json()["msg"],
                                                         "data": []})


def test_timestamps_outside_30_seconds_expire(okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    now = sim.core.now_ms()
    for offset, code in ((-31_000, "50102"), (31_000, "50102"), (-29_000, "0"), (29_000, "0")):
        stamp = iso_ms(now + offset)
        headers = okx.headers("GET", "/api/v5/account/config", timestamp=stamp)
        assert okx.http.get("/api/v5/account/config", headers=headers).json()["code"] == code


def test_the_query_string_is_signed_as_sent(okx: OkxHttp) -> None:
    assert okx.get("account/balance", "ccy=USDT,USDC").json()["code"] == "0"
    headers = okx.headers("GET", "/api/v5/account/balance?ccy=USDT")
    answer = okx.http.get("/api/v5/account/balance?ccy=USDC", headers=headers)
    assert answer.json()["code"] == "50113"


def test_a_live_key_is_refused_with_the_demo_header(vector_sim: EmbeddedSimulator) -> None:
    client = OkxHttp(vector_sim.rest_url, "vk", VECTOR_SECRET, "vp", vector_sim.core.now_ms,
                     demo=True)
    try:
        assert client.get("account/config").json()["code"] == "50101"
        client.demo = False
        assert client.get("account/config").json()["code"] == "0"
    finally:
        client.close()


def test_public_calls_are_answered_unsigned_and_signed_ones_recorded(
        okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    assert okx.public("public/time").json()["code"] == "0"
    assert sim.violations() == []
    headers = okx.headers("GET", "/api/v5/market/ticker?instId=BTC-USDT-SWAP")
    answer = okx.http.get("/api/v5/market/ticker?instId=BTC-USDT-SWAP", headers=headers)
    assert answer.json()["code"] == "0"  # OKX answers it; the simulator notes the breach
    okx.http.get("/api/v5/public/instruments?instType=SWAP", headers={"OK-ACCESS-KEY": "k"})
    violations = sim.violations()
    assert [(v["path"], v["headers"]) for v in violations] == [
        ("/api/v5/market/ticker", ["ok-access-key", "ok-access-passphrase", "ok-access-sign",
                                   "ok-access-timestamp"]),
        ("/api/v5/public/instruments", ["ok-access-key"])]
    admin = okx.http.get("/sim/violations").json()["violations"]
    assert len(admin) == 2
