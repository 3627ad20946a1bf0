"""Regular orders from recorded responses: bodies by position mode, expTime, cancel lookups."""

import copy
from decimal import Decimal
from typing import Any

import httpx
import pytest

from domain.errors import InvalidIntent
from domain.orders import OrderIntent, OrderState, OrdType, PositionSide, Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.exchange import ExchangeAdapter
from ports.exchange_types import CancelDisposition
from tests.adapters.okx.mock_okx import MockOkx, body_of, fixture, run
from tests.fake_venue import spec
from tests.fakes import FakeClock

D = Decimal
ORDER = "/api/v5/trade/order"
CANCEL = "/api/v5/trade/cancel-order"
CID = "pxEN0intent1a00"
OID = "680800019749904384"


async def limit(ex: ExchangeAdapter, tif: str = "post_only", side: Side = Side.BUY,
                reduce_only: bool = False) -> Any:
    return await ex.place_limit_postonly(symbol="BTC-USDT-SWAP", side=side, qty=D("2"),
                                         price=D("30000.5"), tif=tif, reduce_only=reduce_only,
                                         client_order_id=CID)


@pytest.mark.parametrize(("tif", "ord_type"), [("post_only", "post_only"), ("gtc", "limit"),
                                               ("ioc", "ioc"), ("fok", "fok")])
def test_limit_orders_map_the_time_in_force_to_okx_order_types(tif: str, ord_type: str) -> None:
    clock = FakeClock()
    mock = MockOkx(clock)
    mock.on("POST", ORDER, "order_place_ok")
    placement, _ = run(mock, lambda ex: limit(ex, tif))
    request = mock.seen("POST", ORDER)[0]
    assert body_of(request) == {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy",
                                "ordType": ord_type, "sz": "2", "px": "30000.5",
                                "reduceOnly": False, "clOrdId": CID}
    assert request.headers["expTime"] == str(clock.now_ms() + 5000)
    assert placement.exp_time_ms == clock.now_ms() + 5000
    assert (placement.inst_id, placement.client_order_id, placement.order_id) == (
        "BTC-USDT-SWAP", CID, OID)


def test_a_market_order_carries_no_price_and_sends_reduce_only_in_net_mode() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", ORDER, "order_place_ok")
    run(mock, lambda ex: ex.place_market(symbol="BTC-USDT-SWAP", side=Side.SELL, qty=D("2"),
                                         reduce_only=True, client_order_id=CID))
    assert body_of(mock.seen("POST", ORDER)[0]) == {
        "instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "sell", "ordType": "market",
        "sz": "2", "reduceOnly": True, "clOrdId": CID}


def test_submit_order_places_a_validated_intent() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", ORDER, "order_place_ok")
    intent = OrderIntent.closing(spec(), PositionSide.LONG, OrdType.LIMIT, D("0.05"),
                                 D("31000.1"), CID)
    placement, _ = run(mock, lambda ex: ex.submit_order(intent))
    assert placement.outcome == Accepted(OID)
    body = body_of(mock.seen("POST", ORDER)[0])
    assert (body["ordType"], body["sz"], body["px"], body["reduceOnly"]) == (
        "limit", "0.05", "31000.1", True)


@pytest.mark.parametrize(("side", "reduce_only", "pos_side"), [
    (Side.BUY, False, "long"), (Side.SELL, True, "long"),
    (Side.SELL, False, "short"), (Side.BUY, True, "short")])
def test_long_short_mode_sets_pos_side_and_omits_reduce_only(side: Side, reduce_only: bool,
                                                             pos_side: str) -> None:
    mock = MockOkx(FakeClock())
    config = fixture("account_config_net")
    config["body"]["data"][0]["posMode"] = "long_short_mode"
    mock.default("GET", "/api/v5/account/config", config)
    mock.on("POST", ORDER, "order_place_ok")
    run(mock, lambda ex: limit(ex, "gtc", side, reduce_only))
    body = body_of(mock.seen("POST", ORDER)[0])
    assert body["posSide"] == pos_side
    assert "reduceOnly" not in body


