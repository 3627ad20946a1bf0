"""The sink's shortcut past the redaction walk (Redactor.encode_plain) writes what the walk
would have written, or declines; it never lets through what the walk would have redacted."""

import dataclasses
import datetime
import enum
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.evidence import REDACTED, Redactor
from adapters.evidence.redact import is_secret_name

NAMES = st.sampled_from(["instId", "px", "sz", "ordId", "sign", "OK-ACCESS-KEY", "ok_access_sign",
                         "Api-Key", "a.p.i.k.e.y", "SeCrEt", "passPhrase", "Authorization",
                         "cookie", "signal", "x-sign", "apikeyName", "tag", "data", "msg",
                         "pr\u0130vatekey", "\u212aey", "sec\nret", 'pass"word', "cl\\OrdId"])
KEYS = st.one_of(NAMES, st.text(max_size=12))
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from([REDACTED, "[1,2]", "{}", '{"sign":"abc123"}', ' {"apiKey":"zz"}',
                     '{"x":"{\\"secret\\":\\"deep\\"}"}', "nullable", "sign-here"]),
    st.decimals(allow_nan=False, places=2))
VALUES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(KEYS, inner, max_size=5)), max_leaves=25)

# plain JSON as the exchanges answer it, where the shortcut should mostly apply
ASCII = st.text(st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="\\"),
                max_size=12)
PLAIN = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1),
              st.floats(allow_nan=False, allow_infinity=False), ASCII),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(
        st.one_of(ASCII, NAMES), st.one_of(inner, st.just(REDACTED)), max_size=5)),
    max_leaves=25)


class _Side(enum.StrEnum):
    BUY = "buy"


class _Count(enum.IntEnum):
    ONE = 1


@dataclasses.dataclass
class _Fill:
    px: str


def walked(redactor: Redactor, value: Any) -> Any:
    return json.loads(json.dumps(redactor.clean(value), ensure_ascii=False, allow_nan=False))


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(st.dictionaries(KEYS, VALUES, max_size=6),
                       st.dictionaries(ASCII, PLAIN, max_size=6)))
def test_the_shortcut_writes_what_the_walk_writes_or_declines(value: dict[str, Any]) -> None:
    redactor = Redactor(["plainSecret1"])
    data = redactor.encode_plain(value)
    if data is not None:
        assert json.loads(data) == walked(redactor, value)


def _okx_like() -> dict[str, Any]:
    return {"contract_version": "1", "labels": {}, "kind": "rest",
            "request": {"method": "GET", "query": {"instId": "BTC-USDT-SWAP"},
                        "headers": {"ok-access-key": REDACTED, "ok-access-sign": REDACTED,
                                    "x-secretkey": REDACTED,
                                    "ok-access-timestamp": "2026-11-30T19:39:28.544Z"},
                        "body": None},
            "response": {"http_status": 200, "body": {"code": "0", "data": [{"px": "1.5"}]},
                         "elapsed_ms": 0.3},
            "extra": {"attempt": 1, "exp_time_ms": None}, "mono_s": 12.5}


def test_a_record_whose_credential_headers_are_already_redacted_takes_the_shortcut() -> None:
    record = _okx_like()
    data = Redactor(["plainSecret1"]).encode_plain(record)
    assert data is not None
    assert json.loads(data) == record


