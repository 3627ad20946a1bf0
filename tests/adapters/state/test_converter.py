"""The strict converter: exact round trips, and no silent coercion."""

import json
from decimal import Decimal
from typing import Any

import pytest
from cattrs import BaseValidationError, transform_error
from hypothesis import given, settings

from adapters.state.converter import make_state_converter
from adapters.state.json_store import StateDocument
from domain.logs import CandidateEvaluation, RegimeShiftLog, RiskEvent
from domain.regime import Tier
from domain.state import PendingStop, PositionState, SymbolState
from tests.adapters.state.strategies import filled

converter = make_state_converter()


def _through_json(value: Any, cls: type[Any]) -> Any:
    return converter.structure(json.loads(json.dumps(converter.unstructure(value))), cls)


@settings(max_examples=50, deadline=None)
@given(filled(SymbolState))
def test_any_symbol_state_survives_a_json_round_trip(state: SymbolState) -> None:
    assert _through_json(state, SymbolState) == state
    assert _through_json(StateDocument(1, {state.symbol: state}), StateDocument).symbols == {
        state.symbol: state}


@settings(max_examples=30, deadline=None)
@given(filled(CandidateEvaluation), filled(RiskEvent), filled(RegimeShiftLog))
def test_every_log_event_survives_a_json_round_trip(a: CandidateEvaluation, b: RiskEvent,
                                                    c: RegimeShiftLog) -> None:
    for event in (a, b, c):
        assert _through_json(event, type(event)) == event


def test_decimals_keep_their_exact_digits() -> None:
    position = PositionState(entry_price=Decimal("30000.10"), qty_total=Decimal("1E+2"))
    raw = converter.unstructure(position)
    assert (raw["entry_price"], raw["qty_total"]) == ("30000.10", "1E+2")
    back = converter.structure(raw, PositionState)
    assert str(back.entry_price) == "30000.10" and str(back.qty_total) == "1E+2"


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("entry_price", 30000.1, "decimal string"),  # a float would have lost digits already
    ("entry_price", "abc", "not a decimal"),
    ("entry_price", "NaN", "finite"),
    ("tp1_done", "no", "true or false"),
    ("tp1_done", 0, "true or false"),
    ("bars_after_tp2", "3", "integer"),
    ("bars_after_tp2", True, "integer"),
    ("bars_after_tp2", 2.5, "integer"),
    ("side", 1, "string"),
    ("intent_id", None, "expected a string"),  # cattrs' own str hook made it "None"
    ("intent_id", 5, "expected a string"),
    ("tier", 5, "naming a Tier"),
    ("stage", "SIDEWAYS", "PositionStage"),
    ("side", "long", "PositionSide"),
    ("tier", "C", "Tier"),
])
def test_a_value_of_the_wrong_type_is_refused_not_coerced(field: str, value: object,
                                                          expected: str) -> None:
    raw = converter.unstructure(PositionState())
    raw[field] = value
    with pytest.raises(BaseValidationError) as caught:
        converter.structure(raw, PositionState)
    assert any(f"$.{field}" in line for line in transform_error(caught.value))
    assert expected in repr(caught.value.exceptions)


def test_a_string_is_not_taken_for_a_list() -> None:
    raw = converter.unstructure(SymbolState("BTC-USDT-SWAP"))
    raw["position_state"]["last_orders"]["tp"] = "ab"
    with pytest.raises(BaseValidationError) as caught:
        converter.structure(raw, SymbolState)
    assert transform_error(caught.value) == [
        "invalid value for type, expected tuple @ $.position_state.last_orders.tp"]


def test_a_pending_stop_with_a_null_client_id_is_refused_not_read_as_none() -> None:
    raw = converter.unstructure(SymbolState("BTC-USDT-SWAP", pending_stops=(
        PendingStop("pxSLa1", "", 1),)))
    raw["pending_stops"][0]["client_algo_id"] = None
    with pytest.raises(BaseValidationError) as caught:
        converter.structure(raw, SymbolState)
    assert "$.pending_stops[0].client_algo_id" in " ".join(transform_error(caught.value))


def test_a_str_enum_comes_back_as_its_member_not_a_bare_string() -> None:
    back = _through_json(PositionState(tier=Tier.A), PositionState)
    assert type(back.tier) is Tier and back.tier is Tier.A
    assert type(_through_json(PositionState(intent_id="i-1"), PositionState).intent_id) is str


def test_an_int_enum_comes_back_as_its_member() -> None:
    from domain.playbook import PlaybookStep
    back = converter.structure(int(PlaybookStep.SHOCKGUARD), PlaybookStep)
    assert type(back) is PlaybookStep and back is PlaybookStep.SHOCKGUARD
