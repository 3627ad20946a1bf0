"""Binance face: regular orders over the wire, in base-asset sizes, with Binance's codes."""

import json
from decimal import Decimal as D

import pytest

from simulator.embedded import EmbeddedSimulator
from tests.simulator.binance_http import BinanceHttp

ORDER = "/fapi/v1/order"


def limit(side: str = "BUY", price: str = "29000", qty: str = "0.01", **extra: object
          ) -> dict[str, object]:
    return {"symbol": "BTCUSDC", "side": side, "type": "LIMIT", "timeInForce": "GTC",
            "quantity": qty, "price": price, **extra}


def market(side: str = "BUY", qty: str = "0.01", **extra: object) -> dict[str, object]:
    return {"symbol": "BTCUSDC", "side": side, "type": "MARKET", "quantity": qty, **extra}


@pytest.mark.parametrize("kind", ["STOP_MARKET", "STOP", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                                  "TRAILING_STOP_MARKET"])
def test_conditional_types_on_the_order_endpoint_are_4120(bnc: BinanceHttp, kind: str) -> None:
    refused = bnc.signed("POST", ORDER, symbol="BTCUSDC", side="SELL", type=kind,
                         quantity="0.01", stopPrice="29000", price="29000")
    assert (refused.status_code, refused.json()["code"]) == (400, -4120)
    batch = bnc.ok("POST", "/fapi/v1/batchOrders", batchOrders=json.dumps([
        {"symbol": "BTCUSDC", "side": "SELL", "type": kind, "quantity": "0.01",
         "stopPrice": "29000"}, limit()]))
    assert batch[0]["code"] == -4120 and batch[1]["status"] == "NEW"
    assert bnc.ok("GET", "/fapi/v1/openOrders") and bnc.ok("GET", "/fapi/v1/openAlgoOrders") == []


