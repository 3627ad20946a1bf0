"""Regular orders from fixture answers (sources in each file): parameters by position mode,
duplicates looked up, refused cancels made conclusive by a lookup (a fill that raced the cancel
is reported)."""

import copy
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import InvalidIntent
from domain.orders import OrderIntent, OrderState, OrdType, PositionSide, Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.exchange import ExchangeAdapter
from ports.exchange_types import CancelDisposition
from tests.adapters.binance.mock_binance import MockBinance, fixture, params_of, run, spec_of
from tests.fakes import FakeClock

D = Decimal
ORDER = "/fapi/v1/order"
CID = "pxT1intent1a00"
SIGNED = {"recvWindow", "timestamp", "signature"}


def sent(mock: MockBinance, method: str = "POST") -> dict[str, str]:
    params = params_of(mock.seen(method, ORDER)[-1])
    return {k: v for k, v in params.items() if k not in SIGNED}


async def limit(ex: ExchangeAdapter, tif: str = "post_only", side: Side = Side.BUY,
                reduce_only: bool = False) -> Any:
    return await ex.place_limit_postonly(symbol="BTCUSDC", side=side, qty=D("0.010"),
                                         price=D("29000.0"), tif=tif, reduce_only=reduce_only,
                                         client_order_id=CID)


@pytest.mark.parametrize(("tif", "wire_tif"), [("post_only", "GTX"), ("gtc", "GTC"),
                                               ("ioc", "IOC"), ("fok", "FOK")])
def test_limit_orders_carry_binance_time_in_force(tif: str, wire_tif: str) -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "order_place_ack")
    placement, _ = run(mock, lambda ex: limit(ex, tif))
    assert sent(mock) == {"symbol": "BTCUSDC", "side": "BUY", "type": "LIMIT",
                          "timeInForce": wire_tif, "quantity": "0.01", "price": "29000",
                          "reduceOnly": "false", "newClientOrderId": CID,
                          "newOrderRespType": "ACK"}
    assert placement.outcome == Accepted("5000000001")
    assert (placement.inst_id, placement.client_order_id, placement.order_id) == (
        "BTCUSDC", CID, "5000000001")


def test_a_market_order_carries_no_price_and_reduce_only_in_one_way_mode() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "order_market_ack")
    run(mock, lambda ex: ex.place_market(symbol="BTCUSDC", side=Side.SELL, qty=D("0.02"),
                                         reduce_only=True, client_order_id="pxFLa00"))
    assert sent(mock) == {"symbol": "BTCUSDC", "side": "SELL", "type": "MARKET",
                          "quantity": "0.02", "reduceOnly": "true",
                          "newClientOrderId": "pxFLa00", "newOrderRespType": "RESULT"}


@pytest.mark.parametrize(("ord_type", "wire"), [
    (OrdType.LIMIT, ("LIMIT", "GTC")), (OrdType.POST_ONLY, ("LIMIT", "GTX")),
    (OrdType.IOC, ("LIMIT", "IOC")), (OrdType.FOK, ("LIMIT", "FOK")),
    (OrdType.MARKET, ("MARKET", None))])
def test_submit_order_places_a_validated_intent(ord_type: OrdType,
                                                wire: tuple[str, str | None]) -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "order_place_ack")
    price = None if ord_type is OrdType.MARKET else D("31000.1")
    intent = OrderIntent.closing(spec_of("BTCUSDC"), PositionSide.LONG, ord_type, D("0.05"),
                                 price, CID)
    run(mock, lambda ex: ex.submit_order(intent))
    params = sent(mock)
    assert (params["type"], params.get("timeInForce")) == wire
    assert (params["quantity"], params.get("price"), params["reduceOnly"]) == (
        "0.05", None if price is None else "31000.1", "true")


def market(ex: ExchangeAdapter) -> Any:
    return ex.place_market(symbol="BTCUSDC", side=Side.BUY, qty=D("0.01"), reduce_only=False,
                           client_order_id="pxENintent1a00")


def test_a_market_order_answered_with_result_carries_the_order_after_matching() -> None:
    # the simulator answers a RESULT placement with the same order view as GET /fapi/v1/order
    # (simulator/binance/views.py order_view), so the recorded filled order is its body
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "order_filled")
    placement, sink = run(mock, market)
    assert placement.outcome == Accepted("5000000002")
    shown = placement.order_status
    assert shown is not None and shown.state is OrderState.FILLED
    assert (shown.acc_fill_sz, shown.avg_px, shown.client_order_id) == (
        D("0.01"), D("30006"), "pxENintent1a00")
    assert shown.evidence == placement.evidence  # the answer is its evidence
    assert sink.records[placement.evidence.seq].endpoint == f"POST {ORDER}"


