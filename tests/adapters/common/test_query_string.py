"""query_string writes what urlencode(params, safe=",") writes: the exact text that is signed."""

from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.common.http import query_string

TEXT = st.one_of(st.text(max_size=10),
                 st.text(st.sampled_from("AZaz09_.-~,=&+ %/é"), max_size=10),
                 st.sampled_from(["BTC-USDT-SWAP", "700000000000000002", "SWAP", "1.5e-3"]))


@settings(max_examples=400, deadline=None)
@given(params=st.dictionaries(TEXT, TEXT, min_size=1, max_size=4))
def test_the_query_is_what_urlencode_writes(params: dict[str, str]) -> None:
    assert query_string(params) == urlencode(params, safe=",")


@pytest.mark.parametrize("params", [
    {"instId": "BTC-USDT-SWAP", "ordId": "7000"}, {"a b": "c"}, {"x": "1&y=2"},
    {"after": 5}, {"instType": "SWAP", "limit": 100}, {"q": "é"}, {"ids": ["a b", "c"]},
    {("k", 1): "v"}])
def test_examples_including_values_that_are_not_text(params: dict[str, object]) -> None:
    assert query_string(params) == urlencode(params, safe=",")  # type: ignore[arg-type]
