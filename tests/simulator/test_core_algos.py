"""Core: algo orders (conditional / oco), their triggers, cancel codes and queries."""

from decimal import Decimal as D
from typing import Any

import pytest

from simulator.core.clock import VirtualClock
from simulator.core.errors import ApiError
from simulator.core.exchange import ExchangeCore
from tests.simulator.conftest import BTC, market


def stop(side: str = "sell", trigger: str = "29000", kind: str = "last",
         **extra: object) -> dict[str, Any]:
    return {"instId": BTC, "tdMode": "cross", "side": side, "ordType": "conditional",
            "slTriggerPx": trigger, "slOrdPx": "-1", "slTriggerPxType": kind, "sz": "1",
            "reduceOnly": True, **extra}


def place_algo(core: ExchangeCore, params: dict[str, Any], delay_ms: int = 0) -> dict[str, Any]:
    return core.place_algo(params, delay_ms)[0]


def algo_id(core: ExchangeCore, params: dict[str, Any], delay_ms: int = 0) -> str:
    item = place_algo(core, params, delay_ms)
    assert item["sCode"] == "0", item
    return str(item["algoId"])


def algo(core: ExchangeCore, ident: str) -> dict[str, Any]:
    return core.get_algo({"algoId": ident})[0]


def go_long(core: ExchangeCore, sz: str = "1") -> None:
    assert core.place_orders([market("buy", sz)])[0]["sCode"] == "0"


def test_a_stop_on_last_places_a_reduce_only_market_order_and_goes_effective(
        core: ExchangeCore) -> None:
    go_long(core)
    ident = algo_id(core, stop(algoClOrdId="stop1"))
    assert algo(core, ident)["state"] == "live"
    core.set_price(BTC, D("29000.1"))
    assert algo(core, ident)["state"] == "live"
    core.set_price(BTC, D("28990"))
    done = algo(core, ident)
    assert (done["state"], done["actualSide"], done["actualSz"]) == ("effective", "sl", "1")
    child = core.get_order({"instId": BTC, "ordId": done["ordId"]})[0]
    assert (child["state"], child["side"], child["reduceOnly"], child["source"]) == (
        "filled", "sell", "true", "7")
    assert (child["algoId"], child["algoClOrdId"]) == (ident, "stop1")
    assert core.positions({}) == []


@pytest.mark.parametrize("kind", ["mark", "index"])
def test_a_stop_triggers_on_its_own_price_type(core: ExchangeCore, kind: str) -> None:
    go_long(core)
    ident = algo_id(core, stop(kind=kind))
    core.set_price(BTC, D("28000"), mark=D("30000"), index=D("30000"))  # only last crossed
    assert algo(core, ident)["state"] == "live"
    prices = {"mark": D("30000"), "index": D("30000"), kind: D("28900")}
    core.set_price(BTC, D("30000"), **prices)
    assert algo(core, ident)["state"] == "effective"


def test_take_profit_leg_and_limit_child(core: ExchangeCore) -> None:
    go_long(core)
    ident = algo_id(core, {**stop(), "slTriggerPx": "", "tpTriggerPx": "31000",
                           "tpOrdPx": "30900"})
    core.set_price(BTC, D("31000"))
    done = algo(core, ident)
    assert (done["state"], done["actualSide"], done["actualPx"]) == ("effective", "tp", "30900")
    child = core.get_order({"instId": BTC, "ordId": done["ordId"]})[0]
    assert (child["ordType"], child["px"], child["state"]) == ("limit", "30900", "filled")


def test_close_fraction_closes_the_position_as_it_is_at_trigger_time(core: ExchangeCore) -> None:
    go_long(core, "1")
    ident = algo_id(core, {**stop(), "sz": "", "closeFraction": "1"})
    go_long(core, "2")
    close_algos: Any = core.positions({})[0]["closeOrderAlgo"]
    assert close_algos[0]["algoId"] == ident
    core.set_price(BTC, D("28000"))
    assert algo(core, ident)["actualSz"] == "3"
    assert core.positions({}) == []


@pytest.mark.parametrize(("params", "code"), [
    (stop(trigger="30500"), "51280"),                       # sell SL above last
    (stop(side="buy", trigger="29500"), "51278"),           # buy SL below last
    (stop(trigger="30500", kind="mark"), "51304"),
    (stop(trigger="30500", kind="index"), "51308"),
    ({**stop(), "slTriggerPx": "", "tpTriggerPx": "29000", "tpOrdPx": "-1"}, "51279"),
    (stop(trigger="29000.05"), "51150"),
    (stop(kind="bid"), "51000"),
    ({**stop(), "sz": "", "closeFraction": "1", "reduceOnly": False}, "51328"),
    ({**stop(), "sz": "", "closeFraction": "0.5"}, "51000"),
    (stop(sz="0.005"), "51121"),
    ({**stop(), "instId": "NOPE-USDT-SWAP"}, "51001"),
])
def test_refused_algos_carry_okx_codes(core: ExchangeCore, params: dict[str, Any],
                                       code: str) -> None:
    item = place_algo(core, params)
    assert (item["sCode"], item["algoId"]) == (code, "")