def test_the_position_mode_is_read_once_and_again_after_switching_to_one_way() -> None:
    mock = MockOkx(FakeClock())
    mock.default("POST", ORDER, "order_place_ok")
    mock.on("POST", "/api/v5/account/set-position-mode", "set_position_mode")

    async def scenario(ex: ExchangeAdapter) -> None:
        await limit(ex)
        await limit(ex)
        await ex.set_position_mode_one_way()
        await limit(ex)

    run(mock, scenario)
    # once for the first order; the switch answered net_mode, so no second read was needed
    assert len(mock.seen("GET", "/api/v5/account/config")) == 1
    assert all("posSide" not in body_of(r) for r in mock.seen("POST", ORDER))


def test_an_unreadable_position_mode_means_the_order_is_not_sent() -> None:
    mock = MockOkx(FakeClock())
    mock.default("GET", "/api/v5/account/config", "error_50113_401")
    placement, sink = run(mock, limit)
    assert isinstance(placement.outcome, Rejected)
    assert placement.outcome.code == "pos_mode_unknown"
    assert placement.outcome.http_status is None
    assert mock.seen("POST", ORDER) == []
    assert sink.records[placement.evidence.seq].endpoint == "GET /api/v5/account/config"


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"tif": "day"}, "tif"), ({"qty": D("0")}, "size"), ({"price": D("-1")}, "price"),
    ({"qty": D("NaN")}, "size"), ({"client_order_id": "bad-id_1"}, "client id")])
def test_bad_input_fails_before_anything_is_sent(kwargs: dict[str, Any], problem: str) -> None:
    args: dict[str, Any] = {"symbol": "BTC-USDT-SWAP", "side": Side.BUY, "qty": D("1"),
                            "price": D("30000"), "tif": "gtc", "reduce_only": False,
                            "client_order_id": CID}
    mock = MockOkx(FakeClock())
    with pytest.raises(InvalidIntent, match=problem):
        run(mock, lambda ex: ex.place_limit_postonly(**(args | kwargs)))
    # the seed's keyword form reads the instrument's rules, then refuses: nothing is placed
    assert [r.method for r in mock.requests] in ([], ["GET"])
    assert mock.seen("POST", ORDER) == []


def cancel(ex: ExchangeAdapter) -> Any:
    return ex.cancel_order(symbol="BTC-USDT-SWAP", order_id=OID, client_order_id=None)


def test_an_accepted_cancel_is_only_a_request_accepted() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", CANCEL, "cancel_ok")
    result, _ = run(mock, cancel)
    assert result.outcome == Accepted(OID)
    assert result.disposition is CancelDisposition.CANCEL_ACCEPTED
    assert result.order_status is None
    assert body_of(mock.seen("POST", CANCEL)[0]) == {"instId": "BTC-USDT-SWAP", "ordId": OID}
    assert "expTime" not in mock.seen("POST", CANCEL)[0].headers


@pytest.mark.parametrize(("lookup", "state", "filled"), [
    ("order_filled", OrderState.FILLED, D("2")),
    ("order_canceled", OrderState.CANCELED, D("0")),
    ("order_canceled_partly_filled", OrderState.CANCELED, D("0.5"))])
def test_51400_is_done_only_once_a_lookup_shows_the_order_terminal(
        lookup: str, state: OrderState, filled: Decimal) -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", CANCEL, "cancel_51400")
    mock.on("GET", ORDER, lookup)
    result, _ = run(mock, cancel)
    assert result.outcome == Accepted(OID)
    assert result.disposition is CancelDisposition.ALREADY_TERMINAL
    assert result.order_status is not None
    assert (result.order_status.state, result.order_status.acc_fill_sz) == (state, filled)
    assert mock.seen("GET", ORDER)[0].url.params["ordId"] == OID


def test_51400_for_an_order_the_exchange_does_not_know_is_not_found() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", CANCEL, "cancel_51400")
    mock.on("GET", ORDER, "order_not_found")
    result, _ = run(mock, cancel)
    assert result.outcome == Accepted(OID)
    assert result.disposition is CancelDisposition.NOT_FOUND


def test_51400_while_the_lookup_still_shows_it_live_is_a_rejection() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", CANCEL, "cancel_51400")
    mock.on("GET", ORDER, "order_live")
    result, _ = run(mock, cancel)
    assert isinstance(result.outcome, Rejected) and result.outcome.code == "51400"
    assert result.disposition is None
    assert result.order_status is not None and result.order_status.state is OrderState.LIVE


