"""Binance face: the Algo Service (conditional orders), its statuses and trigger prices."""

from decimal import Decimal as D

import pytest

from simulator.embedded import EmbeddedSimulator
from tests.simulator.binance_http import BinanceHttp

ALGO = "/fapi/v1/algoOrder"
OPEN = "/fapi/v1/openAlgoOrders"


def stop(trigger: str = "29000", **extra: object) -> dict[str, object]:
    return {"algoType": "CONDITIONAL", "symbol": "BTCUSDC", "side": "SELL",
            "type": "STOP_MARKET", "triggerPrice": trigger, "quantity": "0.01",
            "reduceOnly": "true", **extra}


def go_long(bnc: BinanceHttp, qty: str = "0.01") -> None:
    bnc.ok("POST", "/fapi/v1/order", symbol="BTCUSDC", side="BUY", type="MARKET",
           quantity=qty)


def status(bnc: BinanceHttp, client_id: str) -> str:
    found = bnc.ok("GET", ALGO, clientAlgoId=client_id)
    return str(found["algoStatus"])


def test_a_mark_price_stop_fires_on_mark_and_not_on_last(bnc: BinanceHttp,
                                                         bsim: EmbeddedSimulator) -> None:
    go_long(bnc)
    placed = bnc.ok("POST", ALGO, **stop(workingType="MARK_PRICE", clientAlgoId="mk1"))
    assert (placed["algoStatus"], placed["workingType"]) == ("NEW", "MARK_PRICE")
    assert "orderId" not in placed
    bsim.set_price("BTCUSDC", D("28500"), mark=D("29500"))  # last through, mark not
    assert status(bnc, "mk1") == "NEW"
    bsim.set_price("BTCUSDC", D("29500"), mark=D("28990"))
    done = bnc.ok("GET", ALGO, clientAlgoId="mk1")
    assert done["algoStatus"] == "FINISHED" and done["actualOrderId"]
    child = bnc.ok("GET", "/fapi/v1/order", symbol="BTCUSDC",
                   orderId=done["actualOrderId"])
    assert (child["status"], child["type"], child["origType"], child["reduceOnly"]) == (
        "FILLED", "MARKET", "STOP_MARKET", True)
    assert bnc.ok("GET", "/fapi/v3/positionRisk") == []


