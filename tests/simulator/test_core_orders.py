"""Core: matching, fees, positions and the error codes of regular orders (no sockets)."""

from decimal import Decimal as D
from typing import Any

import pytest

from simulator.core.clock import VirtualClock
from simulator.core.errors import ApiError
from simulator.core.exchange import ExchangeCore
from simulator.core.instruments import Instrument
from simulator.core.state import CoreConfig
from tests.simulator.conftest import BTC, ETH, limit, market


def place(core: ExchangeCore, *orders: dict[str, Any],
          exp_time: int | None = None) -> list[dict[str, Any]]:
    return core.place_orders(list(orders), exp_time)


def placed_id(core: ExchangeCore, order: dict[str, Any]) -> str:
    [item] = place(core, order)
    assert item["sCode"] == "0", item
    return str(item["ordId"])


def order_of(core: ExchangeCore, ord_id: str, inst: str = BTC) -> dict[str, Any]:
    return core.get_order({"instId": inst, "ordId": ord_id})[0]


def s_code(core: ExchangeCore, order: dict[str, Any]) -> str:
    return str(place(core, order)[0]["sCode"])


def test_a_limit_far_below_market_rests_until_the_price_crosses_it(core: ExchangeCore) -> None:
    ord_id = placed_id(core, limit("buy", "29000", clOrdId="probe1"))
    assert order_of(core, ord_id)["state"] == "live"
    core.set_price(BTC, D("29500"))
    assert order_of(core, ord_id)["state"] == "live"
    core.set_price(BTC, D("28990"))
    filled = order_of(core, ord_id)
    assert (filled["state"], filled["accFillSz"], filled["avgPx"]) == ("filled", "1", "29000")
    # maker fee 0.02 % of 1 contract x 0.01 BTC x 29000
    assert D(str(filled["fee"])) == D("-0.058")
    [fill] = core.fills({"ordId": ord_id})
    assert (fill["execType"], fill["fillPx"], fill["clOrdId"]) == ("M", "29000", "probe1")


def test_a_marketable_limit_takes_at_last_with_the_taker_fee(core: ExchangeCore) -> None:
    ord_id = placed_id(core, limit("buy", "30500"))
    filled = order_of(core, ord_id)
    assert (filled["state"], filled["avgPx"]) == ("filled", "30000")
    assert D(str(filled["fee"])) == D("-0.15")  # 0.05 % of 300


def test_market_orders_fill_at_last_plus_slippage_rounded_to_tick(core: ExchangeCore) -> None:
    buy = order_of(core, placed_id(core, market("buy")))
    sell = order_of(core, placed_id(core, market("sell")))
    assert buy["avgPx"] == "30006"  # 30000 x 1.0002
    assert sell["avgPx"] == "29994"
    assert core.positions({}) == []  # bought and sold one contract: flat


def test_post_only_that_would_take_is_canceled_and_one_below_rests(core: ExchangeCore) -> None:
    taking = order_of(core, placed_id(core, {**limit("buy", "30000"), "ordType": "post_only"}))
    assert (taking["state"], taking["cancelSource"], taking["accFillSz"]) == ("canceled", "31", "0")
    resting = order_of(core, placed_id(core, {**limit("buy", "29999.9"), "ordType": "post_only"}))
    assert resting["state"] == "live"


def test_ioc_and_fok_never_rest(core: ExchangeCore) -> None:
    ioc_miss = order_of(core, placed_id(core, {**limit("buy", "29000"), "ordType": "ioc"}))
    assert (ioc_miss["state"], ioc_miss["cancelSource"]) == ("canceled", "14")
    fok_miss = order_of(core, placed_id(core, {**limit("buy", "29000"), "ordType": "fok"}))
    assert (fok_miss["state"], fok_miss["cancelSource"]) == ("canceled", "13")
    fok_hit = order_of(core, placed_id(core, {**limit("buy", "30000"), "ordType": "fok"}))
    assert (fok_hit["state"], fok_hit["accFillSz"]) == ("filled", "1")


def test_partial_fills_leave_the_rest_live_until_the_next_move(core: ExchangeCore) -> None:
    ratios = [D("0.5"), D("0.5")]  # two partial opportunities, then whole fills
    core.set_partial_fill_hook(lambda inst_id: ratios.pop() if ratios else None)
    ord_id = placed_id(core, limit("buy", "29000", sz="2"))
    core.set_price(BTC, D("28900"))
    half = order_of(core, ord_id)
    assert (half["state"], half["accFillSz"], half["fillSz"]) == ("partially_filled", "1", "1")
    core.set_price(BTC, D("28800"))
    assert order_of(core, ord_id)["accFillSz"] == "1.5"
    core.set_price(BTC, D("28700"))
    assert order_of(core, ord_id)["state"] == "filled"
    assert len(core.fills({"ordId": ord_id})) == 3


