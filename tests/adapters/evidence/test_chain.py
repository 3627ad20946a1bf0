"""verify_chain finds any edit, gap, reordering or truncation of the raw log."""

from pathlib import Path

import pytest

from adapters.evidence import verify_chain
from adapters.evidence.chain import INDEX_NAME
from tests.adapters.evidence.helpers import call, lines, make_sink

SHARD_1 = "m_execution_raw_part_0001.jsonl"
SHARD_2 = "m_execution_raw_part_0002.jsonl"


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """Nine records in three shards of three, closed cleanly."""
    with make_sink(tmp_path, shard_bytes=3 * 700) as sink:
        for n in range(9):
            sink.record_call(call(n))
    assert [len(lines(p)) for p in sorted(tmp_path.glob("*part*"))] == [3, 3, 3]
    return tmp_path


def _rewrite(path: Path, edit: "list[bytes]") -> None:
    path.write_bytes(b"".join(line + b"\n" for line in edit))


def test_an_untouched_run_verifies(run: Path) -> None:
    report = verify_chain(run)
    assert report.ok and report.records == 9 and report.index_found
    assert report.shards == (SHARD_1, SHARD_2, "m_execution_raw_part_0003.jsonl")
    assert report.unindexed_records == 0
    assert str(report) == ("9 record(s) in 3 shard(s); chain intact; "
                           "index found, 0 record(s) after it")


def test_an_edited_byte_breaks_the_chain_at_the_next_record(run: Path) -> None:
    raw = lines(run / SHARD_1)
    raw[1] = raw[1].replace(b"pxpr0001", b"pxpr0009")
    _rewrite(run / SHARD_1, raw)
    report = verify_chain(run)
    assert not report.ok and report.first_break is not None
    assert (report.first_break.shard, report.first_break.line) == (SHARD_1, 3)
    assert "prev_hash" in report.first_break.reason and "seq 1" in report.first_break.reason
    assert f"chain broken at {SHARD_1} line 3 (expected seq 2)" in str(report)


def test_an_edit_to_a_shards_last_record_is_caught_by_the_next_shard(run: Path) -> None:
    raw = lines(run / SHARD_1)
    raw[2] = raw[2].replace(b'"outcome":"ok"', b'"outcome":"no"')
    _rewrite(run / SHARD_1, raw)
    found = verify_chain(run).first_break
    assert found is not None and (found.shard, found.line, found.seq) == (SHARD_2, 1, 3)


def test_a_deleted_line_is_a_gap_in_seq(run: Path) -> None:
    raw = lines(run / SHARD_2)
    del raw[1]
    _rewrite(run / SHARD_2, raw)
    found = verify_chain(run).first_break
    assert found is not None and (found.shard, found.line, found.seq) == (SHARD_2, 2, 4)
    assert "seq is 5" in found.reason


def test_two_swapped_lines_are_out_of_order(run: Path) -> None:
    raw = lines(run / SHARD_2)
    raw[0], raw[1] = raw[1], raw[0]
    _rewrite(run / SHARD_2, raw)
    found = verify_chain(run).first_break
    assert found is not None and (found.shard, found.line) == (SHARD_2, 1)


def test_an_edit_to_the_very_last_record_is_caught_by_the_index(run: Path) -> None:
    last = run / "m_execution_raw_part_0003.jsonl"
    raw = lines(last)
    raw[-1] = raw[-1].replace(b'"status":200', b'"status":500')
    _rewrite(last, raw)
    found = verify_chain(run).first_break
    assert found is not None and "differs from the index" in found.reason


def test_dropping_the_last_record_is_caught_by_the_index(run: Path) -> None:
    last = run / "m_execution_raw_part_0003.jsonl"
    _rewrite(last, lines(last)[:-1])
    found = verify_chain(run).first_break
    assert found is not None and "removed from the end" in found.reason


def test_a_missing_shard_is_reported(run: Path) -> None:
    (run / SHARD_2).unlink()
    found = verify_chain(run).first_break
    assert found is not None and (found.shard, found.reason) == (SHARD_2, "shard file missing")


def test_a_torn_last_line_is_reported(run: Path) -> None:
    last = run / "m_execution_raw_part_0003.jsonl"
    last.write_bytes(last.read_bytes()[:-40])
    found = verify_chain(run).first_break
    assert found is not None and "torn" in found.reason


def test_a_damaged_index_is_reported_not_raised(run: Path) -> None:
    (run / INDEX_NAME).write_text("{not json")
    found = verify_chain(run).first_break
    assert found is not None and found.shard == INDEX_NAME


def test_records_written_after_the_last_index_are_counted_not_failed(tmp_path: Path) -> None:
    # what a crash after a flush leaves: shards ahead of the index, chain still whole
    sink = make_sink(tmp_path)
    sink.record_call(call(0))
    sink.flush()
    sink.record_call(call(1))
    sink.record_call(call(2))
    report = verify_chain(tmp_path)
    assert report.ok and report.records == 3 and report.unindexed_records == 2
    sink.close()
    assert verify_chain(tmp_path).unindexed_records == 0


def test_a_run_without_records_verifies_empty(tmp_path: Path) -> None:
    with make_sink(tmp_path):
        pass
    report = verify_chain(tmp_path)
    assert report.ok and report.records == 0 and report.shards == ()
