"""Protective stops go only through the Algo Service, with exactly the parameters the issue
names; no conditional order type ever reaches /fapi/v1/order, whatever path places it."""

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from adapters.binance.trading import order_params
from domain.algo import AlgoState, AlgoStopIntent, WorkingType
from domain.errors import InvalidIntent
from domain.orders import OrderIntent, OrdType, PositionSide, Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.exchange import ExchangeAdapter
from ports.exchange_types import CancelDisposition
from tests.adapters.binance.mock_binance import MockBinance, params_of, run, spec_of
from tests.fakes import FakeClock

D = Decimal
ALGO = "/fapi/v1/algoOrder"
CID = "pxSLintent1a00"
SIGNED = {"recvWindow", "timestamp", "signature"}
QTY = D("0.01")
CONDITIONAL = {"STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
               "TRAILING_STOP_MARKET"}


def sent(mock: MockBinance, method: str = "POST") -> dict[str, str]:
    params = params_of(mock.seen(method, ALGO)[-1])
    return {k: v for k, v in params.items() if k not in SIGNED}


async def stop(ex: ExchangeAdapter, side: Side = Side.SELL, price: str = "29400",
               qty: Decimal | None = QTY, close_position: bool = False,
               working_type: str = "MARK_PRICE") -> Any:
    return await ex.place_algo_stop(symbol="BTCUSDC", side=side, qty=qty,
                                    stop_price=D(price), reduce_only=True,
                                    client_algo_id=CID, working_type=working_type,
                                    close_position=close_position)


def test_a_stop_is_a_conditional_stop_market_on_mark_price_reduce_only_with_its_id() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ALGO, "algo_place_ok")
    placement, _ = run(mock, stop)
    assert sent(mock) == {"algoType": "CONDITIONAL", "symbol": "BTCUSDC", "side": "SELL",
                          "type": "STOP_MARKET", "triggerPrice": "29400",
                          "workingType": "MARK_PRICE", "quantity": "0.01",
                          "reduceOnly": "true", "clientAlgoId": CID}
    assert placement.outcome == Accepted("3000000001")
    assert (placement.client_algo_id, placement.algo_id) == (CID, "3000000001")
    assert mock.seen("POST", "/fapi/v1/order") == []


@pytest.mark.parametrize(("side", "price"), [(Side.SELL, "29400.04"), (Side.BUY, "30600.06")])
def test_a_trigger_off_the_tick_is_refused_before_anything_is_sent(side: Side,
                                                                   price: str) -> None:
    mock = MockBinance(FakeClock())
    with pytest.raises(InvalidIntent, match=r"not a multiple of 0\.1"):
        run(mock, lambda ex: stop(ex, side, price))
    assert mock.seen("POST", ALGO) == []


def test_a_close_position_stop_carries_neither_quantity_nor_reduce_only() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ALGO, "algo_place_ok")
    run(mock, lambda ex: stop(ex, qty=None, close_position=True))
    params = sent(mock)
    assert params["closePosition"] == "true"
    assert "quantity" not in params and "reduceOnly" not in params


def test_configured_close_position_stops_replace_the_quantity() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ALGO, "algo_place_ok")
    run(mock, stop, stop_close_position=True)
    params = sent(mock)
    assert params["closePosition"] == "true" and "quantity" not in params


def test_hedge_mode_stops_name_the_position_side_and_omit_reduce_only() -> None:
    mock = MockBinance(FakeClock())
    mock.default("GET", "/fapi/v1/positionSide/dual",
                 {"status": 200, "body": {"dualSidePosition": True}})
    mock.on("POST", ALGO, "algo_place_ok", "algo_place_ok")

    async def both(ex: ExchangeAdapter) -> list[dict[str, str]]:
        await stop(ex, Side.SELL)
        long_stop = sent(mock)
        await stop(ex, Side.BUY, "30600")
        return [long_stop, sent(mock)]

    (long_stop, short_stop), _ = run(mock, both)
    assert (long_stop["positionSide"], short_stop["positionSide"]) == ("LONG", "SHORT")
    assert "reduceOnly" not in long_stop and "reduceOnly" not in short_stop


