"""A run's part of the event log (adapters/state/log_span.py): the lines appended between two
marks, which must add up, and a log that must still begin with what the run saw."""

import json
from pathlib import Path

from adapters.state.log_span import log_mark, log_problem, log_since, span_problem


def _line(event: dict[str, object]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def test_a_missing_log_is_empty_and_an_unreadable_one_has_no_mark(tmp_path: Path) -> None:
    assert log_mark(tmp_path / "events.jsonl") == {
        "bytes": 0, "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
    assert log_mark(tmp_path) is None  # a directory cannot be read as the log


def test_the_span_holds_the_lines_appended_after_the_start_mark(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_bytes(_line({"type": "Old", "n": 1}))
    start = log_mark(log)
    _append(log, _line({"type": "RiskEvent", "reason": "é"}) + _line({"type": "X", "v": 1.5}))
    _append(log, b'{"type": "torn')  # a crash mid-append: never acknowledged
    span = log_since(log, start)
    assert span is not None and not span["rewritten"]
    assert span["appended"] == [{"type": "RiskEvent", "reason": "é"}, {"type": "X", "v": 1.5}]
    assert span["at_start"] == start and span["at_end"]["bytes"] == log.stat().st_size - 14
    assert span_problem(span) is None and log_problem(log, span) is None


def test_a_log_rewritten_under_the_run_claims_nothing(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_bytes(_line({"type": "Old", "n": 1}))
    start = log_mark(log)
    log.write_bytes(_line({"type": "Old", "n": 2}) + _line({"type": "New"}))
    span = log_since(log, start)
    assert span is not None and span["rewritten"] and span["appended"] == []


def test_edited_appended_events_no_longer_add_up(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    start = log_mark(log)
    _append(log, _line({"type": "A", "qty": "1"}) + _line({"type": "B"}))
    span = log_since(log, start)
    assert span is not None
    edited = {**span, "appended": [{"type": "A", "qty": "2"}, {"type": "B"}]}
    assert "appended_sha256" in str(span_problem(edited))
    dropped = {**span, "appended": span["appended"][:1]}
    assert span_problem(dropped) is not None
    moved = {**span, "at_end": {**span["at_end"], "bytes": span["at_end"]["bytes"] + 1}}
    assert "is not at_end" in str(span_problem(moved))


def test_the_log_changed_after_the_run_is_named(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_bytes(_line({"type": "Old"}))
    start = log_mark(log)
    _append(log, _line({"type": "Ours", "qty": "1"}))
    span = log_since(log, start)
    assert span is not None
    _append(log, _line({"type": "Later"}))  # appending afterwards is what a log is for
    assert log_problem(log, span) is None
    log.write_bytes(log.read_bytes().replace(b'"qty":"1"', b'"qty":"9"'))
    assert "changed in the run's own events" in str(log_problem(log, span))
    log.write_bytes(log.read_bytes().replace(b'"Old"', b'"Olx"'))
    assert "changed before the run's own events" in str(log_problem(log, span))
    log.write_bytes(_line({"type": "Old"}))
    assert "events were removed" in str(log_problem(log, span))
