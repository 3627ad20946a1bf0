"""Group commit: fsync is batched in the background, forced by flush, and never fails quietly."""

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from adapters.evidence import EvidenceWriteError
from adapters.evidence.group_commit import AppendFile
from ports.evidence import SeedDocument
from tests.adapters.evidence.helpers import call, make_sink


class CountingFsync:
    """Counts fsyncs of regular files (directory fsyncs are atomic-write plumbing)."""

    def __init__(self, fail_files: bool = False) -> None:
        self.file_syncs = 0
        self.fail_files = fail_files
        self.synced = threading.Event()
        self.failed = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, fd: int) -> None:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        if self.fail_files:
            self.failed.set()
            raise OSError(5, "Input/output error")
        with self._lock:
            self.file_syncs += 1
        self.synced.set()


def test_a_burst_of_records_costs_far_fewer_fsyncs_than_records(tmp_path: Path) -> None:
    fsync = CountingFsync()
    sink = make_sink(tmp_path, fsync=fsync, fsync_interval_s=0.05)
    start = time.monotonic()
    for n in range(300):
        sink.record_call(call(n))
    elapsed = time.monotonic() - start
    assert fsync.synced.wait(timeout=5.0)  # the background thread syncs without being asked
    background = fsync.file_syncs
    sink.close()
    # at most one background pass per interval (the first may come at once)
    assert 1 <= background <= elapsed / 0.05 + 2
    assert background < 300


def test_flush_fsyncs_before_it_returns(tmp_path: Path) -> None:
    fsync = CountingFsync()
    sink = make_sink(tmp_path, fsync=fsync, fsync_interval_s=3600.0)
    sink.record_call(call(0))
    sink.append_document(SeedDocument.PROBE_EXECUTION, {"call": "x"})
    before = fsync.file_syncs
    sink.flush()
    # the shard and the appended file, plus the index written atomically
    assert fsync.file_syncs - before >= 3
    sink.close()


def test_a_failed_background_fsync_is_raised_to_the_next_writer(tmp_path: Path) -> None:
    fsync = CountingFsync()
    sink = make_sink(tmp_path, fsync=fsync, fsync_interval_s=0.0)
    sink.record_call(call(0))
    fsync.fail_files = True
    sink.record_call(call(1))
    assert fsync.failed.wait(timeout=5.0)
    written = 2
    with pytest.raises(EvidenceWriteError, match="fsync failed"):
        for n in range(2, 1000):  # the error is stored a moment after fsync raises
            sink.record_call(call(n))
            written += 1
            time.sleep(0.001)
    with pytest.raises(EvidenceWriteError):
        sink.append_document(SeedDocument.PROBE_EXECUTION, {})
    with pytest.raises(OSError):
        sink.close()
    assert len((tmp_path / "m_execution_raw_part_0001.jsonl").read_bytes().splitlines()) == written


def test_close_after_a_failed_fsync_still_releases_files_and_thread(tmp_path: Path) -> None:
    fsync = CountingFsync()
    sink = make_sink(tmp_path, fsync=fsync, fsync_interval_s=3600.0)
    sink.record_call(call(0))
    sink.append_document(SeedDocument.PROBE_EXECUTION, {"call": "x"})
    fsync.fail_files = True
    before = threading.active_count()
    with pytest.raises(OSError):
        sink.close()
    assert threading.active_count() == before - 1  # the evidence-fsync thread has ended


def test_a_write_after_a_background_pass_is_fsynced_by_a_later_pass(tmp_path: Path) -> None:
    """Each write is followed by an fsync of its file: a file still waiting in the batch is
    not queued again, one whose batch was already taken is."""
    fsync = CountingFsync()
    sink = make_sink(tmp_path, fsync=fsync, fsync_interval_s=0.0)
    for n in range(3):
        fsync.synced.clear()
        sink.record_call(call(n))
        assert fsync.synced.wait(timeout=5.0)  # no flush, no close: the thread's own pass
    assert fsync.file_syncs >= 3
    sink.close()


class ShortWrites:
    """A file object that takes at most `most` bytes a call (or none at all)."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.data = b""

    def write(self, data: bytes | memoryview) -> int:
        taken = bytes(data[:self.most])
        self.data += taken
        return len(taken)


def test_a_short_write_is_continued_and_a_refused_one_raises(tmp_path: Path) -> None:
    appended = AppendFile(tmp_path / "shard", os.fsync)
    appended.close()
    short = ShortWrites(3)
    appended._io = short  # type: ignore[assignment]
    appended.append(b"0123456789\n")
    assert (short.data, appended.size) == (b"0123456789\n", 11)
    short.most = 0
    with pytest.raises(EvidenceWriteError):
        appended.append(b"more\n")
    assert appended.size == 11