def test_a_result_answer_still_new_is_carried_as_new() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "order_market_ack")
    placement, _ = run(mock, market)
    assert placement.order_status is not None
    assert (placement.order_status.state, placement.order_status.acc_fill_sz) == (
        OrderState.LIVE, D(0))


def test_an_unreadable_result_answer_is_still_an_accepted_order_with_no_status() -> None:
    mock = MockBinance(FakeClock())
    body = copy.deepcopy(fixture("order_filled"))
    body["body"]["status"] = "SOMETHING_NEW"
    mock.on("POST", ORDER, body)
    placement, _ = run(mock, market)
    assert placement.outcome == Accepted("5000000002")
    assert placement.order_status is None


def test_a_limit_order_is_answered_with_ack_and_carries_no_status() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "order_filled")
    placement, _ = run(mock, lambda ex: limit(ex, "gtc"))
    assert sent(mock)["newOrderRespType"] == "ACK"
    assert placement.order_status is None


def test_a_refused_market_order_carries_no_status() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "error_2019_margin")
    placement, _ = run(mock, market)
    assert isinstance(placement.outcome, Rejected) and placement.order_status is None


@pytest.mark.parametrize(("side", "reduce_only", "position_side"), [
    (Side.BUY, False, "LONG"), (Side.SELL, True, "LONG"),
    (Side.SELL, False, "SHORT"), (Side.BUY, True, "SHORT")])
def test_hedge_mode_sets_position_side_and_omits_reduce_only(side: Side, reduce_only: bool,
                                                             position_side: str) -> None:
    mock = MockBinance(FakeClock())
    mock.default("GET", "/fapi/v1/positionSide/dual",
                 {"status": 200, "body": {"dualSidePosition": True}})
    mock.on("POST", ORDER, "order_place_ack")
    run(mock, lambda ex: limit(ex, "gtc", side, reduce_only))
    params = sent(mock)
    assert params["positionSide"] == position_side and "reduceOnly" not in params


def test_the_position_mode_is_read_once_and_an_unreadable_mode_sends_nothing() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/positionSide/dual", "error_2015_401")
    placement, _ = run(mock, limit)
    assert isinstance(placement.outcome, Rejected)
    assert placement.outcome.code == "pos_mode_unknown"
    assert mock.seen("POST", ORDER) == []

    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "order_place_ack", "order_place_ack")

    async def twice(ex: ExchangeAdapter) -> None:
        await limit(ex)
        await limit(ex)

    run(mock, twice)
    assert len(mock.seen("GET", "/fapi/v1/positionSide/dual")) == 1


def test_a_duplicate_client_id_is_looked_up_and_reported_as_the_order_already_placed() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "error_4116_duplicate")
    mock.on("GET", ORDER, "order_new")
    placement, _ = run(mock, limit)
    assert placement.outcome == Accepted("5000000001")
    assert placement.order_id == "5000000001"
    assert params_of(mock.seen("GET", ORDER)[0])["origClientOrderId"] == CID
    assert len(mock.seen("POST", ORDER)) == 1


def test_a_duplicate_client_id_that_no_lookup_finds_stays_unknown() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ORDER, "error_4116_duplicate")
    mock.on("GET", ORDER, "error_2013_order")
    placement, _ = run(mock, limit)
    assert isinstance(placement.outcome, Unknown)


def test_a_client_id_outside_the_shared_alphabet_is_refused_before_sending() -> None:
    mock = MockBinance(FakeClock())
    with pytest.raises(InvalidIntent):
        run(mock, lambda ex: ex.place_market(symbol="BTCUSDC", side=Side.BUY, qty=D("1"),
                                             reduce_only=False, client_order_id="x-ccxt_1"))
    assert mock.seen("POST", ORDER) == []


def test_a_cancel_by_client_id_returns_the_canceled_order() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ORDER, "order_cancel_ok")
    result, _ = run(mock, lambda ex: ex.cancel_order(symbol="BTCUSDC", order_id=None,
                                                     client_order_id=CID))
    assert sent(mock, "DELETE") == {"symbol": "BTCUSDC", "origClientOrderId": CID}
    assert mock.seen("DELETE", ORDER)[0].content == b""  # DELETE parameters in the query
    assert result.outcome == Accepted("5000000001")
    assert result.disposition is CancelDisposition.CANCEL_ACCEPTED
    assert result.order_status is not None
    assert result.order_status.state is OrderState.CANCELED


def test_a_refused_cancel_of_a_canceled_order_is_success_with_the_lookup() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ORDER, "error_2011_cancel")
    mock.on("GET", ORDER, "order_canceled")
    result, _ = run(mock, lambda ex: ex.cancel_order(symbol="BTCUSDC", order_id="5000000001",
                                                     client_order_id=None))
    assert result.outcome == Accepted("5000000001")
    assert result.disposition is CancelDisposition.ALREADY_TERMINAL
    assert result.order_status is not None and result.order_status.acc_fill_sz == 0


