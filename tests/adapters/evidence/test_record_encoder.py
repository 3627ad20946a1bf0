"""A record's head encoded ahead (prepare_call, while its answer is in flight) gives the line the
whole record gives, and is used only for the record it was made for."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from adapters.evidence import REDACTED, Redactor
from adapters.evidence.chain import shard_name
from adapters.evidence.record_encoder import MAX_PREPARED, RecordEncoder
from ports.evidence import ExchangeCallRecord
from tests.adapters.evidence.helpers import call, lines, make_sink

SECRETS = ["plainSecret1", "anotherKey22"]
HEADER = {"contract_version": "v1", "labels": {"probe": True}}


def encoder() -> RecordEncoder:
    return RecordEncoder(Redactor(SECRETS), HEADER)


def prepare(enc: RecordEncoder, record: ExchangeCallRecord) -> None:
    enc.prepare(record.kind, record.endpoint, record.request, record.wall_ms, record.mono_s,
                record.clock_offset_ms)


def records() -> list[ExchangeCallRecord]:
    plain = call(1, exp_time_ms=None, attempt=1)
    return [
        plain,
        # the walk is needed in the tail (a credential-named field, a NaN, a Decimal) ...
        attrs.evolve(plain, response={"status": 200, "body": {"apiKey": "k", "px": "1"}}),
        attrs.evolve(plain, response={"status": 200, "elapsed_ms": float("nan")}),
        attrs.evolve(plain, extra={"px": Decimal("1.5")}),
        # ... or in the head (a header not yet redacted, a JSON body kept as text)
        call(2, request={"method": "POST", "headers": {"OK-ACCESS-SIGN": "s1gn"}, "body": None}),
        call(3, request={"method": "POST", "body": '{"sign":"abc"}'}),
        # a literal secret under an innocent name, in either half
        call(4, request={"method": "GET", "note": "plainSecret1"}),
        attrs.evolve(plain, response={"status": 200, "body": {"msg": "anotherKey22"}}),
        # no response at all (nothing came back)
        attrs.evolve(plain, response=None, outcome="error:timeout"),
    ]


@pytest.mark.parametrize("record", records())
def test_a_prepared_head_gives_the_same_line_as_the_whole_record(
        record: ExchangeCallRecord) -> None:
    whole = encoder().encode(record)
    enc = encoder()
    prepare(enc, record)
    assert enc.encode(record) == whole
    written = json.loads(whole)
    assert written["kind"] == record.kind and written["outcome"] == record.outcome
    assert b"plainSecret1" not in whole and b"anotherKey22" not in whole
    assert list(written)[:2] == ["contract_version", "labels"]
    assert list(written)[-4:] == ["request", "response", "outcome", "extra"]


def test_the_plain_record_takes_the_split_path_and_reads_back_whole() -> None:
    record = call(1, exp_time_ms=None, attempt=1)
    enc = encoder()
    prepare(enc, record)
    line = enc.encode(record)
    assert json.loads(line) == {**HEADER, "kind": "http", "endpoint": record.endpoint,
                                "wall_ms": record.wall_ms, "wall_iso": "2025-11-22T02:53:20.001Z",
                                "mono_s": record.mono_s, "clock_offset_ms": -12,
                                "request": record.request, "response": record.response,
                                "outcome": "ok", "extra": {"exp_time_ms": None, "attempt": 1}}


def _marker_head(enc: RecordEncoder, record: ExchangeCallRecord) -> None:
    # a head for this request that differs from the real one, so using it would show
    enc.prepare(record.kind, "MARK", record.request, record.wall_ms, record.mono_s,
                record.clock_offset_ms)
    key = id(record.request)
    fields, head = enc._prepared[key]
    enc._prepared[key] = ((record.kind, record.endpoint, *fields[2:]), head)


@pytest.mark.parametrize("change", [
    lambda r: attrs.evolve(r, request=dict(r.request)),  # an equal request, not the same one
    lambda r: attrs.evolve(r, kind="ws"),
    lambda r: attrs.evolve(r, endpoint="GET /other"),
    lambda r: attrs.evolve(r, wall_ms=r.wall_ms + 1),
    lambda r: attrs.evolve(r, mono_s=r.mono_s + 0.001),
    lambda r: attrs.evolve(r, clock_offset_ms=r.clock_offset_ms + 1),  # resynced in flight
])
def test_a_head_is_used_only_for_the_record_it_was_made_for(change: Any) -> None:
    record = call(1)
    enc = encoder()
    _marker_head(enc, record)
    assert b'"MARK"' in enc.encode(record)  # the marker shows when the head is used
    enc = encoder()
    _marker_head(enc, record)
    other = change(record)
    assert enc.encode(other) == encoder().encode(other)
    assert id(other.request) not in enc._prepared  # looked up once, then gone


def test_a_head_is_used_once() -> None:
    record = call(1)
    enc = encoder()
    _marker_head(enc, record)
    assert b'"MARK"' in enc.encode(record)
    assert b'"MARK"' not in enc.encode(record)


def test_unused_heads_are_dropped_past_the_limit() -> None:
    enc = encoder()
    kept = [call(n) for n in range(MAX_PREPARED)]
    for record in kept:
        prepare(enc, record)
    assert len(enc._prepared) == MAX_PREPARED
    prepare(enc, call(MAX_PREPARED))
    assert len(enc._prepared) == 1


def test_prepare_never_raises_and_keeps_nothing_it_cannot_use() -> None:
    enc = encoder()

    class Odd:
        def __str__(self) -> str:
            raise RuntimeError("no text")

    enc.prepare("rest", "GET /x", {"v": Odd()}, 1, 1.0, 0)
    enc.prepare("rest", "GET /x", {"OK-ACCESS-SIGN": "s"}, 1, 1.0, 0)  # needs the walk
    assert not enc._prepared


def test_the_sink_writes_the_same_chain_with_and_without_heads_prepared(
        tmp_path: Path) -> None:
    written = []
    for name, ahead in (("plain", False), ("ahead", True)):
        with make_sink(tmp_path / name, secrets=SECRETS) as sink:
            for record in records():
                if ahead:
                    sink.prepare_call(record.kind, record.endpoint, record.request,
                                      record.wall_ms, record.mono_s, record.clock_offset_ms)
                sink.record_call(record)
        written.append(lines(tmp_path / name / shard_name(1)))
    assert written[0] == written[1]
    assert len(written[0]) == len(records())
    assert all(REDACTED.encode() in line or b"sign" not in line.lower()
               for line in written[0])


def test_a_plain_record_is_not_walked_with_or_without_a_prepared_head(
        monkeypatch: pytest.MonkeyPatch) -> None:
    record = call(1, exp_time_ms=None, attempt=1)
    expected = encoder().encode(record)
    enc = encoder()

    def no_walk(value: Any) -> Any:
        raise AssertionError("walked")

    monkeypatch.setattr(enc._redactor, "clean", no_walk)
    assert enc.encode(record) == expected
    prepare(enc, record)
    assert enc.encode(record) == expected


def test_a_walked_record_is_written_compact_with_every_field_and_its_own_characters() -> None:
    record = attrs.evolve(call(1), response={"status": 200, "body": {
        "msg": "préféré", "px": Decimal("1.5")}})
    line = encoder().encode(record)
    assert "préféré".encode() in line and b"\\u00e9" not in line
    assert b'", "' not in line and b'": ' not in line
    assert json.loads(line) == {
        **HEADER, "kind": "http", "endpoint": record.endpoint, "wall_ms": record.wall_ms,
        "wall_iso": "2025-11-22T02:53:20.001Z", "mono_s": record.mono_s,
        "clock_offset_ms": -12, "request": record.request,
        "response": {"status": 200, "body": {"msg": "préféré", "px": "1.5"}},
        "outcome": "ok", "extra": {}}
