"""AlgoStopIntent validation and the deterministic client ids of domain/ids.py."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.algo import AlgoState, AlgoStopIntent, WorkingType
from domain.errors import InvalidIntent
from domain.ids import MAX_ATTEMPT, ParsedClientId, Role, client_id, parse_client_id
from domain.orders import Side
from tests.unit.domain.builders import SPEC

D = Decimal


def stop(**overrides: object) -> AlgoStopIntent:
    fields: dict[str, object] = {"instrument": SPEC, "side": Side.SELL, "size": D(3),
                                 "stop_price": D("95.5"), "client_algo_id": "pxSLabc12300"}
    fields.update(overrides)
    return AlgoStopIntent(**fields)  # type: ignore[arg-type]


def test_a_valid_stop_defaults_to_mark_price_and_reduce_only() -> None:
    made = stop()
    assert (made.working_type, made.reduce_only, made.inst_id) == (
        WorkingType.MARK_PRICE, True, "BTC-USDC-SWAP")


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"stop_price": D("NaN")}, "finite"), ({"stop_price": D("Infinity")}, "finite"),
    ({"stop_price": D(0)}, "> 0"), ({"stop_price": D(-5)}, "> 0"),
    ({"stop_price": D("95.55")}, "multiple"), ({"stop_price": 95.5}, "Decimal"),
    ({"size": D(0)}, "size"), ({"size": D(-1)}, "size"), ({"size": D("NaN")}, "size"),
    ({"size": D("1.5")}, "lotSz"), ({"size": None}, "size"),
    ({"reduce_only": False}, "reduce-only"),
    ({"close_position": True}, "no size"),
    ({"client_algo_id": ""}, "client id"), ({"client_algo_id": "x" * 33}, "client id"),
    ({"client_algo_id": "px-SL"}, "client id"), ({"client_algo_id": "px_SL"}, "client id"),
])
def test_a_bad_stop_is_rejected(overrides: dict[str, object], fragment: str) -> None:
    with pytest.raises(InvalidIntent, match=fragment):
        stop(**overrides)


def test_a_close_position_stop_carries_no_size() -> None:
    assert stop(close_position=True, size=None).size is None


def test_open_algo_states() -> None:
    assert {s for s in AlgoState if s.is_open} == {
        AlgoState.LIVE, AlgoState.PAUSE, AlgoState.PARTIALLY_EFFECTIVE}


def test_client_ids_are_deterministic_and_short() -> None:
    first = client_id("abc123", Role.STOP, 0)
    assert first == client_id("abc123", Role.STOP, 0) == "pxSLabc12300"
    assert client_id("abc123", Role.STOP, 1) != first
    assert client_id("abc123", Role.TP1, 0) != first
    longest = client_id("a" * 24, Role.ENTRY, MAX_ATTEMPT)
    assert len(longest) == 30 <= 32


@pytest.mark.parametrize(("intent", "attempt"), [
    ("", 0), ("a" * 25, 0), ("ab-c", 0), ("ab_c", 0), ("é", 0), ("abc", -1), ("abc", 100),
])
def test_client_id_limits(intent: str, attempt: int) -> None:
    with pytest.raises(InvalidIntent):
        client_id(intent, Role.ENTRY, attempt)


@given(st.text(alphabet="abcXYZ0123456789", min_size=1, max_size=24),
       st.sampled_from(list(Role)), st.integers(0, MAX_ATTEMPT))
def test_client_ids_round_trip(intent: str, role: Role, attempt: int) -> None:
    made = client_id(intent, role, attempt)
    assert len(made) <= 32 and made.isascii() and made.isalnum()
    assert parse_client_id(made) == ParsedClientId(role, intent, attempt)


@pytest.mark.parametrize("foreign", [
    "", "abc", "pxZZabc12300", "pxSL", "pxSLabc1", "PXSLabc12300", "pxSL-abc12300",
    "e847386590ce4dBC", "pxSL" + "a" * 25 + "00",
])
def test_foreign_ids_parse_to_none(foreign: str) -> None:
    assert parse_client_id(foreign) is None


def test_allocate_never_hands_out_the_same_id_twice() -> None:
    from domain.ids import Role, allocate, next_attempt

    counters: tuple[tuple[str, int], ...] = ()
    seen = set()
    for _ in range(5):
        cid, counters = allocate(counters, "abc", Role.STOP)
        assert cid not in seen
        seen.add(cid)
    assert next_attempt(counters, Role.STOP) == 5
    assert next_attempt(counters, Role.FLATTEN) == 0
    cid, counters = allocate(counters, "abc", Role.FLATTEN)
    assert cid == "pxFLabc00" and next_attempt(counters, Role.STOP) == 5
