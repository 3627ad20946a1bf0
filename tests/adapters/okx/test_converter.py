"""The one converter: camelCase names, "" as None, Decimal never float, extra keys tolerated."""

from decimal import Decimal

import pytest

from adapters.okx import wire
from adapters.okx.converter import camel, make_okx_converter, structure_all, unstructure
from domain.evidence import EvidenceRef
from ports.errors import ExchangeProtocolError

REF = EvidenceRef("raw.jsonl", 3)


@pytest.mark.parametrize(("snake", "expected"), [
    ("cl_ord_id", "clOrdId"), ("s_code", "sCode"), ("inst_id", "instId"),
    ("algo_cl_ord_id", "algoClOrdId"), ("sl_trigger_px_type", "slTriggerPxType"), ("px", "px"),
])
def test_snake_case_becomes_okx_camel_case(snake: str, expected: str) -> None:
    assert camel(snake) == expected


def test_an_order_payload_structures_with_empty_strings_as_none_and_extra_keys_ignored() -> None:
    order = make_okx_converter().structure(
        {"instId": "BTC-USDT-SWAP", "ordId": "1", "clOrdId": "c1", "state": "live",
         "side": "buy", "ordType": "limit", "sz": "0.10", "px": "", "accFillSz": "0",
         "avgPx": "", "reduceOnly": "true", "uTime": "1763780000000", "someNewField": "x"},
        wire.Order)
    assert order.sz == Decimal("0.10")
    assert order.px is None and order.avg_px is None
    assert order.reduce_only is True
    assert order.u_time == 1763780000000


def test_floats_are_refused_for_money() -> None:
    with pytest.raises(ExchangeProtocolError) as caught:
        structure_all([{"instId": "X", "markPx": 30000.5, "ts": "1"}], wire.MarkPrice, REF)
    assert "markPx" in str(caught.value)
    assert caught.value.evidence == REF


def test_a_wrong_shape_names_the_field_and_keeps_the_evidence() -> None:
    with pytest.raises(ExchangeProtocolError) as caught:
        structure_all([{"instId": "X", "ordId": "1", "state": "live", "side": "buy",
                        "ordType": "limit", "sz": "two"}], wire.Order, REF)
    assert "$.sz" in str(caught.value)
    assert caught.value.evidence == REF


def test_a_missing_required_field_is_a_protocol_error() -> None:
    with pytest.raises(ExchangeProtocolError, match="ts"):
        structure_all([{"instId": "X", "markPx": "1"}], wire.MarkPrice, REF)


def test_a_non_object_item_is_a_protocol_error() -> None:
    with pytest.raises(ExchangeProtocolError):
        structure_all(["not an object"], wire.Ticker, REF)


def test_request_bodies_use_camel_case_plain_decimals_and_leave_unset_fields_out() -> None:
    body = unstructure(wire.PlaceOrder(inst_id="BTC-USDT-SWAP", td_mode="cross", side="sell",
                                       ord_type="market", sz=Decimal("1.50"),
                                       reduce_only=False, cl_ord_id="abc"))
    assert body == {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "sell",
                    "ordType": "market", "sz": "1.5", "reduceOnly": False, "clOrdId": "abc"}


def test_defaults_that_are_values_are_sent() -> None:
    body = unstructure(wire.PlaceAlgoStop(inst_id="X", td_mode="cross", side="sell",
                                          sl_trigger_px=Decimal("1E+4"),
                                          sl_trigger_px_type="mark"))
    assert body["ordType"] == "conditional"
    assert body["slOrdPx"] == "-1"
    assert body["slTriggerPx"] == "10000"


def test_candle_rows_are_arrays() -> None:
    candle = make_okx_converter().structure(
        ["1763779980000", "1", "2", "0.5", "1.5", "10", "0.1", "15", "1"], wire.Candle)
    assert candle.ts == 1763779980000 and candle.close == Decimal("1.5") and candle.confirm
