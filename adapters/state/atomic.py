"""Crash-safe file replacement shared by the state store and the evidence sink.

A reader sees either the old file or the new one, never a torn mix: the bytes go to a temp file
in the same directory (same filesystem, so the rename is atomic), the temp file is fsynced before
the rename and the directory after it, so the rename itself survives a power cut.
"""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

Fsync = Callable[[int], None]

# state and evidence are readable and writable by their owner only (mkstemp's 0600 too)
OWNER_ONLY_FILE = 0o600
OWNER_ONLY_DIR = 0o700


def make_private_dirs(directory: Path) -> None:
    """mkdir -p, creating each missing directory owner-only (existing ones are left alone)."""
    missing = []
    for candidate in (directory, *directory.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for path in reversed(missing):
        try:
            path.mkdir(mode=OWNER_ONLY_DIR)
        except FileExistsError:
            continue  # created meanwhile by someone else; its mode is theirs
        path.chmod(OWNER_ONLY_DIR)  # mkdir's mode is masked by the umask


def fsync_dir(directory: Path, fsync: Fsync = os.fsync) -> None:
    """Make a directory's entries (a new or renamed file) durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, fsync: Fsync = os.fsync) -> None:
    """Replace path with data atomically and durably; on error the old file is untouched."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent, fsync)
