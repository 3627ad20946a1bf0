"""Group commit for append-only files: writes reach the OS at once, fsync follows in batches.

A background thread fsyncs every file written since its last pass, at most once per interval,
so a burst of records costs one fsync instead of one each, and at most one interval of records
is exposed to a power cut (a process crash loses nothing: the OS already has the bytes).
"""

import os
import threading
import time
from pathlib import Path

from adapters.state.atomic import OWNER_ONLY_FILE, Fsync, fsync_dir


class EvidenceWriteError(OSError):
    """An evidence file could not be written or made durable; the run's evidence is incomplete."""


class AppendFile:
    """One append-only file opened without user-space buffering."""

    def __init__(self, path: Path, fsync: Fsync) -> None:
        created = not path.exists()
        self.path = path
        # owner-only like the state files: evidence can hold account details
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, OWNER_ONLY_FILE)
        self._io = open(fd, "ab", buffering=0)  # noqa: SIM115 (lives until close())
        self._fsync = fsync
        self.size = self._io.seek(0, os.SEEK_END)
        self.closed = False
        if created:
            fsync_dir(path.parent, fsync)

    def append(self, data: bytes) -> None:
        written = self._io.write(data)
        if written == len(data):  # a regular file takes it all at once, but for a full disk
            self.size += written
            return
        if not written:
            raise EvidenceWriteError(f"could not append to {self.path}")
        view = memoryview(data)[written:]
        while view:
            written = self._io.write(view)
            if not written:
                raise EvidenceWriteError(f"could not append to {self.path}")
            view = view[written:]
        self.size += len(data)

    def sync(self) -> None:
        if not self.closed:
            self._fsync(self._io.fileno())

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._io.close()


class GroupCommit:
    """The fsync thread. Lock order: callers holding their own write lock may enter sync_all()
    and retire(); the thread itself never waits on a caller's lock."""

    def __init__(self, interval_s: float) -> None:
        self._interval = interval_s
        self._cond = threading.Condition()
        self._pending: dict[int, AppendFile] = {}
        self._sync_lock = threading.Lock()  # no file is closed while being fsynced
        self._stopping = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="evidence-fsync", daemon=True)
        self._thread.start()

    def mark_dirty(self, file: AppendFile) -> None:
        # already in the coming batch: that batch is taken (and fsynced) after this check,
        # so after the write that came before it
        if id(file) in self._pending:
            return
        with self._cond:
            wake = not self._pending  # the thread only sleeps on an empty batch or a deadline
            self._pending[id(file)] = file
            if wake:
                self._cond.notify()

    def sync_all(self, files: list[AppendFile]) -> None:
        """fsync the given files now, plus anything still pending."""
        with self._cond:
            batch = list(self._pending.values())
            self._pending.clear()
        self._sync(batch + files)
        self.raise_if_failed()

    def retire(self, file: AppendFile) -> None:
        """fsync and close a file that will get no more writes."""
        with self._sync_lock:
            try:
                file.sync()
            finally:
                file.close()
        with self._cond:
            self._pending.pop(id(file), None)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self._thread.join()
        self.raise_if_failed()

    def raise_if_failed(self) -> None:
        if self._error is not None:
            raise EvidenceWriteError(f"evidence fsync failed: {self._error}") from self._error

    def _run(self) -> None:
        last = time.monotonic() - self._interval
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if not self._pending:
                    return
                deadline = last + self._interval
                while not self._stopping and (delay := deadline - time.monotonic()) > 0:
                    self._cond.wait(delay)  # later writes join this batch
                batch = list(self._pending.values())
                self._pending.clear()
            self._sync(batch)
            last = time.monotonic()

    def _sync(self, files: list[AppendFile]) -> None:
        with self._sync_lock:
            for file in {id(f): f for f in files}.values():
                try:
                    file.sync()
                except OSError as exc:
                    # kept, and raised to the next writer: lost durability must not be silent
                    self._error = exc
