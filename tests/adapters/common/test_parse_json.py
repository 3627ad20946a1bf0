"""parse_json reads a reply as json.loads does (orjson where that gives the same value)."""

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.common.http import _reply, parse_json

JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**80, max_value=2**80),
              st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
              st.sampled_from(["700000000000000002", "1234567890123456789012", ""])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20)
NUMBER_TEXT = st.from_regex(r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?\Z")


def same(text: bytes) -> None:
    # repr tells 1 from 1.0 and -0.0 from 0.0, which == does not
    assert repr(parse_json(text)) == repr(json.loads(text))


@settings(max_examples=300, deadline=None)
@given(value=JSON, layout=st.sampled_from([{}, {"separators": (",", ":")}, {"indent": 1}]),
       ascii_only=st.booleans())
def test_any_json_document_reads_as_json_loads_reads_it(value: Any, layout: dict[str, Any],
                                                         ascii_only: bool) -> None:
    same(json.dumps(value, ensure_ascii=ascii_only, **layout).encode())


@settings(max_examples=300, deadline=None)
@given(number=NUMBER_TEXT, where=st.sampled_from(["{}", '{{"a":{}}}', "[1,{}]", "[ {} ]",
                                                   '{{"a": -{}}}']))
def test_numbers_read_alike_however_long(number: str, where: str) -> None:
    same(where.format(number.lstrip("-") if "-{}" in where else number).encode())


@pytest.mark.parametrize("text", [
    b"18446744073709551616", b'{"a":18446744073709551616}', b'{"a": \n -9223372036854775809}',
    b"[1,123456789012345678901234567890]", b"[18446744073709551616]",
    b'{"a": 18446744073709551616}', b"[1, \t18446744073709551616]", b"[ 18446744073709551616]",
    b'{"id":"123456789012345678901","n":1}',
    b'{"px":NaN}', b"[1e400]", b'"\\ud800"', b"\xef\xbb\xbf{}", b'{"a":1,"a":2}',
    '{"a":"é"}'.encode("utf-16"), b"-0", b"[-0.0]"])
def test_what_orjson_reads_otherwise_goes_to_json_loads(text: bytes) -> None:
    same(text)


@pytest.mark.parametrize("text", [b"", b"{", b"not json", b"\xff\xfe\xfd", b"[1,]"])
def test_what_json_loads_refuses_is_a_value_error(text: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        parse_json(text)


def test_a_reply_that_is_not_json_keeps_its_text() -> None:
    reply = _reply(502, {}, b"<html>bad gateway</html>")
    assert (reply.payload, reply.text) == (None, "<html>bad gateway</html>")
    assert _reply(200, {}, b'{"n":18446744073709551616}').payload == {"n": 2**64}
