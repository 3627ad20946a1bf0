"""json_body writes what json.dumps(body, separators=(",", ":")) writes: the exact bytes that
are signed and sent, whichever encoder made them."""

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.common.http import json_body

TEXT = st.one_of(st.text(max_size=12),
                 st.text(st.sampled_from('AZaz09_.-:"\\/é\x00\x1f\x7f\u2028 '), max_size=8),
                 st.sampled_from(["BTC-USDT-SWAP", "buy", "post_only", "0.1", "abc123"]))
SCALAR = st.one_of(TEXT, st.integers(), st.floats(), st.booleans(), st.none())


def dumped(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


FLAT = st.one_of(TEXT, st.booleans(), st.none(), st.integers(),
                 st.integers(min_value=-(2**70), max_value=2**70))


@settings(max_examples=500, deadline=None)
@given(body=st.dictionaries(TEXT, FLAT, max_size=8))
def test_flat_objects_are_written_as_json_dumps_writes_them(body: dict[str, object]) -> None:
    assert json_body(body) == dumped(body)


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.dictionaries(TEXT, SCALAR, max_size=6),
                      st.lists(st.dictionaries(TEXT, TEXT, max_size=4), max_size=3)))
def test_any_other_body_is_written_as_json_dumps_writes_it(body: Any) -> None:
    assert json_body(body) == dumped(body)


class Side(str):
    pass


@pytest.mark.parametrize("body", [
    {"instId": "BTC-USDT-SWAP", "side": "buy", "px": "100.5", "sz": "1"},
    {"tag": "é"}, {"tag": "a\x7fb"}, {"tag": 'say "hi"'}, {"px": 1e16}, {"px": 0.1},
    {"sz": 10**20}, {"sz": -(2**63)}, {"sz": 2**64}, {"reduceOnly": False, "tag": None},
    {1: "one"}, {True: "t"}, {"side": Side("buy")}, {"tag": "\ud800"}, [{"a": "b"}], {}])
def test_examples(body: Any) -> None:
    assert json_body(body) == dumped(body)