def test_positions_net_mode_average_realized_pnl_and_mark_upl(core: ExchangeCore) -> None:
    placed_id(core, market("buy", "2"))               # long 2 @ 30006
    core.set_price(BTC, D("31000"))
    placed_id(core, market("sell", "1"))              # close 1 @ 30993.8
    [pos] = core.positions({"instId": BTC})
    assert (pos["pos"], pos["posSide"], pos["avgPx"]) == ("1", "net", "30006")
    core.set_price(BTC, D("31000"), mark=D("32000"))
    [pos] = core.positions({})
    assert D(str(pos["upl"])) == (D(32000) - D(30006)) * D("0.01")
    assert D(str(pos["uplLastPx"])) == (D(31000) - D(30006)) * D("0.01")
    details: Any = core.balance({"ccy": "USDT"})[0]["details"]
    [detail] = details
    fees = D("0.01") * (2 * D(30006) + D("30993.8")) * D("0.0005")
    realized = (D("30993.8") - D(30006)) * D("0.01")
    assert D(str(detail["cashBal"])) == D(100000) + realized - fees
    assert D(str(detail["eq"])) == D(str(detail["cashBal"])) + D(str(pos["upl"]))


def test_a_short_in_net_mode_has_negative_pos(core: ExchangeCore) -> None:
    placed_id(core, market("sell", "0.5"))
    [pos] = core.positions({})
    assert pos["pos"] == "-0.5"
    core.set_price(BTC, D("29000"))
    assert D(str(core.positions({})[0]["upl"])) == (D("29994") - D(29000)) * D("0.005")


def test_reduce_only_cannot_open_or_increase_and_never_overshoots(core: ExchangeCore) -> None:
    assert s_code(core, market("sell", reduceOnly=True)) == "51169"
    placed_id(core, market("buy", "1"))
    assert s_code(core, market("buy", reduceOnly=True)) == "51170"  # same side as the long
    big = order_of(core, placed_id(core, limit("sell", "29000", sz="3", reduceOnly=True)))
    assert (big["state"], big["accFillSz"], big["cancelSource"]) == ("canceled", "1", "2")
    assert core.positions({}) == []


def test_long_short_mode_needs_pos_side_and_closes_by_side(core: ExchangeCore) -> None:
    assert core.set_position_mode({"posMode": "long_short_mode"}) == [
        {"posMode": "long_short_mode"}]
    assert s_code(core, market("buy")) == "51000"
    placed_id(core, market("buy", "1", posSide="long"))
    placed_id(core, market("sell", "2", posSide="short"))
    sides = {p["posSide"]: p["pos"] for p in core.positions({})}
    assert sides == {"long": "1", "short": "2"}
    assert s_code(core, market("sell", "1", posSide="long")) == "0"
    assert {p["posSide"] for p in core.positions({})} == {"short"}
    with pytest.raises(ApiError) as blocked:
        core.set_position_mode({"posMode": "net_mode"})
    assert blocked.value.code == "59000"


@pytest.mark.parametrize(("order", "code"), [
    (limit("buy", "29000", inst="DOGE-USDT-SWAP"), "51001"),
    (limit("buy", "60", inst="LTC-USDT-SWAP"), "51022"),
    (limit("buy", "4", inst="ZRO-USDT-SWAP"), "51021"),
    (limit("buy", "29000", sz="0.015"), "51121"),
    (limit("buy", "29000.05"), "51150"),
    (limit("buy", "31600"), "51006"),      # above buyLmt = 31500
    (limit("sell", "28400"), "51006"),     # below sellLmt = 28500
    (limit("buy", "29000", clOrdId="has-dash"), "51000"),
    (limit("buy", "29000", tdMode="cash"), "51000"),
    (limit("buy", "29000", sz="100000"), "51008"),  # 1000 BTC of margin
    ({**limit("buy", "29000"), "ordType": "twap"}, "51000"),
    (limit("buy", "29000", attachAlgoOrds=[{"slTriggerPx": "28000", "slOrdPx": "-1"}]),
     "51000"),  # not modelled: refused, never silently dropped
])
def test_refused_orders_carry_okx_codes(core: ExchangeCore, order: dict[str, Any],
                                        code: str) -> None:
    [item] = place(core, order)
    assert (item["sCode"], item["ordId"]) == (code, "")


def test_a_buy_far_below_market_is_not_bounded_by_the_price_limit(core: ExchangeCore) -> None:
    assert s_code(core, limit("buy", "100")) == "0"
    band = core.price_limit({"instId": BTC})[0]
    assert (band["buyLmt"], band["sellLmt"]) == ("31500", "28500")


def test_below_min_size_is_51020() -> None:
    coarse = Instrument("XYZ-USDT-SWAP", 1, "USDT", D(1), D("0.1"), D(1), D("0.01"), 20, D(5))
    core = ExchangeCore(CoreConfig(instruments=[coarse], vol_per_step=0.0), VirtualClock(0))
    assert s_code(core, limit("buy", "4", sz="0.5", inst="XYZ-USDT-SWAP")) == "51020"


