"""Algo conditional stops from fact-sheet responses: body shape, cancel lookups, pending pages."""

import copy
from decimal import Decimal
from typing import Any

import httpx
import pytest

from domain.algo import AlgoState, AlgoStopIntent, WorkingType
from domain.errors import InvalidIntent
from domain.orders import Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.exchange import ExchangeAdapter
from ports.exchange_types import CancelDisposition
from tests.adapters.okx.mock_okx import MockOkx, body_of, fixture, run
from tests.fake_venue import spec
from tests.fakes import FakeClock

D = Decimal
PLACE = "/api/v5/trade/order-algo"
CANCEL = "/api/v5/trade/cancel-algos"
PENDING = "/api/v5/trade/orders-algo-pending"
CID = "pxSL0intent1a00"
AID = "681096944655273984"


async def stop(ex: ExchangeAdapter, **overrides: Any) -> Any:
    args: dict[str, Any] = {"symbol": "BTC-USDT-SWAP", "side": Side.SELL, "qty": D("2"),
                            "stop_price": D("29000"), "reduce_only": True,
                            "client_algo_id": CID, "working_type": "MARK_PRICE"}
    return await ex.place_algo_stop(**(args | overrides))


@pytest.mark.parametrize(("working_type", "px_type"), [
    ("MARK_PRICE", "mark"), ("LAST_PRICE", "last"), ("INDEX_PRICE", "index")])
def test_a_stop_is_a_reduce_only_conditional_with_a_market_leg(working_type: str,
                                                               px_type: str) -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", PLACE, "algo_place_ok")
    placement, _ = run(mock, lambda ex: stop(ex, working_type=working_type))
    assert placement.outcome == Accepted(AID)
    assert (placement.algo_id, placement.client_algo_id) == (AID, CID)
    assert body_of(mock.seen("POST", PLACE)[0]) == {
        "instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "sell", "ordType": "conditional",
        "sz": "2", "slTriggerPx": "29000", "slOrdPx": "-1", "slTriggerPxType": px_type,
        "reduceOnly": True, "algoClOrdId": CID}


def test_a_close_position_stop_sends_close_fraction_instead_of_size() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", PLACE, "algo_place_ok")
    run(mock, lambda ex: stop(ex, qty=None, close_position=True))
    body = body_of(mock.seen("POST", PLACE)[0])
    assert body["closeFraction"] == "1"
    assert "sz" not in body


def test_long_short_mode_stops_carry_the_closing_pos_side() -> None:
    mock = MockOkx(FakeClock())
    config = fixture("account_config_net")
    config["body"]["data"][0]["posMode"] = "long_short_mode"
    mock.default("GET", "/api/v5/account/config", config)
    mock.on("POST", PLACE, "algo_place_ok")
    run(mock, lambda ex: stop(ex, side=Side.BUY))
    body = body_of(mock.seen("POST", PLACE)[0])
    assert body["posSide"] == "short"
    assert "reduceOnly" not in body


def test_submit_algo_stop_places_the_intent() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", PLACE, "algo_place_ok")
    intent = AlgoStopIntent(spec(), Side.SELL, D("0.05"), D("29000.1"), CID,
                            WorkingType.LAST_PRICE)
    placement, _ = run(mock, lambda ex: ex.submit_algo_stop(intent))
    assert placement.outcome == Accepted(AID)
    body = body_of(mock.seen("POST", PLACE)[0])
    assert (body["sz"], body["slTriggerPx"], body["slTriggerPxType"]) == ("0.05", "29000.1",
                                                                          "last")


@pytest.mark.parametrize(("responder", "outcome"), [
    ("algo_place_51149", Unknown("51149")),
    ("algo_place_51277", Rejected("51277", "SL trigger price cannot be higher than the last "
                                           "price", 200))])
def test_a_stop_placement_maps_timeouts_and_refusals(responder: str, outcome: Any) -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", PLACE, responder)
    placement, _ = run(mock, stop)
    assert placement.outcome == outcome
    assert len(mock.seen("POST", PLACE)) == 1


@pytest.mark.parametrize(("overrides", "problem"), [
    ({"working_type": "MARK"}, "working_type"), ({"reduce_only": False}, "reduce-only"),
    ({"close_position": True}, "carries no size"), ({"qty": D("0")}, "stop size"),
    ({"stop_price": D("0")}, "stop price"), ({"client_algo_id": "a-b"}, "client id")])
def test_bad_stop_input_fails_before_sending(overrides: dict[str, Any], problem: str) -> None:
    mock = MockOkx(FakeClock())
    with pytest.raises(InvalidIntent, match=problem):
        run(mock, lambda ex: stop(ex, **overrides))
    # the seed's keyword form reads the instrument's rules, then refuses: nothing is placed
    assert [r.method for r in mock.requests] in ([], ["GET"])
    assert mock.seen("POST", PLACE) == []


def cancel(ex: ExchangeAdapter, algo_id: str | None = AID, cid: str | None = None) -> Any:
    return ex.cancel_algo(symbol="BTC-USDT-SWAP", algo_id=algo_id, client_algo_id=cid)


def test_an_accepted_algo_cancel() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", CANCEL, "algo_cancel_ok")
    result, _ = run(mock, cancel)
    assert result.outcome == Accepted(AID)
    assert result.disposition is CancelDisposition.CANCEL_ACCEPTED
    assert body_of(mock.seen("POST", CANCEL)[0]) == [{"instId": "BTC-USDT-SWAP", "algoId": AID}]


@pytest.mark.parametrize(("refusal", "lookup", "disposition", "state"), [
    ("algo_cancel_51412", "algo_effective", CancelDisposition.ALREADY_TERMINAL,
     AlgoState.EFFECTIVE),
    ("algo_cancel_51400", "algo_canceled", CancelDisposition.ALREADY_TERMINAL,
     AlgoState.CANCELED),
    ("algo_cancel_51400", "algo_not_found", CancelDisposition.NOT_FOUND, None)])