def test_contract_price_is_binance_last_price_and_index_price_is_refused() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ALGO, "algo_place_ok")
    run(mock, lambda ex: stop(ex, working_type="LAST_PRICE"))
    assert sent(mock)["workingType"] == "CONTRACT_PRICE"
    mock = MockBinance(FakeClock())
    with pytest.raises(InvalidIntent, match="MARK_PRICE or CONTRACT_PRICE"):
        run(mock, lambda ex: stop(ex, working_type="INDEX_PRICE"))
    assert mock.seen("POST", ALGO) == []


def test_a_submitted_stop_intent_goes_out_as_it_was_validated() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ALGO, "algo_place_ok")
    intent = AlgoStopIntent(spec_of("BTCUSDC"), Side.BUY, D("0.025"), D("30600.5"), CID)
    run(mock, lambda ex: ex.submit_algo_stop(intent))
    params = sent(mock)
    assert (params["side"], params["quantity"], params["triggerPrice"],
            params["workingType"]) == ("BUY", "0.025", "30600.5", "MARK_PRICE")


def test_a_duplicate_client_algo_id_is_looked_up_and_reported_as_already_placed() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ALGO, "error_4116_duplicate")
    mock.on("GET", ALGO, "algo_new")
    placement, _ = run(mock, stop)
    assert placement.outcome == Accepted("3000000001")
    assert params_of(mock.seen("GET", ALGO)[0])["clientAlgoId"] == CID


@pytest.mark.parametrize(("responder", "kind"), [
    ("error_1007_408", Unknown), ("unknown_error_503", Unknown), ("html_502", Unknown),
    ("error_4164_notional", Rejected)])
def test_stop_placement_outcomes(responder: str, kind: type) -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", ALGO, responder)
    placement, _ = run(mock, stop)
    assert isinstance(placement.outcome, kind)
    assert len(mock.seen("POST", ALGO)) == 1


def test_open_algo_orders_are_read_from_the_bare_array() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", "/fapi/v1/openAlgoOrders", "algos_open")
    algos, _ = run(mock, lambda ex: ex.get_open_algo_orders("BTCUSDC"))
    (algo,) = algos
    assert (algo.client_algo_id, algo.state, algo.side, algo.size, algo.stop_price,
            algo.working_type, algo.reduce_only, algo.close_position) == (
        CID, AlgoState.LIVE, Side.SELL, D("0.01"), D("29400"), WorkingType.MARK_PRICE,
        True, False)
    params = params_of(mock.seen("GET", "/fapi/v1/openAlgoOrders")[0])
    assert (params["symbol"], params["algoType"]) == ("BTCUSDC", "CONDITIONAL")


def test_a_triggered_stop_is_effective_and_names_its_child_order() -> None:
    mock = MockBinance(FakeClock())
    mock.on("GET", ALGO, "algo_finished")
    lookup, _ = run(mock, lambda ex: ex.get_algo_order(symbol="BTCUSDC", algo_id=None,
                                                       client_algo_id="pxSLintent1a01"))
    algo = lookup.algo_order
    assert algo is not None
    assert (algo.state, algo.child_order_id) == (AlgoState.EFFECTIVE, "5000000005")


def test_cancelling_a_stop_and_cancelling_it_again() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ALGO, "algo_cancel_ok", "error_2011_algo_cancel")
    mock.on("GET", ALGO, "algo_canceled")

    async def twice(ex: ExchangeAdapter) -> Any:
        return [await ex.cancel_algo(symbol="BTCUSDC", algo_id=None, client_algo_id=CID)
                for _ in range(2)]

    (first, second), _ = run(mock, twice)
    assert first.outcome == Accepted("3000000001")
    assert first.disposition is CancelDisposition.CANCEL_ACCEPTED
    assert second.outcome == Accepted("3000000001")
    assert second.disposition is CancelDisposition.ALREADY_TERMINAL
    assert second.algo_order is not None and second.algo_order.state is AlgoState.CANCELED
    assert sent(mock, "DELETE") == {"symbol": "BTCUSDC", "clientAlgoId": CID}