def test_duplicate_client_id_among_live_orders_only(core: ExchangeCore) -> None:
    first = placed_id(core, limit("buy", "29000", clOrdId="dup1"))
    assert s_code(core, limit("buy", "28000", clOrdId="dup1")) == "51016"
    core.cancel_orders([{"instId": BTC, "ordId": first}])
    reused = placed_id(core, limit("buy", "28000", clOrdId="dup1"))
    latest = core.get_order({"instId": BTC, "clOrdId": "dup1"})[0]
    assert latest["ordId"] == reused != first


def test_missing_parameter_fails_the_whole_request(core: ExchangeCore) -> None:
    with pytest.raises(ApiError) as missing:
        place(core, limit("buy", "29000"), {"instId": BTC, "side": "buy"})
    assert (missing.value.code, missing.value.http_status) == ("50014", 400)
    assert core.pending_orders({}) == []
    [no_px] = place(core, {**limit("buy", "1"), "px": ""})  # conditional: reported per item
    assert (no_px["sCode"], no_px["sMsg"]) == ("50014", "Parameter px can not be empty.")


def test_cancel_of_filled_canceled_or_unknown_order_is_51400(core: ExchangeCore) -> None:
    live = placed_id(core, limit("buy", "29000"))
    filled = placed_id(core, market("buy"))
    assert core.cancel_orders([{"instId": BTC, "ordId": live}])[0]["sCode"] == "0"
    for ord_id in (live, filled, "123"):
        [item] = core.cancel_orders([{"instId": BTC, "ordId": ord_id}])
        assert item["sCode"] == "51400"
    assert order_of(core, live)["cancelSource"] == "1"


def test_unknown_order_lookup_is_51603_and_unfilled_cancels_expire(
        core: ExchangeCore, clock: VirtualClock) -> None:
    with pytest.raises(ApiError) as unknown:
        core.get_order({"instId": BTC, "clOrdId": "nothere"})
    assert unknown.value.code == "51603"
    ord_id = placed_id(core, limit("buy", "29000"))
    core.cancel_orders([{"instId": BTC, "ordId": ord_id}])
    clock.advance(2 * 3600 * 1000 + 1)
    with pytest.raises(ApiError) as forgotten:
        core.get_order({"instId": BTC, "ordId": ord_id})
    assert forgotten.value.code == "51603"


def test_batch_reports_each_item(core: ExchangeCore) -> None:
    items = place(core, limit("buy", "29000"), limit("buy", "29000", sz="0.001"),
                  limit("sell", "2100", inst=ETH))
    assert [i["sCode"] for i in items] == ["0", "51121", "0"]
    with pytest.raises(ApiError) as too_many:
        place(core, *[limit("buy", "29000")] * 21)
    assert too_many.value.code == "51111"


def test_exp_time_past_at_processing_is_50037(core: ExchangeCore, clock: VirtualClock) -> None:
    [item] = place(core, limit("buy", "29000"), exp_time=clock.now_ms() - 1)
    assert (item["sCode"], item["ordId"]) == ("50037", "")
    [ok] = place(core, limit("buy", "29000"), exp_time=clock.now_ms() + 1000)
    assert ok["sCode"] == "0"


def test_leverage_sets_margin_and_is_capped(core: ExchangeCore) -> None:
    assert core.set_leverage({"instId": BTC, "lever": "5", "mgnMode": "cross"})[0]["lever"] == "5"
    placed_id(core, market("buy", "1"))
    [pos] = core.positions({})
    assert (pos["lever"], pos["imr"]) == ("5", "60")  # 300 / 5
    with pytest.raises(ApiError) as capped:
        core.set_leverage({"instId": BTC, "lever": "101", "mgnMode": "cross"})
    assert capped.value.code == "59102"


def test_close_position_flattens_with_a_market_order(core: ExchangeCore) -> None:
    placed_id(core, market("sell", "2"))
    [item] = core.close_position({"instId": BTC, "mgnMode": "cross"})
    assert item["instId"] == BTC
    assert core.positions({}) == []
    with pytest.raises(ApiError) as none:
        core.close_position({"instId": BTC, "mgnMode": "cross"})
    assert none.value.code == "51023"


def test_pending_and_history_lists_page_newest_first(core: ExchangeCore) -> None:
    ids = [placed_id(core, limit("buy", str(29000 - i))) for i in range(3)]
    pending = [o["ordId"] for o in core.pending_orders({"instId": BTC})]
    assert pending == ids[::-1]
    assert [o["ordId"] for o in core.pending_orders({"after": ids[2], "limit": "1"})] == [ids[1]]
    core.cancel_orders([{"instId": BTC, "ordId": ids[0]}])
    history = core.order_history({"instType": "SWAP", "state": "canceled"})
    assert [o["ordId"] for o in history] == [ids[0]]


def test_isolated_and_cross_positions_are_separate(core: ExchangeCore) -> None:
    placed_id(core, market("buy", "1"))
    placed_id(core, market("sell", "2", tdMode="isolated"))
    positions = {p["mgnMode"]: p for p in core.positions({})}
    assert (positions["cross"]["pos"], positions["isolated"]["pos"]) == ("1", "-2")
    assert positions["isolated"]["imr"] == "" and positions["isolated"]["margin"] != ""
    assert positions["cross"]["margin"] == "" and positions["cross"]["imr"] != ""