def test_a_contract_price_stop_fires_on_last(bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    go_long(bnc)
    bnc.ok("POST", ALGO, **stop(clientAlgoId="lp1"))  # workingType defaults to CONTRACT_PRICE
    bsim.set_price("BTCUSDC", D("29500"), mark=D("28000"))
    assert status(bnc, "lp1") == "NEW"
    bsim.set_price("BTCUSDC", D("28990"), mark=D("29500"))
    assert status(bnc, "lp1") == "FINISHED"


def test_a_close_position_stop_expires_when_the_position_is_closed_by_hand(
        bnc: BinanceHttp) -> None:
    go_long(bnc, "0.03")
    placed = bnc.ok("POST", ALGO, **{**stop(closePosition="true", clientAlgoId="cp1"),
                                     "quantity": "", "reduceOnly": ""})
    assert (placed["closePosition"], placed["timeInForce"], placed["reduceOnly"]) == (
        True, "GTE_GTC", False)
    bnc.ok("POST", "/fapi/v1/order", symbol="BTCUSDC", side="SELL", type="MARKET",
           quantity="0.03", reduceOnly="true")
    assert status(bnc, "cp1") == "EXPIRED"
    assert bnc.ok("GET", OPEN) == []


def test_a_close_position_stop_while_flat_is_refused(bnc: BinanceHttp) -> None:
    params = {**stop(closePosition="true"), "quantity": "", "reduceOnly": ""}
    assert bnc.code("POST", ALGO, **params) == -2022
    go_long(bnc)
    assert bnc.code("POST", ALGO, **stop(closePosition="true")) == -4137  # with a quantity


def test_open_algo_orders_hide_a_stop_while_the_visibility_fault_is_on(
        bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    go_long(bnc)
    bsim.faults.inject("algo_visibility_delay", "fapi/v1/algoOrder", method="POST", times=1,
                       ms=1500)
    placed = bnc.ok("POST", ALGO, **stop(clientAlgoId="late1"))
    assert bnc.ok("GET", OPEN) == []
    assert bnc.code("GET", ALGO, clientAlgoId="late1") == -2013
    bsim.advance(1.5)
    [shown] = bnc.ok("GET", OPEN, symbol="BTCUSDC")
    assert shown["algoId"] == placed["algoId"]


@pytest.mark.parametrize("by", ["clientAlgoId", "algoId"])
def test_a_stop_the_queries_do_not_show_yet_is_cancelled_by_either_id(
        bnc: BinanceHttp, bsim: EmbeddedSimulator, by: str) -> None:
    """DELETE /fapi/v1/algoOrder takes algoId or clientAlgoId: the Algo Service holds the order
    from its acceptance, the visibility delay only lags the read side."""
    go_long(bnc)
    bsim.faults.inject("algo_visibility_delay", "fapi/v1/algoOrder", method="POST", times=1,
                       ms=60_000)
    placed = bnc.ok("POST", ALGO, **stop(clientAlgoId="late2"))
    assert bnc.code("GET", ALGO, clientAlgoId="late2") == -2013  # hidden from queries
    ident = {"clientAlgoId": "late2"} if by == "clientAlgoId" else {"algoId": placed["algoId"]}
    canceled = bnc.ok("DELETE", ALGO, **ident)
    assert (canceled["algoId"], canceled["clientAlgoId"], canceled["code"]) == \
        (placed["algoId"], "late2", "200")
    assert bnc.code("DELETE", ALGO, **ident) == -2011  # gone: a second cancel finds nothing
    bsim.advance(60)
    assert bnc.ok("GET", OPEN, symbol="BTCUSDC") == []
    assert status(bnc, "late2") == "CANCELED"


def test_statuses_new_triggered_finished_canceled_rejected(bnc: BinanceHttp,
                                                           bsim: EmbeddedSimulator) -> None:
    go_long(bnc)
    bnc.ok("POST", ALGO, **stop(type="STOP", price="29500", clientAlgoId="lim1"))
    bsim.set_price("BTCUSDC", D("28990"))  # the limit child, a sell at 29500, rests
    assert status(bnc, "lim1") == "TRIGGERED"
    bnc.ok("POST", ALGO, **stop(trigger="27000", clientAlgoId="cx1"))
    canceled = bnc.ok("DELETE", ALGO, clientAlgoId="cx1")
    assert (canceled["code"], canceled["msg"]) == ("200", "success")
    assert status(bnc, "cx1") == "CANCELED"
    assert bnc.code("DELETE", ALGO, clientAlgoId="cx1") == -2011
    bsim.set_price("BTCUSDC", D("29500"))  # the child fills
    assert status(bnc, "lim1") == "FINISHED"
    bnc.ok("POST", ALGO, **stop(trigger="27000", clientAlgoId="rj1"))  # flat now
    bsim.set_price("BTCUSDC", D("26990"))
    assert status(bnc, "rj1") == "REJECTED"
    history = bnc.ok("GET", "/fapi/v1/allAlgoOrders", symbol="BTCUSDC")
    assert [a["clientAlgoId"] for a in history] == ["lim1", "cx1", "rj1"]


@pytest.mark.parametrize(("params", "code"), [
    (stop(trigger="30500"), -2021),                          # a sell stop above the price
    ({**stop(), "type": "TAKE_PROFIT_MARKET", "triggerPrice": "29000"}, -2021),
    ({**stop(), "algoType": "VP"}, -1130),
    ({**stop(), "type": "LIMIT"}, -1116),
    ({**stop(), "type": "TRAILING_STOP_MARKET"}, -1116),
    ({**stop(), "workingType": "INDEX"}, -4031),
    ({**stop(), "triggerPrice": ""}, -1102),
    ({**stop(), "type": "STOP"}, -1102),                     # STOP needs a price
    ({**stop(), "price": "28000"}, -1106),                   # STOP_MARKET takes none
    ({**stop(), "clientAlgoId": "bad id"}, -4015),
])
def test_refused_algo_orders(bnc: BinanceHttp, params: dict[str, object], code: int) -> None:
    assert bnc.code("POST", ALGO, **params) == code


def test_client_ids_are_unique_among_open_orders_and_algos(bnc: BinanceHttp) -> None:
    bnc.ok("POST", ALGO, **stop(clientAlgoId="same1"))
    assert bnc.code("POST", ALGO, **stop(clientAlgoId="same1")) == -4116
    assert bnc.code("POST", "/fapi/v1/order", symbol="BTCUSDC", side="BUY", type="LIMIT",
                    timeInForce="GTC", quantity="0.01", price="29000",
                    newClientOrderId="same1") == -4116
    bnc.ok("DELETE", "/fapi/v1/algoOpenOrders", symbol="BTCUSDC")
    assert bnc.ok("POST", ALGO, **stop(clientAlgoId="same1"))


def test_regular_endpoints_do_not_know_algo_ids(bnc: BinanceHttp) -> None:
    placed = bnc.ok("POST", ALGO, **stop())
    algo_id = placed["algoId"]
    assert bnc.code("GET", "/fapi/v1/order", symbol="BTCUSDC", orderId=algo_id) == -2013
    assert bnc.code("DELETE", "/fapi/v1/order", symbol="BTCUSDC", orderId=algo_id) == -2011
    assert bnc.ok("GET", "/fapi/v1/openOrders") == []
