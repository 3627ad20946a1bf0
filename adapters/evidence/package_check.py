"""verify's package checks: SHA256SUMS.txt and FILELIST.ls.txt against the files present, and
the files' modes.

The two lists must cover exactly the files present: a listed file missing, an unlisted file
present, a changed byte or a changed size is broken evidence. A run without SHA256SUMS.txt was
not packaged, which is what a process killed before its end leaves (packaging removes
SHA256SUMS.txt first whenever the run changes, so a package is never stale, only absent).
"""

import stat
from pathlib import Path

import attrs

from adapters.evidence.findings import Finding, broken, crash, warning
from adapters.evidence.packaging import (
    FILELIST_NAME,
    SUMS_NAME,
    read_filelist,
    read_sums,
    sha256_of,
)

CHECK = "package"


@attrs.frozen
class RunFiles:
    """What is in the run directory: regular files (relative paths), directories, and entries
    that are neither (symlinks, sockets, ...)."""

    files: tuple[str, ...]
    directories: tuple[str, ...]
    others: tuple[str, ...]

    @classmethod
    def scan(cls, run_dir: Path) -> "RunFiles":
        files, dirs, others = [], [], []
        for path in run_dir.rglob("*"):
            name = path.relative_to(run_dir).as_posix()
            if path.is_symlink():
                others.append(name)
            elif path.is_dir():
                dirs.append(name)
            elif path.is_file():
                files.append(name)
            else:
                others.append(name)
        return cls(tuple(sorted(files)), tuple(sorted(dirs)), tuple(sorted(others)))


def check_package(run_dir: Path, present: RunFiles) -> tuple[bool, list[Finding]]:
    """(sealed, findings): sealed when SHA256SUMS.txt exists."""
    found = [broken(CHECK, name, "not a regular file (a link or device has no place in a run)")
             for name in present.others]
    if SUMS_NAME not in present.files:
        detail = (f"{FILELIST_NAME} is there, so packaging was cut short" if FILELIST_NAME in
                  present.files else "the process ended before packaging")
        found.append(crash(CHECK, SUMS_NAME, f"absent: the run was not packaged ({detail}); "
                                             "only the hash chain and the documents derived "
                                             "from it are proven"))
        return False, found
    found += _check_sums(run_dir, present)
    found += _check_filelist(run_dir, present)
    return True, found


def _check_sums(run_dir: Path, present: RunFiles) -> list[Finding]:
    listed, bad_lines = read_sums(run_dir)
    found = [broken(CHECK, SUMS_NAME, why, f"line {n}") for n, why in bad_lines]
    for name, (digest, line) in listed.items():
        if name not in present.files:
            found.append(broken(CHECK, SUMS_NAME, f"lists {name}, which is missing",
                                f"line {line}"))
        elif sha256_of(run_dir / name) != digest:
            found.append(broken(CHECK, name, f"content differs from its {SUMS_NAME} line"))
    found += [broken(CHECK, name, f"present but not listed in {SUMS_NAME}")
              for name in present.files if name not in listed and name != SUMS_NAME]
    return found


def _check_filelist(run_dir: Path, present: RunFiles) -> list[Finding]:
    if FILELIST_NAME not in present.files:
        return []  # reported above: SHA256SUMS.txt lists it
    listed, bad_lines = read_filelist(run_dir)
    found = [broken(CHECK, FILELIST_NAME, why, f"line {n}") for n, why in bad_lines]
    for name, (size, line) in listed.items():
        if name not in present.files:
            found.append(broken(CHECK, FILELIST_NAME, f"lists {name}, which is missing",
                                f"line {line}"))
        elif (actual := (run_dir / name).stat().st_size) != size:
            found.append(broken(CHECK, name, f"{actual} bytes, {FILELIST_NAME} says {size}"))
    found += [broken(CHECK, name, f"present but not listed in {FILELIST_NAME}")
              for name in present.files
              if name not in listed and name not in (SUMS_NAME, FILELIST_NAME)]
    return found


def check_modes(run_dir: Path, present: RunFiles) -> list[Finding]:
    """Writable by anyone but the owner is broken (someone else could have changed it);
    readable by others is a warning (the engine writes evidence owner-only)."""
    found: list[Finding] = []
    readable: list[str] = []
    for name in (".", *present.directories, *present.files):
        mode = stat.S_IMODE((run_dir / name).stat().st_mode)
        if mode & (stat.S_IWGRP | stat.S_IWOTH):
            found.append(broken("modes", name, f"writable by group or others (mode {mode:04o})"))
        elif mode & (stat.S_IRWXG | stat.S_IRWXO):
            readable.append(f"{name} {mode:04o}")
    if readable:
        shown = ", ".join(readable[:3]) + (f" and {len(readable) - 3} more"
                                           if len(readable) > 3 else "")
        found.append(warning("modes", ".", f"not owner-only: {shown}; the engine writes "
                                           "evidence 0600 in 0700 directories"))
    return found
