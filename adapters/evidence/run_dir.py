"""Run directories: one fresh directory per run, never an existing one."""

import datetime as dt
import functools
import re
from pathlib import Path

from adapters.state.atomic import OWNER_ONLY_DIR, fsync_dir, make_private_dirs
from ports.clock import Clock

_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
MAX_ATTEMPTS = 10_000


def utc_iso_ms(wall_ms: int) -> str:
    """2026-11-22T03:19:00.123Z for a Unix epoch millisecond."""
    seconds, millis = divmod(wall_ms, 1000)
    return f"{_utc_iso_second(seconds)}.{millis:03d}Z"


@functools.lru_cache(maxsize=64)  # records come many to a second: format each second once
def _utc_iso_second(epoch_s: int) -> str:
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=epoch_s)
    return moment.isoformat(timespec="seconds").removesuffix("+00:00")


def new_run_dir(base: Path, clock: Clock, prefix: str) -> Path:
    """Create base/<UTC time>_<prefix>_<n> (e.g. 20261122T031900Z_probe_1) with the first n
    not taken; mkdir's atomic create means two runs started together never share one."""
    if not _PREFIX_RE.match(prefix):
        raise ValueError(f"run prefix {prefix!r}: use 1-40 letters, digits or '-'")
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=clock.now_ms())
    stamp = moment.strftime("%Y%m%dT%H%M%SZ")
    make_private_dirs(base)
    for n in range(1, MAX_ATTEMPTS + 1):
        candidate = base / f"{stamp}_{prefix}_{n}"
        try:
            candidate.mkdir(mode=OWNER_ONLY_DIR)
        except FileExistsError:
            continue
        fsync_dir(base)
        return candidate
    raise FileExistsError(f"{MAX_ATTEMPTS} run directories for {stamp}_{prefix} already exist")
