"""Fidelity to OKX's recorded answers (issue 8): algo fields, codes, HTTP statuses, books, bePx,
account modes. Each test names the OKX behaviour it pins."""

from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest

from simulator.core.clock import VirtualClock
from simulator.core.exchange import ExchangeCore
from simulator.core.state import CoreConfig
from simulator.embedded import EmbeddedSimulator
from tests.simulator.conftest import BTC, START_MS, limit, market
from tests.simulator.okx_http import OkxHttp


def stop(**extra: object) -> dict[str, object]:
    return {"instId": BTC, "tdMode": "cross", "side": "sell", "ordType": "conditional",
            "sz": "1", "slTriggerPx": "29000", "slOrdPx": "-1", "reduceOnly": True, **extra}


def test_a_clordid_sent_to_order_algo_becomes_both_client_ids(okx: OkxHttp) -> None:
    ack = okx.post("trade/order-algo", stop(clOrdId="viaclord1", tag="t1")).json()
    [item] = ack["data"]
    assert (item["clOrdId"], item["algoClOrdId"], item["tag"], item["sCode"]) == (
        "viaclord1", "viaclord1", "t1", "0")
    [algo] = okx.data(okx.get("trade/order-algo", "algoClOrdId=viaclord1"))
    assert (algo["algoId"], algo["clOrdId"], algo["algoClOrdId"]) == (
        item["algoId"], "viaclord1", "viaclord1")


def test_algoclordid_wins_over_clordid(okx: OkxHttp) -> None:
    [item] = okx.data(okx.post("trade/order-algo", stop(algoClOrdId="named1", clOrdId="other1")))
    assert (item["clOrdId"], item["algoClOrdId"]) == ("named1", "named1")


def test_the_algo_ack_has_an_empty_smsg_and_no_gateway_times(okx: OkxHttp) -> None:
    ack = okx.post("trade/order-algo", stop(algoClOrdId="ack1")).json()
    assert (ack["code"], ack["msg"], ack["data"][0]["sMsg"]) == ("0", "", "")
    assert "inTime" not in ack and "outTime" not in ack
    cancel = okx.post("trade/cancel-algos", [{"instId": BTC,
                                              "algoId": ack["data"][0]["algoId"]}]).json()
    assert "inTime" not in cancel and "outTime" not in cancel
    placed = okx.post("trade/order", limit("buy", "20000")).json()
    assert placed["inTime"].isdigit() and placed["outTime"].isdigit()  # orders keep them


def test_cancel_algos_items_carry_the_client_id_and_tag(okx: OkxHttp) -> None:
    [placed] = okx.data(okx.post("trade/order-algo", stop(algoClOrdId="cx1", tag="mytag")))
    [done] = okx.data(okx.post("trade/cancel-algos", [{"instId": BTC,
                                                        "algoId": placed["algoId"]}]))
    assert done == {"algoClOrdId": "cx1", "algoId": placed["algoId"], "clOrdId": "cx1",
                    "tag": "mytag", "sCode": "0", "sMsg": ""}
    again = okx.post("trade/cancel-algos", [{"instId": BTC, "algoId": placed["algoId"]}]).json()
    assert set(again["data"][0]) == {"algoClOrdId", "algoId", "clOrdId", "tag", "sCode",
                                     "sMsg"}
    assert again["data"][0]["sCode"] == "51400"


def test_market_legs_show_ord_px_minus_one_and_absent_legs_stay_empty(okx: OkxHttp) -> None:
    okx.data(okx.post("trade/order-algo", stop(algoClOrdId="sl1")))
    [sl] = okx.data(okx.get("trade/order-algo", "algoClOrdId=sl1"))
    assert (sl["slOrdPx"], sl["tpOrdPx"], sl["tpTriggerPx"]) == ("-1", "", "")
    oco = stop(ordType="oco", algoClOrdId="oco1", tpTriggerPx="31000", tpOrdPx="-1",
               slOrdPx="28900")
    okx.data(okx.post("trade/order-algo", oco))
    [both] = okx.data(okx.get("trade/order-algo", "algoClOrdId=oco1"))
    assert (both["slOrdPx"], both["tpOrdPx"]) == ("28900", "-1")


