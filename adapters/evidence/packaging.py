"""Delivery packaging (seed 000 §1.1, §5.2 step 8): FILELIST.ls.txt and SHA256SUMS.txt.

FILELIST.ls.txt lists every file with its size ("<bytes>\\t<path>", sorted by path) after one
'#' header line with the contract version and labels. SHA256SUMS.txt is exactly what
`sha256sum` prints, so `sha256sum -c SHA256SUMS.txt` in the run directory checks the package;
it covers every file, FILELIST.ls.txt included, except itself.

A package is sealed or absent, never stale: SHA256SUMS.txt is removed before anything in the run
changes after a package (and before a package is rewritten), so a process killed at any moment
leaves either a package that covers exactly the files present or no SHA256SUMS.txt at all.
"""

import hashlib
import re
from pathlib import Path

from adapters.state.atomic import Fsync, atomic_write_bytes, fsync_dir
from ports.evidence import PackagedFile, PackageManifest

FILELIST_NAME = "FILELIST.ls.txt"
SUMS_NAME = "SHA256SUMS.txt"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def run_files(run_dir: Path) -> list[str]:
    """Every regular file under run_dir except the two package files, as sorted relative paths."""
    found = [p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*")
             if p.is_file() and not p.is_symlink()]
    return sorted(f for f in found if f not in (FILELIST_NAME, SUMS_NAME))


def package_run(run_dir: Path, header: str, fsync: Fsync) -> PackageManifest:
    """Write FILELIST.ls.txt, then SHA256SUMS.txt over everything; return what was packaged."""
    unseal(run_dir, fsync)
    names = run_files(run_dir)
    sizes = {name: (run_dir / name).stat().st_size for name in names}
    listing = f"# {header}\n" + "".join(f"{sizes[n]}\t{_escape(n)}\n" for n in names)
    atomic_write_bytes(run_dir / FILELIST_NAME, listing.encode("utf-8"), fsync=fsync)
    summed = sorted([*names, FILELIST_NAME])
    digests = {name: sha256_of(run_dir / name) for name in summed}
    sums = "".join(_sum_line(digests[n], n) for n in summed)
    atomic_write_bytes(run_dir / SUMS_NAME, sums.encode("utf-8"), fsync=fsync)
    files = [PackagedFile(n, digests[n], (run_dir / n).stat().st_size) for n in summed]
    files.append(PackagedFile(SUMS_NAME, sha256_of(run_dir / SUMS_NAME),
                              (run_dir / SUMS_NAME).stat().st_size))
    return PackageManifest(run_dir, tuple(sorted(files, key=lambda f: f.path)))


def unseal(run_dir: Path, fsync: Fsync) -> None:
    """Remove the package (SHA256SUMS.txt first) before the run's files change."""
    removed = False
    for name in (SUMS_NAME, FILELIST_NAME):
        try:
            (run_dir / name).unlink()
            removed = True
        except FileNotFoundError:
            pass
    if removed:
        fsync_dir(run_dir, fsync)


def check_sums(run_dir: Path) -> tuple[int, list[str]]:
    """What `sha256sum -c SHA256SUMS.txt` checks: (files listed, problems found)."""
    if not (run_dir / SUMS_NAME).is_file():
        return 0, [f"{SUMS_NAME} is missing"]
    listed, bad_lines = read_sums(run_dir)
    problems = [f"{SUMS_NAME} line {n}: {why}" for n, why in bad_lines]
    for name, (digest, _) in listed.items():
        path = run_dir / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256_of(path) != digest:
            problems.append(f"{name}: sha256 differs")
    return len(listed) + len(bad_lines), problems


def read_sums(run_dir: Path) -> tuple[dict[str, tuple[str, int]], list[tuple[int, str]]]:
    """SHA256SUMS.txt as {path: (digest, line number)}, and (line number, problem) for lines
    that are not sha256sum's format or name a path twice."""
    listed: dict[str, tuple[str, int]] = {}
    bad: list[tuple[int, str]] = []
    text = (run_dir / SUMS_NAME).read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        escaped = line.startswith("\\")
        digest, sep, name = line.removeprefix("\\").partition("  ")
        if escaped:
            name = _unescape(name)
        if not sep or not _HEX64.fullmatch(digest) or not name:
            bad.append((number, "not a sha256sum line"))
        elif name in listed:
            bad.append((number, f"{name} is listed twice"))
        else:
            listed[name] = (digest, number)
    return listed, bad


def read_filelist(run_dir: Path) -> tuple[dict[str, tuple[int, int]], list[tuple[int, str]]]:
    """FILELIST.ls.txt as {path: (size, line number)}, and (line number, problem) for
    malformed lines."""
    listed: dict[str, tuple[int, int]] = {}
    bad: list[tuple[int, str]] = []
    text = (run_dir / FILELIST_NAME).read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        bad.append((1, "the '# ' header line is missing"))
    for number, line in enumerate(lines[1:], start=2):
        size, sep, name = line.partition("\t")
        name = _unescape(name)
        if not sep or not size.isdigit() or not name:
            bad.append((number, "not a '<bytes>\\t<path>' line"))
        elif name in listed:
            bad.append((number, f"{name} is listed twice"))
        else:
            listed[name] = (int(size), number)
    return listed, bad


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(name: str) -> str:
    out, chars = [], iter(name)
    for c in chars:
        if c == "\\":
            nxt = next(chars, "")
            out.append({"n": "\n", "r": "\r"}.get(nxt, nxt))
        else:
            out.append(c)
    return "".join(out)


def _sum_line(digest: str, name: str) -> str:
    # sha256sum marks a line whose name needed escaping with a leading backslash
    escaped = _escape(name)
    prefix = "\\" if escaped != name else ""
    return f"{prefix}{digest}  {escaped}\n"