def test_a_refused_cancel_of_a_stop_that_never_existed_is_success_not_found() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ALGO, "error_2011_algo_cancel")
    mock.on("GET", ALGO, "error_2013_algo")
    result, _ = run(mock, lambda ex: ex.cancel_algo(symbol="BTCUSDC", algo_id="7",
                                                    client_algo_id=None))
    assert result.disposition is CancelDisposition.NOT_FOUND


def test_a_refused_cancel_of_a_stop_still_armed_stays_rejected() -> None:
    mock = MockBinance(FakeClock())
    mock.on("DELETE", ALGO, "error_2011_algo_cancel")
    mock.on("GET", ALGO, "algo_new")
    result, _ = run(mock, lambda ex: ex.cancel_algo(symbol="BTCUSDC", algo_id="3000000001",
                                                    client_algo_id=None))
    assert isinstance(result.outcome, Rejected) and result.algo_order is not None


# --- no conditional order type ever goes to /fapi/v1/order ---------------------------------
PLACEMENTS: list[Callable[[ExchangeAdapter], Awaitable[Any]]] = [
    *(lambda ex, tif=tif: ex.place_limit_postonly(
        symbol="BTCUSDC", side=Side.BUY, qty=D("0.01"), price=D("29000"), tif=tif,
        reduce_only=False, client_order_id="pxT1a00")
      for tif in ("post_only", "gtc", "ioc", "fok")),
    lambda ex: ex.place_market(symbol="BTCUSDC", side=Side.SELL, qty=D("0.01"),
                               reduce_only=True, client_order_id="pxFLa00"),
    *(lambda ex, kind=kind: ex.submit_order(OrderIntent.closing(
        spec_of(), PositionSide.LONG, kind, D("0.01"),
        None if kind is OrdType.MARKET else D("31000"), "pxRLa00")) for kind in OrdType),
    lambda ex: stop(ex),
    lambda ex: stop(ex, qty=None, close_position=True),
    lambda ex: ex.submit_algo_stop(AlgoStopIntent(spec_of(), Side.SELL, D("0.01"), D("29400"),
                                                  CID)),
]


def test_no_placement_path_sends_a_conditional_type_to_the_order_endpoint() -> None:
    mock = MockBinance(FakeClock())
    mock.default("POST", "/fapi/v1/order", "order_place_ack")
    mock.default("POST", ALGO, "algo_place_ok")

    async def every(ex: ExchangeAdapter) -> None:
        for place in PLACEMENTS:
            await place(ex)

    run(mock, every)
    orders = [params_of(r) for r in mock.seen("POST", "/fapi/v1/order")]
    stops = [params_of(r) for r in mock.seen("POST", ALGO)]
    assert len(orders) == 10 and len(stops) == 3
    assert {p["type"] for p in orders} == {"LIMIT", "MARKET"}
    assert not any(CONDITIONAL & set(p.values()) for p in orders)
    assert not any({"stopPrice", "triggerPrice", "workingType", "closePosition"} & set(p)
                   for p in orders)
    assert {(p["algoType"], p["type"]) for p in stops} == {("CONDITIONAL", "STOP_MARKET")}


@pytest.mark.parametrize("kind", sorted(CONDITIONAL))
def test_the_order_builder_refuses_a_conditional_type(kind: str) -> None:
    with pytest.raises(InvalidIntent, match="Algo Service"):
        order_params("BTCUSDC", Side.SELL, kind, None, D("0.01"), None, True, "pxSLa00",
                     hedged=False)