def test_live_algos_show_zero_fail_code_and_size_until_they_act(
        okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    okx.post("trade/order", market("buy", "2"))
    okx.data(okx.post("trade/order-algo", stop(algoClOrdId="life2", sz="2")))
    [live] = okx.data(okx.get("trade/order-algo", "algoClOrdId=life2"))
    assert (live["state"], live["failCode"], live["actualSz"]) == ("live", "0", "0")
    sim.set_price(BTC, D("28900"))
    [done] = okx.data(okx.get("trade/order-algo", "algoClOrdId=life2"))
    assert (done["state"], done["failCode"], done["actualSz"]) == ("effective", "0", "2")


def test_a_failed_trigger_keeps_the_child_refusal_as_fail_code(core: ExchangeCore) -> None:
    core.place_algo(stop(algoClOrdId="fail1"))  # reduce-only with no position
    core.set_price(BTC, D("28000"))
    [failed] = core.get_algo({"algoClOrdId": "fail1"})
    assert (failed["state"], failed["failCode"], failed["actualSz"]) == (
        "order_failed", "51169", "0")


def test_reduce_only_in_the_positions_direction_is_51170(core: ExchangeCore) -> None:
    core.place_orders([market("sell", "1")])
    [item] = core.place_orders([market("sell", "1", reduceOnly=True)])
    assert (item["sCode"], item["sMsg"]) == (
        "51170", "Failed to place order. A reduce-only order can't be the same trading "
                 "direction as your existing positions.")


def test_a_whole_request_51000_is_http_400(okx: OkxHttp) -> None:
    bad_limit = okx.get("trade/orders-pending", "limit=1000")
    assert (bad_limit.status_code, bad_limit.json()) == (
        400, {"code": "51000", "msg": "Parameter limit error", "data": []})
    not_an_object = okx.post("trade/order", [limit("buy", "20000")])
    assert (not_an_object.status_code, not_an_object.json()["code"]) == (400, "51000")
    per_item = okx.post("trade/order", limit("buy", "20000", tdMode="cash"))
    assert (per_item.status_code, per_item.json()["data"][0]["sCode"]) == (200, "51000")


def test_the_rate_limit_fault_answers_in_either_okx_form(
        okx: OkxHttp, sim: EmbeddedSimulator) -> None:
    sim.faults.inject("rate_limit", "account/config", times=1, status=200)
    sim.faults.inject("rate_limit", "account/config", times=1)
    full = okx.get("account/config")
    assert (full.status_code, full.json()) == (200, {
        "code": "50011", "data": [], "msg": "Rate limit reached. Please refer to API "
                                            "documentation and throttle requests accordingly."})
    short = okx.get("account/config")
    assert (short.status_code, short.json()) == (429, {"msg": "Too Many Requests",
                                                       "code": "50011"})


@pytest.fixture
def limited() -> Iterator[OkxHttp]:
    with EmbeddedSimulator(virtual_clock=True, rate_limits=True, price_walk=False) as sim:
        client = OkxHttp(sim.rest_url, "k", "s", "p", sim.core.now_ms)
        yield client
        client.close()


def test_the_batch_order_count_limit_is_the_http_200_form(limited: OkxHttp) -> None:
    batch = [limit("buy", "20000")] * 20
    answers = [limited.post("trade/batch-orders", batch) for _ in range(16)]
    assert [a.status_code for a in answers] == [200] * 16
    assert [a.json()["code"] for a in answers] == ["0"] * 15 + ["50011"]  # 300 orders / 2 s
    assert answers[-1].json()["data"] == []


def test_books_honour_sz(okx: OkxHttp) -> None:
    [one] = okx.data(okx.public("market/books", f"instId={BTC}"))
    assert (one["asks"], one["bids"]) == ([["30000.1", "120", "0", "4"]],
                                          [["29999.9", "95", "0", "3"]])
    [deep] = okx.data(okx.public("market/books", f"instId={BTC}&sz=5"))
    assert [a[0] for a in deep["asks"]] == ["30000.1", "30000.2", "30000.3", "30000.4",
                                            "30000.5"]
    assert [b[0] for b in deep["bids"]] == ["29999.9", "29999.8", "29999.7", "29999.6",
                                            "29999.5"]
    assert len(okx.data(okx.public("market/books", f"instId={BTC}&sz=400"))[0]["asks"]) == 400
    for bad in ("0", "401", "x"):
        refused = okx.public("market/books", f"instId={BTC}&sz={bad}")
        assert (refused.status_code, refused.json()["code"]) == (400, "51000")


def test_breakeven_covers_the_fees_paid_and_the_closing_fee(core: ExchangeCore) -> None:
    core.place_orders([market("buy", "2")])  # taker at 30006 (2 bp slippage)
    long: dict[str, Any] = core.positions({})[0]
    assert len(core.positions({})) == 1
    qty, avg, paid = D("0.02"), D(long["avgPx"]), -D(long["fee"])
    assert paid == qty * avg * D("0.0005")
    expected = (qty * avg + paid) / (qty * (1 - D("0.0005")))
    assert abs(D(long["bePx"]) - expected) < D("0.00000001")
    assert D(long["bePx"]) > avg
    core.place_orders([market("sell", "2", reduceOnly=True), market("sell", "1")])
    short: dict[str, Any] = core.positions({})[0]
    assert len(core.positions({})) == 1
    qty, avg, paid = D("0.01"), D(short["avgPx"]), -D(short["fee"])
    expected = (qty * avg - paid) / (qty * (1 + D("0.0005")))
    assert abs(D(short["bePx"]) - expected) < D("0.00000001")
    assert D(short["bePx"]) < avg  # and the old long's fees are not carried over
    assert paid == qty * avg * D("0.0005")


def mode_core(acct_lv: str) -> ExchangeCore:
    return ExchangeCore(CoreConfig(seed=7, vol_per_step=0.0, acct_lv=acct_lv),
                        VirtualClock(START_MS))


def test_futures_mode_fills_per_currency_margin_only_for_cross_positions() -> None:
    core = mode_core("2")
    assert core.account_config()[0]["acctLv"] == "2"
    core.place_orders([limit("buy", "20000", sz="1")])
    details: Any = core.balance({"ccy": "USDT"})[0]["details"]
    [flat] = details
    assert (flat["imr"], flat["ordFrozen"] != "0") == ("", True)
    core.place_orders([market("buy", "1")])
    balance: dict[str, Any] = core.balance({"ccy": "USDT"})[0]
    [detail] = balance["details"]
    assert D(detail["imr"]) == D("0.01") * D(30000) / 10
    assert (balance["imr"], balance["adjEq"], balance["availEq"]) == ("", "", "")


@pytest.mark.parametrize("acct_lv", ["3", "4"])
def test_pooled_modes_report_margin_at_the_account_level_in_usd(acct_lv: str) -> None:
    core = mode_core(acct_lv)
    core.place_orders([market("buy", "1"), limit("buy", "20000", sz="1")])
    balance: dict[str, Any] = core.balance({"ccy": "USDT"})[0]
    [detail] = balance["details"]
    assert (detail["imr"], detail["mmr"]) == ("", "")
    frozen = D(detail["ordFrozen"])
    assert D(balance["imr"]) == D("0.01") * D(30000) / 10 + frozen
    assert D(balance["ordFroz"]) == frozen and balance["adjEq"] != ""
    assert core.place_orders([market("buy", "1", tdMode="isolated")])[0]["sCode"] == "50072"


def test_a_spot_mode_account_cannot_trade_swaps() -> None:
    core = mode_core("1")
    assert core.account_config()[0]["acctLv"] == "1"
    assert core.place_orders([market("buy", "1")])[0]["sCode"] == "51010"
    assert core.place_algo(stop())[0]["sCode"] == "51010"