def test_51400_with_a_failing_lookup_stays_unknown() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", CANCEL, "cancel_51400")
    mock.default("GET", ORDER, "html_502")
    result, _ = run(mock, cancel)
    assert isinstance(result.outcome, Unknown)
    assert result.disposition is None


def test_a_cancel_that_times_out_is_unknown() -> None:
    mock = MockOkx(FakeClock())

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    mock.on("POST", CANCEL, timeout)
    result, _ = run(mock, cancel)
    assert result.outcome == Unknown("timeout")
    assert len(mock.seen("POST", CANCEL)) == 1


def test_cancel_by_client_id_and_without_any_id() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", CANCEL, "cancel_ok")
    run(mock, lambda ex: ex.cancel_order(symbol="BTC-USDT-SWAP", order_id=None,
                                         client_order_id=CID))
    assert body_of(mock.seen("POST", CANCEL)[0]) == {"instId": "BTC-USDT-SWAP", "clOrdId": CID}
    with pytest.raises(InvalidIntent):
        run(mock, lambda ex: ex.cancel_order(symbol="BTC-USDT-SWAP", order_id=None,
                                             client_order_id=None))


def test_order_status_by_client_id_and_not_found() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", ORDER, "order_filled", "order_not_found")

    async def twice(ex: ExchangeAdapter) -> tuple[Any, Any]:
        found = await ex.get_order_status(symbol="BTC-USDT-SWAP", order_id=None,
                                          client_order_id=CID)
        gone = await ex.get_order_status(symbol="BTC-USDT-SWAP", order_id=None,
                                         client_order_id=CID)
        return found, gone

    (found, gone), sink = run(mock, twice)
    status = found.status
    assert status is not None
    assert (status.order_id, status.client_order_id, status.state, status.side, status.size,
            status.price, status.acc_fill_sz, status.avg_px, status.reduce_only,
            status.updated_ms) == (OID, CID, OrderState.FILLED, Side.BUY, D("2"), D("30000.5"),
                                   D("2"), D("30000.5"), False, 1763780001300)
    assert status.evidence == found.evidence
    assert gone.status is None
    assert sink.records[gone.evidence.seq].outcome == "rejected:51603"


def test_open_orders_follow_the_after_cursor_past_100() -> None:
    page = fixture("orders_pending")
    template = page["body"]["data"][0]
    first = copy.deepcopy(page)
    first["body"]["data"] = [dict(template, ordId=str(1000 + i)) for i in range(100)]
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/trade/orders-pending", first, "orders_pending")
    orders, _ = run(mock, lambda ex: ex.get_open_orders("BTC-USDT-SWAP"))
    assert len(orders) == 102
    second = mock.seen("GET", "/api/v5/trade/orders-pending")[1].url.params
    assert (second["after"], second["instId"], second["limit"]) == ("1099", "BTC-USDT-SWAP",
                                                                    "100")
    partial = orders[-1]
    assert (partial.state, partial.acc_fill_sz, partial.reduce_only) == (
        OrderState.PARTIALLY_FILLED, D("0.5"), True)


def test_fills_of_an_order_are_exchange_trades() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/trade/fills", "fills")
    fills, _ = run(mock, lambda ex: ex.get_fills(symbol="BTC-USDT-SWAP", order_id=OID))
    assert [(f.trade_id, f.size, f.avg_price, f.source) for f in fills.fills] == [
        ("93812", D("1.5"), D("30000.5"), "trade"), ("93813", D("0.5"), D("30000.5"), "trade")]
    assert mock.seen("GET", "/api/v5/trade/fills")[0].url.params["ordId"] == OID


def test_no_fills_is_an_answer_with_evidence() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", "/api/v5/trade/fills", "orders_pending_empty")
    fills, sink = run(mock, lambda ex: ex.get_fills(symbol="BTC-USDT-SWAP", order_id=OID))
    assert fills.fills == ()
    assert sink.records[fills.evidence.seq].endpoint == "GET /api/v5/trade/fills"