def test_a_fill_that_raced_the_cancel_is_reported_not_hidden() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ORDER, "error_2011_cancel")
    mock.on("GET", ORDER, "order_filled")
    result, _ = run(mock, lambda ex: ex.cancel_order(symbol="BTCUSDC", order_id="5000000002",
                                                     client_order_id=None))
    assert result.disposition is CancelDisposition.ALREADY_TERMINAL
    status = result.order_status
    assert status is not None and status.state is OrderState.FILLED
    assert (status.acc_fill_sz, status.avg_px) == (D("0.01"), D("30006"))


def test_a_refused_cancel_of_an_order_that_never_existed_is_success_not_found() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ORDER, "error_2011_cancel")
    mock.on("GET", ORDER, "error_2013_order")
    result, _ = run(mock, lambda ex: ex.cancel_order(symbol="BTCUSDC", order_id=None,
                                                     client_order_id="pxT1nothere00"))
    assert result.outcome == Accepted("")
    assert result.disposition is CancelDisposition.NOT_FOUND


def test_a_refused_cancel_of_an_order_still_live_stays_rejected() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ORDER, "error_2011_cancel")
    mock.on("GET", ORDER, "order_new")
    result, _ = run(mock, lambda ex: ex.cancel_order(symbol="BTCUSDC", order_id="5000000001",
                                                     client_order_id=None))
    assert result.outcome == Rejected("-2011", "Unknown order sent.", 400)
    assert result.order_status is not None and result.order_status.state is OrderState.LIVE


def test_a_refused_cancel_whose_lookup_fails_is_unknown() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ORDER, "error_2011_cancel")
    mock.on("GET", ORDER, "error_1000_500", "error_1000_500", "error_1000_500")
    result, _ = run(mock, lambda ex: ex.cancel_order(symbol="BTCUSDC", order_id="1",
                                                     client_order_id=None))
    assert isinstance(result.outcome, Unknown)


def test_a_cancel_that_timed_out_is_unknown_and_not_resent() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ORDER, "error_1007_408")
    result, _ = run(mock, lambda ex: ex.cancel_order(symbol="BTCUSDC", order_id="1",
                                                     client_order_id=None))
    assert result.outcome == Unknown("-1007")
    assert len(mock.seen("DELETE", ORDER)) == 1


def test_order_lookups_translate_binance_states_and_sizes() -> None:
    mock = MockBinance(FakeClock())
    expired = copy.deepcopy(fixture("order_canceled"))
    expired["body"]["status"] = "EXPIRED"
    mock.on("GET", ORDER, "order_new", "order_filled", expired, "error_2013_order")

    async def four(ex: ExchangeAdapter) -> list[Any]:
        return [await ex.get_order_status(symbol="BTCUSDC", order_id=str(n),
                                          client_order_id=None) for n in range(4)]

    found, _ = run(mock, four)
    new, filled, gone, missing = (lookup.status for lookup in found)
    assert new is not None and (new.state, new.ord_type, new.price, new.avg_px) == (
        OrderState.LIVE, "post_only", D("29000"), None)
    assert filled is not None and (filled.state, filled.ord_type, filled.price) == (
        OrderState.FILLED, "market", None)
    assert gone is not None and gone.state is OrderState.CANCELED
    assert missing is None and found[3].evidence is not None


def test_open_orders_and_fills_of_one_order() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/openOrders", "open_orders")
    mock.on("GET", "/fapi/v1/userTrades", "user_trades")

    async def both(ex: ExchangeAdapter) -> Any:
        return (await ex.get_open_orders("BTCUSDC"),
                await ex.get_fills(symbol="BTCUSDC", order_id="5000000002"))

    (orders, fills), _ = run(mock, both)
    assert [o.client_order_id for o in orders] == [CID]
    (fill,) = fills.fills
    assert (fill.order_id, fill.trade_id, fill.size, fill.avg_price, fill.source) == (
        "5000000002", "200000001", D("0.01"), D("30006"), "trade")
    assert params_of(mock.seen("GET", "/fapi/v1/userTrades")[0])["orderId"] == "5000000002"


def test_fills_follow_pages_by_trade_id() -> None:
    mock = MockBinance(FakeClock())
    row = fixture("user_trades")["body"][0]
    page = [dict(row, id=row["id"] + n) for n in range(1000)]
    mock.on("GET", "/fapi/v1/userTrades", {"status": 200, "body": page},
            {"status": 200, "body": [dict(row, id=row["id"] + 1000)]})
    fills, _ = run(mock, lambda ex: ex.get_fills(symbol="BTCUSDC", order_id="5000000002"))
    assert len(fills.fills) == 1001
    second = params_of(mock.seen("GET", "/fapi/v1/userTrades")[1])
    assert second["fromId"] == str(row["id"] + 1000)