def test_a_refused_algo_cancel_is_settled_by_looking_the_algo_up(
        refusal: str, lookup: str, disposition: CancelDisposition,
        state: AlgoState | None) -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", CANCEL, refusal)
    mock.on("GET", PLACE, lookup)
    result, _ = run(mock, cancel)
    assert isinstance(result.outcome, Accepted)
    assert result.disposition is disposition
    assert (result.algo_order.state if result.algo_order else None) is state
    assert mock.seen("GET", PLACE)[0].url.params["algoId"] == AID


def test_a_refused_cancel_of_a_still_live_algo_is_rejected() -> None:
    mock = MockOkx(FakeClock())
    mock.on("POST", CANCEL, "algo_cancel_51400")
    mock.on("GET", PLACE, "algo_live")
    result, _ = run(mock, cancel)
    assert isinstance(result.outcome, Rejected) and result.outcome.code == "51400"


def test_cancel_by_client_id_looks_the_algo_up_first() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", PLACE, "algo_live")
    mock.on("POST", CANCEL, "algo_cancel_ok")
    result, _ = run(mock, lambda ex: cancel(ex, None, CID))
    assert result.disposition is CancelDisposition.CANCEL_ACCEPTED
    assert mock.seen("GET", PLACE)[0].url.params["algoClOrdId"] == CID
    assert body_of(mock.seen("POST", CANCEL)[0]) == [{"instId": "BTC-USDT-SWAP", "algoId": AID}]


def test_cancel_by_client_id_of_a_finished_algo_sends_no_cancel() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", PLACE, "algo_effective")
    result, _ = run(mock, lambda ex: cancel(ex, None, CID))
    assert isinstance(result.outcome, Accepted)
    assert result.disposition is CancelDisposition.ALREADY_TERMINAL
    assert mock.seen("POST", CANCEL) == []


@pytest.mark.parametrize(("answer", "disposition"), [
    ("algo_cancel_ok", CancelDisposition.CANCEL_ACCEPTED),
    ("algo_cancel_51400", CancelDisposition.NOT_FOUND)])
def test_an_algo_the_lookup_cannot_see_is_cancelled_by_its_client_id(
        answer: str, disposition: CancelDisposition) -> None:
    """Accepted with its answer lost and not yet visible: only the client id reaches it (soak
    seed 1, lifecycle 7,198). A refusal of that cancel is the lookup's "not found"."""
    mock = MockOkx(FakeClock())
    mock.on("GET", PLACE, "algo_not_found")
    mock.on("POST", CANCEL, answer)
    result, sink = run(mock, lambda ex: cancel(ex, None, CID))
    algo_id = AID if disposition is CancelDisposition.CANCEL_ACCEPTED else ""
    assert result.outcome == Accepted(algo_id)
    assert result.disposition is disposition
    (sent,) = mock.seen("POST", CANCEL)
    assert body_of(sent) == [{"instId": "BTC-USDT-SWAP", "algoClOrdId": CID}]
    assert "expTime" not in sent.headers  # a cancel is never given a deadline to miss
    assert (result.inst_id, result.algo_id, result.client_algo_id, result.algo_order) == (
        "BTC-USDT-SWAP", algo_id, CID, None)
    # the evidence is the cancel's answer, the last record
    assert result.evidence.seq == len(sink.records) - 1


def test_a_cancel_by_client_id_whose_answer_is_lost_is_unknown() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", PLACE, "algo_not_found")
    mock.on("POST", CANCEL, lambda _request: httpx.Response(502, text="bad gateway"))
    result, sink = run(mock, lambda ex: cancel(ex, None, CID))
    assert isinstance(result.outcome, Unknown) and result.disposition is None
    assert "502" in result.outcome.reason
    assert (result.inst_id, result.algo_id, result.client_algo_id, result.algo_order) == (
        "BTC-USDT-SWAP", "", CID, None)
    assert result.evidence.seq == len(sink.records) - 1


def test_an_algo_lookup_reads_every_field_the_sentinel_needs() -> None:
    mock = MockOkx(FakeClock())
    mock.on("GET", PLACE, "algo_live")
    found, _ = run(mock, lambda ex: ex.get_algo_order(symbol="BTC-USDT-SWAP", algo_id=None,
                                                      client_algo_id=CID))
    algo = found.algo_order
    assert algo is not None
    assert (algo.algo_id, algo.client_algo_id, algo.state, algo.side, algo.size,
            algo.close_position, algo.stop_price, algo.working_type, algo.reduce_only) == (
        AID, CID, AlgoState.LIVE, Side.SELL, D("2"), False, D("29000"),
        WorkingType.MARK_PRICE, True)
    assert algo.evidence == found.evidence


def test_open_algos_list_conditional_orders_of_the_symbol_across_pages() -> None:
    page = fixture("algos_pending")
    first = copy.deepcopy(page)
    first["body"]["data"] = [dict(page["body"]["data"][0], algoId=str(5000 + i))
                             for i in range(100)]
    mock = MockOkx(FakeClock())
    mock.on("GET", PENDING, first, "algos_pending")
    algos, _ = run(mock, lambda ex: ex.get_open_algo_orders("BTC-USDT-SWAP"))
    assert len(algos) == 102
    whole = algos[-1]
    assert (whole.close_position, whole.size, whole.working_type) == (
        True, None, WorkingType.LAST_PRICE)
    params = [r.url.params for r in mock.seen("GET", PENDING)]
    assert (params[0]["ordType"], params[0]["instId"]) == ("conditional", "BTC-USDT-SWAP")
    assert params[1]["after"] == "5099"
