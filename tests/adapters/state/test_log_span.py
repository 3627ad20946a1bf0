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


def test_no_start_mark_or_no_log_gives_no_span(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_bytes(_line({"type": "A"}))
    assert log_since(log, None) is None
    assert log_since(tmp_path, log_mark(log)) is None  # unreadable: nothing is claimed


def test_a_rewritten_span_claims_nothing_to_check(tmp_path: Path) -> None:
    span = {"at_start": {"bytes": 9, "sha256": "0" * 64}, "appended": ["not checked"],
            "appended_sha256": "x", "at_end": {"bytes": 1, "sha256": "1" * 64},
            "rewritten": True}
    assert span_problem(span) is None
    assert span_problem({**span, "rewritten": False}) is not None
    assert span_problem({**span, "rewritten": False, "appended": "one"}) == \
        "appended is not a list"


def test_problems_name_the_sizes_they_compare(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_bytes(_line({"type": "Old"}))
    start = log_mark(log)
    _append(log, _line({"type": "Ours"}))
    span = log_since(log, start)
    assert span is not None and start is not None
    size = span["at_end"]["bytes"]
    moved = {**span, "at_end": {**span["at_end"], "bytes": size + 1}}
    assert span_problem(moved) == (f"at_start ({start['bytes']} bytes) plus the appended events "
                                   f"({size - start['bytes']} bytes) is not at_end "
                                   f"({size + 1} bytes)")
    log.write_bytes(_line({"type": "Old"}))
    assert log_problem(log, span) == (
        f"{log} holds {start['bytes']} bytes of complete events; the run saw {size} at its "
        "end (events were removed)")
    log.write_bytes(b"")
    log.write_bytes(_line({"type": "Olx"}) + _line({"type": "Ours"}))
    assert log_problem(log, span) == (
        f"{log}: its first {size} bytes differ from what the run saw at its end (changed "
        f"before the run's own events, bytes {start['bytes']}-{size})")
    assert log_problem(tmp_path, span) == f"{tmp_path} cannot be read"


def test_an_undecodable_appended_line_is_kept_as_its_text(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    start = log_mark(log)
    _append(log, b"not json\n" + _line({"type": "A"}))
    span = log_since(log, start)
    assert span is not None and span["appended"] == ["not json", {"type": "A"}]
    assert span_problem(span) is None


def test_nothing_appended_is_an_empty_span_not_a_rewrite(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_bytes(_line({"type": "Old"}))
    span = log_since(log, log_mark(log))
    assert span is not None and (span["rewritten"], span["appended"]) == (False, [])
    assert span["at_end"] == span["at_start"] and span_problem(span) is None
