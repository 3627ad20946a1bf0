"""The dead-man switch (OKX cancel-all-after): resting orders die when the timer runs out,
algo stops stay, a refresh pushes the deadline back, timeOut 0 disarms it, a tag narrows it."""

from decimal import Decimal as D
from typing import Any

import pytest

from simulator.core.clock import VirtualClock
from simulator.core.errors import ApiError
from simulator.core.exchange import ExchangeCore
from simulator.embedded import EmbeddedSimulator
from tests.simulator.binance_http import BinanceHttp
from tests.simulator.conftest import BTC, ETH, START_MS, limit, market
from tests.simulator.okx_http import OkxHttp
from tests.simulator.test_core_algos import algo, algo_id, stop


def rest(core: ExchangeCore, order: dict[str, Any]) -> str:
    [item] = core.place_orders([order])
    assert item["sCode"] == "0", item
    return str(item["ordId"])


def state_of(core: ExchangeCore, ord_id: str, inst: str = BTC) -> tuple[str, str]:
    order = core.get_order({"instId": inst, "ordId": ord_id})[0]
    return str(order["state"]), str(order["cancelSource"])


def test_resting_orders_are_cancelled_at_the_deadline_and_stops_stay(
        core: ExchangeCore, clock: VirtualClock) -> None:
    assert core.place_orders([market("buy", "2")])[0]["sCode"] == "0"
    entry = rest(core, limit("buy", "29000"))
    take_profit = rest(core, limit("sell", "31000", reduceOnly=True))
    other = rest(core, limit("buy", "1900", inst=ETH))
    protective = algo_id(core, stop())
    [armed] = core.cancel_all_after({"timeOut": "10"})
    assert armed == {"triggerTime": str(START_MS // 1000 + 10), "tag": "",
                     "ts": str(START_MS // 1000)}
    clock.advance(9_999)
    assert state_of(core, entry) == ("live", "")
    clock.advance(1)
    for ord_id, inst in ((entry, BTC), (take_profit, BTC), (other, ETH)):
        assert state_of(core, ord_id, inst) == ("canceled", "20")
    assert algo(core, protective)["state"] == "live"
    # fired once: the timer is off until set again
    again = rest(core, limit("buy", "29100"))
    clock.advance(60_000)
    assert state_of(core, again) == ("live", "")


def test_a_heartbeat_pushes_the_deadline_back_and_zero_disarms(
        core: ExchangeCore, clock: VirtualClock) -> None:
    entry = rest(core, limit("buy", "29000"))
    core.cancel_all_after({"timeOut": "10"})
    clock.advance(8_000)
    [refreshed] = core.cancel_all_after({"timeOut": "10"})
    assert refreshed["triggerTime"] == str(START_MS // 1000 + 18)
    clock.advance(8_000)
    assert state_of(core, entry) == ("live", "")
    [off] = core.cancel_all_after({"timeOut": "0"})
    assert off["triggerTime"] == "0"
    clock.advance(60_000)
    assert state_of(core, entry) == ("live", "")


def test_a_tag_level_timer_cancels_only_orders_with_that_tag(
        core: ExchangeCore, clock: VirtualClock) -> None:
    tagged = rest(core, limit("buy", "29000", tag="engine1"))
    untagged = rest(core, limit("buy", "29001"))
    other_tag = rest(core, limit("buy", "29002", tag="manual"))
    [armed] = core.cancel_all_after({"timeOut": "10", "tag": "engine1"})
    assert armed["tag"] == "engine1"
    clock.advance(10_000)
    assert state_of(core, tagged) == ("canceled", "20")
    assert state_of(core, untagged) == ("live", "")
    assert state_of(core, other_tag) == ("live", "")


@pytest.mark.parametrize("params", [
    {"timeOut": "9"}, {"timeOut": "121"}, {"timeOut": "-1"}, {"timeOut": "ten"},
    {"timeOut": "10", "tag": "has space"}, {"timeOut": "10", "tag": "x" * 17},
])
def test_out_of_range_values_are_parameter_errors(core: ExchangeCore,
                                                  params: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as caught:
        core.cancel_all_after(params)
    assert caught.value.code == "51000"


def test_a_missing_timeout_is_50014(core: ExchangeCore) -> None:
    with pytest.raises(ApiError) as caught:
        core.cancel_all_after({})
    assert caught.value.code == "50014"


def test_the_endpoint_over_the_wire(sim: EmbeddedSimulator, okx: OkxHttp) -> None:
    placed = okx.post("trade/order", limit("buy", "29000", clOrdId="rest1")).json()
    assert placed["code"] == "0"
    answer = okx.post("trade/cancel-all-after", {"timeOut": "30"}).json()
    assert answer["code"] == "0"
    assert int(answer["data"][0]["triggerTime"]) == sim.core.now_ms() // 1000 + 30
    sim.advance(31)
    order = okx.get("trade/order", f"instId={BTC}&clOrdId=rest1").json()["data"][0]
    assert (order["state"], order["cancelSource"]) == ("canceled", "20")
    bad = okx.post("trade/cancel-all-after", {"timeOut": "5"})
    assert (bad.status_code, bad.json()["code"]) == (400, "51000")
    assert sim.core.quote(BTC)[0] == D(30000)


def test_binance_countdown_cancels_the_symbols_open_orders_and_leaves_algos(
        bnc: BinanceHttp, bsim: EmbeddedSimulator) -> None:
    bnc.ok("POST", "/fapi/v1/order", symbol="BTCUSDC", side="BUY", type="MARKET",
           quantity="0.02")
    resting = bnc.ok("POST", "/fapi/v1/order", symbol="BTCUSDC", side="BUY", type="LIMIT",
                     timeInForce="GTC", quantity="0.01", price="29000")
    bnc.ok("POST", "/fapi/v1/algoOrder", algoType="CONDITIONAL", symbol="BTCUSDC", side="SELL",
           type="STOP_MARKET", triggerPrice="29000", quantity="0.02", reduceOnly="true",
           clientAlgoId="dm1")
    answer = bnc.ok("POST", "/fapi/v1/countdownCancelAll", symbol="BTCUSDC",
                    countdownTime="120000")
    assert answer == {"symbol": "BTCUSDC", "countdownTime": "120000"}
    bsim.advance(119)
    order_id = resting["orderId"]
    assert bnc.ok("GET", "/fapi/v1/order", symbol="BTCUSDC",
                  orderId=order_id)["status"] == "NEW"
    bsim.advance(1)
    assert bnc.ok("GET", "/fapi/v1/order", symbol="BTCUSDC",
                  orderId=order_id)["status"] == "CANCELED"
    assert bnc.ok("GET", "/fapi/v1/algoOrder",
                  clientAlgoId="dm1")["algoStatus"] == "NEW"
    assert bnc.code("POST", "/fapi/v1/countdownCancelAll", symbol="BTCUSDC") == -1102