@pytest.mark.parametrize(("params", "code"), [
    ({**stop(), "slOrdPx": ""}, "50014"),
    ({**stop(), "sz": ""}, "50015"),
    ({**stop(), "closeFraction": "1"}, "50024"),
    ({**stop(), "slTriggerPx": ""}, "50015"),
    ({**stop(), "ordType": "oco"}, "50014"),
])
def test_malformed_algo_requests_fail_whole(core: ExchangeCore, params: dict[str, Any],
                                            code: str) -> None:
    with pytest.raises(ApiError) as refused:
        core.place_algo(params)
    assert refused.value.code == code


def test_one_close_all_stop_per_position(core: ExchangeCore) -> None:
    go_long(core)
    algo_id(core, {**stop(), "sz": "", "closeFraction": "1"})
    assert place_algo(core, {**stop(trigger="28000"), "sz": "", "closeFraction": "1"})[
        "sCode"] == "51088"


def test_duplicate_algo_client_id_among_live_algos(core: ExchangeCore) -> None:
    first = algo_id(core, stop(algoClOrdId="protect1"))
    assert place_algo(core, stop(algoClOrdId="protect1"))["sCode"] == "51065"
    core.cancel_algos([{"instId": BTC, "algoId": first}])
    assert place_algo(core, stop(algoClOrdId="protect1"))["sCode"] == "0"
    assert core.get_algo({"algoClOrdId": "protect1"})[0]["algoId"] != first


def test_cancel_algos_codes(core: ExchangeCore) -> None:
    go_long(core)
    live = algo_id(core, stop(algoClOrdId="c1"))
    fired = algo_id(core, stop(trigger="29500"))
    core.set_price(BTC, D("29400"))
    results = core.cancel_algos([{"instId": BTC, "algoClOrdId": "c1"},
                                 {"instId": BTC, "algoId": live},
                                 {"instId": BTC, "algoId": "42"},
                                 {"instId": BTC, "algoId": fired}])
    assert [r["sCode"] for r in results] == ["0", "51400", "51400", "51412"]
    assert algo(core, live)["state"] == "canceled"


def test_a_stop_without_a_position_to_reduce_fails_at_trigger(core: ExchangeCore) -> None:
    ident = algo_id(core, stop())
    core.set_price(BTC, D("28000"))
    failed = algo(core, ident)
    assert (failed["state"], failed["failCode"], failed["ordId"]) == ("order_failed", "51169", "")


def test_queries_need_their_parameters_and_filter(core: ExchangeCore) -> None:
    live = algo_id(core, stop())
    with pytest.raises(ApiError) as no_type:
        core.pending_algos({})
    assert no_type.value.code == "50014"
    assert [a["algoId"] for a in core.pending_algos({"ordType": "conditional,oco"})] == [live]
    assert core.pending_algos({"ordType": "oco"}) == []
    with pytest.raises(ApiError) as no_state:
        core.algo_history({"ordType": "conditional"})
    assert no_state.value.code == "50015"
    core.cancel_algos([{"instId": BTC, "algoId": live}])
    history = core.algo_history({"ordType": "conditional", "state": "canceled"})
    assert [a["algoId"] for a in history] == [live]
    with pytest.raises(ApiError) as unknown:
        core.get_algo({"algoId": "1"})
    assert unknown.value.code == "51603"


def test_a_delayed_algo_is_invisible_until_its_time(core: ExchangeCore,
                                                    clock: VirtualClock) -> None:
    ident = algo_id(core, stop(algoClOrdId="late1"), delay_ms=800)
    assert core.pending_algos({"ordType": "conditional"}) == []
    with pytest.raises(ApiError):
        core.get_algo({"algoClOrdId": "late1"})
    clock.advance(800)
    assert [a["algoId"] for a in core.pending_algos({"ordType": "conditional"})] == [ident]


def test_oco_places_both_legs_and_one_fires(core: ExchangeCore) -> None:
    go_long(core)
    ident = algo_id(core, {**stop(), "ordType": "oco", "tpTriggerPx": "31000", "tpOrdPx": "-1"})
    core.set_price(BTC, D("31000"))
    assert (algo(core, ident)["state"], algo(core, ident)["actualSide"]) == ("effective", "tp")
