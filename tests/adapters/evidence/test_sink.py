"""FileEvidenceSink: raw records, seed documents, labels, lifecycle."""

import enum
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.evidence import EvidenceSinkClosed, FileEvidenceSink, verify_chain
from adapters.evidence.chain import GENESIS_HASH, line_hash
from domain.evidence import EvidenceRef
from ports.evidence import SeedDocument
from tests.adapters.evidence.helpers import call, lines, make_sink
from tests.fakes import FakeClock

SHARD_1 = "m_execution_raw_part_0001.jsonl"


def test_a_raw_record_holds_every_field_and_points_back_to_its_line(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        ref = sink.record_call(call(7, note="first"))
    assert ref == EvidenceRef(SHARD_1, 0)
    record = json.loads(lines(tmp_path / SHARD_1)[0])
    assert record == {
        "seq": 0, "prev_hash": GENESIS_HASH, "contract_version": "1", "labels": {"probe": True},
        "kind": "http", "endpoint": "GET /api/v5/trade/order", "wall_ms": 1_763_780_000_007,
        "wall_iso": "2025-11-22T02:53:20.007Z", "mono_s": 1007.25, "clock_offset_ms": -12,
        "request": {"method": "GET", "path": "/api/v5/trade/order",
                    "query": {"instId": "BTC-USDT-SWAP", "clOrdId": "pxpr0007"},
                    "headers": {"OK-ACCESS-TIMESTAMP": "2025-11-22T02:53:20.000Z"}, "body": ""},
        "response": {"status": 200, "body": {"code": "0", "msg": "", "data": [{"state": "live"}]}},
        "outcome": "ok", "extra": {"note": "first"}}


def test_each_record_chains_to_the_exact_bytes_of_the_one_before(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        refs = [sink.record_call(call(n)) for n in range(3)]
    assert [r.seq for r in refs] == [0, 1, 2]
    raw = lines(tmp_path / SHARD_1)
    assert json.loads(raw[1])["prev_hash"] == line_hash(raw[0])
    assert json.loads(raw[2])["prev_hash"] == line_hash(raw[1])


def test_shards_rotate_by_size_and_seq_runs_on_across_them(tmp_path: Path) -> None:
    size = len(_one_line(tmp_path / "probe")) + 1
    with make_sink(tmp_path / "run", shard_bytes=2 * size) as sink:
        refs = [sink.record_call(call(n)) for n in range(5)]
    assert [(r.path[-10:], r.seq) for r in refs] == [
        ("0001.jsonl", 0), ("0001.jsonl", 1), ("0002.jsonl", 2), ("0002.jsonl", 3),
        ("0003.jsonl", 4)]
    index = json.loads((tmp_path / "run" / "m_execution_raw_index.json").read_text())
    assert [(s["name"][-10:], s["first_seq"], s["last_seq"], s["records"])
            for s in index["shards"]] == [("0001.jsonl", 0, 1, 2), ("0002.jsonl", 2, 3, 2),
                                          ("0003.jsonl", 4, 4, 1)]
    assert index["last_hash"] == verify_chain(tmp_path / "run").last_hash
    assert index["labels"] == {"probe": True} and index["contract_version"] == "1"


def test_a_record_larger_than_a_shard_gets_a_shard_of_its_own(tmp_path: Path) -> None:
    with make_sink(tmp_path, shard_bytes=64) as sink:
        refs = [sink.record_call(call(n)) for n in range(2)]
    assert [r.path for r in refs] == [SHARD_1, "m_execution_raw_part_0002.jsonl"]
    assert verify_chain(tmp_path).ok


def test_records_reach_the_os_before_any_flush(tmp_path: Path) -> None:
    sink = make_sink(tmp_path, fsync_interval_s=60.0)
    sink.record_call(call(0))
    sink.append_document(SeedDocument.PROBE_EXECUTION, {"call": "submit_order"})
    assert len(lines(tmp_path / SHARD_1)) == 1
    assert len(lines(tmp_path / "probe_execution.jsonl")) == 1
    sink.close()


def test_the_run_labels_are_on_every_line_of_every_json_file(tmp_path: Path) -> None:
    with make_sink(tmp_path, labels={"probe": True, "run": "gate4"}, shard_bytes=600) as sink:
        for n in range(4):
            sink.record_call(call(n))
        sink.write_document(SeedDocument.PUBLIC_INSTRUMENTS_PROBE, {"ok": True})
        sink.append_document(SeedDocument.ORDER_STATUS_SAMPLES, {"state": "live"})
        sink.append_document(SeedDocument.PROBE_EXECUTION, {"call": "cancel_order"})
        sink.write_text(SeedDocument.PROBE_REPORT, "# report")
        sink.package()
    labelled = 0
    for path in tmp_path.glob("*.json*"):
        docs = ([json.loads(path.read_text())] if path.suffix == ".json" and
                "samples" not in path.name else [json.loads(x) for x in lines(path)])
        for doc in docs:
            assert doc["labels"] == {"probe": True, "run": "gate4"}, path.name
            assert doc["contract_version"] == "1", path.name
            labelled += 1
    assert labelled == 4 + 1 + 1 + 1 + 1  # records, document, two appends, index
    labels = '{"probe": true, "run": "gate4"}'
    assert labels in (tmp_path / "OKX_PROBE_MINIMAL_EVIDENCE_REPORT.md").read_text()
    assert labels in (tmp_path / "FILELIST.ls.txt").read_text().splitlines()[0]


def test_a_document_is_replaced_whole_and_leaves_no_temp_file(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        first = sink.write_document(SeedDocument.ACCOUNT_CONFIG_SNAPSHOT, {"posMode": "x"})
        sink.write_document(SeedDocument.ACCOUNT_CONFIG_SNAPSHOT, {"posMode": "net_mode"})
    assert first == EvidenceRef("account_config_snapshot.json", 0)
    doc = json.loads((tmp_path / "account_config_snapshot.json").read_text())
    assert doc == {"contract_version": "1", "labels": {"probe": True}, "posMode": "net_mode"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "FILELIST.ls.txt", "SHA256SUMS.txt", "account_config_snapshot.json",
        "m_execution_raw_index.json"]


def test_appended_documents_are_json_lines_numbered_from_zero(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        refs = [sink.append_document(SeedDocument.ORDER_STATUS_SAMPLES, {"state": s})
                for s in ("live", "canceled")]
    assert refs == [EvidenceRef("order_status_samples.json", 0),
                    EvidenceRef("order_status_samples.json", 1)]
    rows = [json.loads(x) for x in lines(tmp_path / "order_status_samples.json")]
    assert [r["state"] for r in rows] == ["live", "canceled"]


class _Color(enum.Enum):
    RED = "red"


def test_decimals_enums_and_non_finite_floats_are_written_not_lost(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        sink.record_call(call(0, px=Decimal("30000.10"), side=_Color.RED, pf=float("inf"),
                              raw=b'{"code":"0"}', pair=("a", 1)))
    extra = json.loads(lines(tmp_path / SHARD_1)[0])["extra"]
    assert extra == {"px": "30000.10", "side": "red", "pf": "inf", "raw": '{"code":"0"}',
                     "pair": ["a", 1]}


@pytest.mark.parametrize(("method", "name", "doc"), [
    ("write_document", SeedDocument.ORDER_STATUS_SAMPLES, {}),
    ("write_document", SeedDocument.PROBE_REPORT, {}),
    ("append_document", SeedDocument.PUBLIC_TICKER_PROBE, {}),
    ("write_text", SeedDocument.PROBE_EXECUTION, "x"),
    ("write_text", SeedDocument.PUBLIC_TICKER_PROBE, "x"),
    ("write_document", SeedDocument.PUBLIC_TICKER_PROBE, ["not", "an", "object"]),
    ("write_document", SeedDocument.PUBLIC_TICKER_PROBE, {"contract_version": "0"}),
    ("append_document", SeedDocument.PROBE_EXECUTION, {"labels": {"probe": False}}),
])
def test_a_document_of_the_wrong_kind_is_refused(tmp_path: Path, method: str,
                                                 name: SeedDocument, doc: object) -> None:
    with make_sink(tmp_path) as sink, pytest.raises((ValueError, TypeError)):
        getattr(sink, method)(name, doc)
    assert not (tmp_path / name.value).exists()


def test_writes_after_close_raise_and_close_twice_is_harmless(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    sink.record_call(call(0))
    sink.close()
    sink.close()
    sink.flush()
    for write in (lambda: sink.record_call(call(1)),
                  lambda: sink.write_document(SeedDocument.PUBLIC_TICKER_PROBE, {}),
                  lambda: sink.append_document(SeedDocument.PROBE_EXECUTION, {}),
                  lambda: sink.write_text(SeedDocument.PROBE_REPORT, "x"),
                  sink.package):
        with pytest.raises(EvidenceSinkClosed):
            write()
    assert len(lines(tmp_path / SHARD_1)) == 1


def test_a_directory_holding_evidence_is_never_written_into_again(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        sink.record_call(call(0))
    with pytest.raises(FileExistsError, match="already holds evidence"):
        make_sink(tmp_path)
    (tmp_path / "manifest.json").write_text("{}")  # a file the sink does not own is fine
    with pytest.raises(FileExistsError):
        FileEvidenceSink(tmp_path, clock=FakeClock())


def test_threads_writing_at_once_keep_one_unbroken_chain(tmp_path: Path) -> None:
    sink = make_sink(tmp_path, shard_bytes=4096)
    refs: list[EvidenceRef] = []
    guard = threading.Lock()

    def writer(worker: int) -> None:
        for n in range(200):
            ref = sink.record_call(call(n, worker=worker))
            if n % 50 == 0:
                sink.append_document(SeedDocument.PROBE_EXECUTION, {"worker": worker})
                sink.flush()
            with guard:
                refs.append(ref)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sink.close()
    assert sorted(r.seq for r in refs) == list(range(800))
    report = verify_chain(tmp_path)
    assert report.ok and report.records == 800 and len(report.shards) > 10
    assert len(lines(tmp_path / "probe_execution.jsonl")) == 16


def _one_line(run_dir: Path) -> bytes:
    with make_sink(run_dir) as sink:
        sink.record_call(call(0))
    return lines(run_dir / SHARD_1)[0]


@pytest.mark.parametrize("bad", [{"shard_bytes": 0}, {"fsync_interval_s": -1.0},
                                 {"secrets": ["abc"]}])
def test_bad_settings_are_refused_before_anything_starts(tmp_path: Path,
                                                         bad: dict[str, object]) -> None:
    before = threading.active_count()
    with pytest.raises(ValueError):
        make_sink(tmp_path, **bad)
    assert threading.active_count() == before
    assert list(tmp_path.iterdir()) == []


def test_a_flushed_record_is_read_back_and_a_lost_one_is_not(tmp_path: Path) -> None:
    with make_sink(tmp_path) as sink:
        first = sink.record_call(call(1))
        second = sink.record_call(call(2))
        sink.flush()
        assert sink.read_back(first) and sink.read_back(second)
        assert not sink.read_back(EvidenceRef(SHARD_1, second.seq + 1))
        assert not sink.read_back(EvidenceRef("m_execution_raw_part_0009.jsonl", 0))
        # the file cut behind the first record: the second is gone from the disk
        path = tmp_path / SHARD_1
        path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])
        assert sink.read_back(first) and not sink.read_back(second)