@pytest.mark.parametrize("change", [
    # a credential name whose value is not yet redacted, at any depth and in any spelling
    lambda r: r["request"]["headers"].update({"OK-ACCESS-PASSPHRASE": "pp"}),
    lambda r: r["response"]["body"]["data"][0].update({"apiKey": "kk"}),
    lambda r: r["extra"].update({"x_signature": 1}),
    # a string that holds JSON (its quotes are escaped), a non-ASCII character
    lambda r: r["request"].update({"body": '{"sz":"1"}'}),
    lambda r: r["response"]["body"].update({"msg": "pr\u00e9f\u00e9r\u00e9"}),
    # values the walk turns into JSON: NaN, infinity, Decimal, bytes, non-str keys
    lambda r: r["response"].update({"elapsed_ms": float("nan")}),
    # a NaN next to the record's own Nones, deep in a list, or beside a "null" in a string
    lambda r: r["response"]["body"]["data"][0].update({"fee": float("nan")}),
    lambda r: r["response"]["body"].update({"msg": "null", "ts": [None, float("inf")]}),
    lambda r: r.update({"mono_s": float("nan"), "outcome": None}),
    lambda r: r["extra"].update({"pf": float("-inf")}),
    lambda r: r["extra"].update({"px": Decimal("1.5")}),
    lambda r: r["extra"].update({"raw": b"x"}),
    lambda r: r["extra"].update({1: "one"}),
    # types orjson would write its own way (the walk writes str() of them, or their value)
    lambda r: r["extra"].update({"at": datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)}),
    lambda r: r["extra"].update({"fill": _Fill("1")}),
])
def test_anything_the_walk_could_change_is_left_to_it(change: Any) -> None:
    record = _okx_like()
    change(record)
    assert Redactor(["plainSecret1"]).encode_plain(record) is None


def test_enums_are_written_by_value_as_the_walk_writes_them() -> None:
    record = _okx_like()
    record["extra"].update({"side": _Side.BUY, "n": _Count.ONE})
    redactor = Redactor(["plainSecret1"])
    data = redactor.encode_plain(record)
    assert data is not None
    assert json.loads(data) == walked(redactor, record)
    assert json.loads(data)["extra"] == {"attempt": 1, "exp_time_ms": None, "side": "buy",
                                         "n": 1}


def test_a_secret_that_json_escapes_always_goes_through_the_walk() -> None:
    assert Redactor(['Pa"ss\\w\u00f6rd-42']).encode_plain({"a": "b"}) is None
    assert Redactor(["plainSecret1"]).encode_plain({"a": "b"}) == b'{"a":"b"}'


def test_the_names_it_checks_are_the_ones_is_secret_name_knows() -> None:
    # every name that is_secret_name flags must also stop the shortcut
    for name in ["OK-ACCESS-KEY", "X-MBX-APIKEY", "signature", "sign", "secretKey",
                 "passphrase", "password", "Authorization", "Cookie", "private_key"]:
        assert is_secret_name(name)
        assert Redactor().encode_plain({name: "v"}) is None


@pytest.mark.parametrize("change", [
    lambda r: None,  # the record's own Nones only: no read-back needed
    lambda r: r["response"]["body"].update({"msg": "nullable"}),  # more "null" than Nones
    lambda r: r["response"]["body"]["data"][0].update({"fee": None}),  # a None below depth 3
    lambda r: r["request"].update({"body": {"tag": None, "px": [None]}}),
    lambda r: r.update({"outcome": None}),
])
def test_nulls_that_are_nones_still_take_the_shortcut(change: Any) -> None:
    record = _okx_like()
    change(record)
    redactor = Redactor(["plainSecret1"])
    data = redactor.encode_plain(record)
    assert data is not None
    assert json.loads(data) == record == walked(redactor, record)


def test_shallow_nones_counts_nones_in_dicts_to_the_depth_asked() -> None:
    from adapters.evidence.redact import _shallow_nones

    value = {"a": None, "b": {"c": None, "d": {"e": None, "f": {"g": None}}, "h": [None]}}
    assert [_shallow_nones(value, depth) for depth in (1, 2, 3, 4)] == [1, 2, 3, 4]
    assert _shallow_nones({"a": None, "b": None, "c": {"d": None, "e": None}}, 2) == 4
    assert _shallow_nones([None], 3) == 0
    assert _shallow_nones({"a": 0, "b": "", "c": False}, 3) == 0


def test_a_line_is_read_back_only_when_its_nulls_are_not_all_nones_near_the_top(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import orjson

    reads: list[bytes] = []
    loads = orjson.loads

    def counting_loads(data: bytes) -> Any:
        reads.append(data)
        return loads(data)

    monkeypatch.setattr(orjson, "loads", counting_loads)
    redactor = Redactor(["plainSecret1"])
    assert redactor.encode_plain(_okx_like()) is not None  # its two nulls are its two Nones
    assert reads == []
    record = _okx_like()
    record["response"]["body"]["msg"] = "nullable"
    assert redactor.encode_plain(record) is not None
    assert len(reads) == 1
