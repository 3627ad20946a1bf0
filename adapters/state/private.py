"""Who may change a state file: only the user running the engine."""

import os
import stat
from pathlib import Path

from adapters.state.errors import StateStoreInsecure

_ROOT_UID = 0


def refuse_shared(path: Path, *, directory: bool = False) -> None:
    """Raise StateStoreInsecure if another user could write path (absent paths pass)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    me = os.getuid()
    # root-owned directories (/, /var, /tmp) are where everyone's files live
    if info.st_uid != me and not (directory and info.st_uid == _ROOT_UID):
        raise StateStoreInsecure(path, f"is owned by uid {info.st_uid}, not by this user "
                                       f"(uid {me})")
    writable = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    # a sticky directory (like /tmp) lets nobody else rename or delete our files
    if writable and not (directory and info.st_mode & stat.S_ISVTX):
        who = "group and others" if writable == stat.S_IWGRP | stat.S_IWOTH else \
            "its group" if writable == stat.S_IWGRP else "others"
        raise StateStoreInsecure(path, f"is writable by {who} "
                                       f"(mode {stat.S_IMODE(info.st_mode):04o})")