def test_sizes_are_base_asset_quantities(bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    placed = bnc.ok("POST", ORDER, **market(qty="0.025"), newOrderRespType="RESULT")
    assert (placed["status"], placed["executedQty"]) == ("FILLED", "0.025")
    assert D(placed["cumQuote"]) == D("0.025") * D(placed["avgPrice"])
    [position] = bnc.ok("GET", "/fapi/v3/positionRisk")
    assert position["positionAmt"] == "0.025"
    [fill] = bnc.ok("GET", "/fapi/v1/userTrades", symbol="BTCUSDC")
    assert (fill["qty"], fill["maker"], fill["commissionAsset"]) == ("0.025", False, "USDC")


def test_ack_is_the_order_as_accepted_and_result_its_outcome(bnc: BinanceHttp) -> None:
    ack = bnc.ok("POST", ORDER, **market())
    assert (ack["status"], ack["executedQty"]) == ("NEW", "0")
    done = bnc.ok("GET", ORDER, symbol="BTCUSDC", orderId=ack["orderId"])
    assert done["status"] == "FILLED"


def test_a_duplicate_open_client_id_is_4116_and_free_again_once_terminal(
        bnc: BinanceHttp) -> None:
    first = bnc.ok("POST", ORDER, **limit(newClientOrderId="dup-1"))
    assert bnc.code("POST", ORDER, **limit(newClientOrderId="dup-1")) == -4116
    bnc.ok("DELETE", ORDER, symbol="BTCUSDC", origClientOrderId="dup-1")
    again = bnc.ok("POST", ORDER, **limit(newClientOrderId="dup-1"))
    assert again["orderId"] != first["orderId"]
    found = bnc.ok("GET", ORDER, symbol="BTCUSDC", origClientOrderId="dup-1")
    assert found["orderId"] == again["orderId"]
    assert bnc.code("POST", ORDER, **limit(newClientOrderId="x" * 37)) == -4015


def test_cancel_of_a_filled_canceled_or_unknown_order_is_2011(bnc: BinanceHttp) -> None:
    filled = bnc.ok("POST", ORDER, **market(), newOrderRespType="RESULT")
    resting = bnc.ok("POST", ORDER, **limit())
    bnc.ok("DELETE", ORDER, symbol="BTCUSDC", orderId=resting["orderId"])
    for order_id in (filled["orderId"], resting["orderId"], 999):
        refused = bnc.signed("DELETE", ORDER, symbol="BTCUSDC", orderId=order_id)
        assert (refused.status_code, refused.json()) == (
            400, {"code": -2011, "msg": "Unknown order sent."})
    assert bnc.code("GET", ORDER, symbol="BTCUSDC", orderId=999) == -2013


@pytest.mark.parametrize(("params", "code"), [
    (limit(price="30000.1", timeInForce="GTX"), -5022),     # post-only that would take
    (limit(price="29000", timeInForce="FOK"), -5021),       # FOK that cannot fill
    (market(qty="0"), -4003),
    (market(qty="0.0015"), -1111),                          # more decimals than the step
    (market(qty="0.001"), -4164),                           # on BTCUSDT (min 100), below
    (limit(price="29000.05"), -1111),
    (limit(price="32000"), -4016),                          # above the PERCENT_PRICE cap
    (limit(side="SELL", price="28000"), -4024),
    (market(qty="5000"), -4005),                            # above MARKET_LOT_SIZE maxQty
    (market(reduceOnly="true"), -2022),                     # nothing to reduce
    (market(positionSide="LONG"), -4061),                   # one-way mode
    ({**market(), "symbol": "NOPEUSDC"}, -1121),
    ({**market(), "symbol": "LTCUSDC"}, -4140),             # SETTLING
    ({**market(), "type": "LIMIT_MAKER"}, -1116),
    ({**limit(), "timeInForce": "DAY"}, -1115),
    ({**market(), "side": "HOLD"}, -1117),
    ({**market(), "quantity": ""}, -1102),
    (limit(qty="100"), -2019),                              # 2.9 M notional, 100 k balance
])
def test_refusals_carry_binance_codes(bnc: BinanceHttp, params: dict[str, object],
                                      code: int) -> None:
    if code == -4164:
        params = {**limit(price="28600", qty="0.001"), "symbol": "BTCUSDT"}  # 28.6 < 100
    assert bnc.code("POST", ORDER, **params) == code
    assert bnc.ok("GET", "/fapi/v1/openOrders") == []


def test_min_notional_does_not_bind_reduce_only(bnc: BinanceHttp) -> None:
    bnc.ok("POST", ORDER, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.004")
    assert bnc.code("POST", ORDER, symbol="BTCUSDT", side="SELL", type="MARKET",
                    quantity="0.001") == -4164
    closed = bnc.ok("POST", ORDER, symbol="BTCUSDT", side="SELL", type="MARKET",
                    quantity="0.001", reduceOnly="true", newOrderRespType="RESULT")
    assert closed["status"] == "FILLED"


def test_ioc_remainders_expire(bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    order = bnc.ok("POST", ORDER, **limit(price="29000", timeInForce="IOC"),
                   newOrderRespType="RESULT")
    assert (order["status"], order["executedQty"]) == ("EXPIRED", "0")


def test_position_mode_and_margin_type_settings(bnc: BinanceHttp) -> None:
    dual = "/fapi/v1/positionSide/dual"
    assert bnc.ok("GET", dual) == {"dualSidePosition": False}
    assert bnc.code("POST", dual, dualSidePosition="false") == -4059
    bnc.ok("POST", ORDER, **limit())
    assert bnc.code("POST", dual, dualSidePosition="true") == -4067
    bnc.ok("DELETE", "/fapi/v1/allOpenOrders", symbol="BTCUSDC")
    bnc.ok("POST", ORDER, **market())
    assert bnc.code("POST", dual, dualSidePosition="true") == -4068
    assert bnc.code("POST", "/fapi/v1/marginType", symbol="ETHUSDC",
                    marginType="CROSSED") == -4046
    assert bnc.ok("POST", "/fapi/v1/marginType", symbol="ETHUSDC",
                  marginType="ISOLATED") == {"code": 200, "msg": "success"}
    [config] = bnc.ok("GET", "/fapi/v1/symbolConfig", symbol="ETHUSDC")
    assert config["marginType"] == "ISOLATED"
    assert bnc.code("POST", "/fapi/v1/leverage", symbol="BTCUSDC", leverage=126) == -4028


def test_hedge_mode_orders_carry_a_position_side(bnc: BinanceHttp) -> None:
    bnc.ok("POST", "/fapi/v1/positionSide/dual", dualSidePosition="true")
    assert bnc.code("POST", ORDER, **market()) == -4061
    assert bnc.code("POST", ORDER, **market(positionSide="LONG", reduceOnly="true")) == -1106
    bnc.ok("POST", ORDER, **market(positionSide="LONG"))
    bnc.ok("POST", ORDER, **market(side="SELL", positionSide="SHORT", qty="0.02"))
    rows = {r["positionSide"]: r["positionAmt"]
            for r in bnc.ok("GET", "/fapi/v3/positionRisk")}
    assert rows == {"LONG": "0.01", "SHORT": "-0.02"}
