"""Delivery packaging (seed 000 §1.1, §5.2 step 8): FILELIST.ls.txt and SHA256SUMS.txt.

FILELIST.ls.txt lists every file with its size ("<bytes>\\t<path>", sorted by path) after one
'#' header line with the contract version and labels. SHA256SUMS.txt is exactly what
`sha256sum` prints, so `sha256sum -c SHA256SUMS.txt` in the run directory checks the package;
it covers every file, FILELIST.ls.txt included, except itself.
"""

import hashlib
from pathlib import Path

from adapters.state.atomic import Fsync, atomic_write_bytes
from ports.evidence import PackagedFile, PackageManifest

FILELIST_NAME = "FILELIST.ls.txt"
SUMS_NAME = "SHA256SUMS.txt"


def run_files(run_dir: Path) -> list[str]:
    """Every regular file under run_dir except the two package files, as sorted relative paths."""
    found = [p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*")
             if p.is_file() and not p.is_symlink()]
    return sorted(f for f in found if f not in (FILELIST_NAME, SUMS_NAME))


def package_run(run_dir: Path, header: str, fsync: Fsync) -> PackageManifest:
    """Write FILELIST.ls.txt, then SHA256SUMS.txt over everything; return what was packaged."""
    names = run_files(run_dir)
    sizes = {name: (run_dir / name).stat().st_size for name in names}
    listing = f"# {header}\n" + "".join(f"{sizes[n]}\t{_escape(n)}\n" for n in names)
    atomic_write_bytes(run_dir / FILELIST_NAME, listing.encode("utf-8"), fsync=fsync)
    summed = sorted([*names, FILELIST_NAME])
    digests = {name: _sha256(run_dir / name) for name in summed}
    sums = "".join(_sum_line(digests[n], n) for n in summed)
    atomic_write_bytes(run_dir / SUMS_NAME, sums.encode("utf-8"), fsync=fsync)
    files = [PackagedFile(n, digests[n], (run_dir / n).stat().st_size) for n in summed]
    files.append(PackagedFile(SUMS_NAME, _sha256(run_dir / SUMS_NAME),
                              (run_dir / SUMS_NAME).stat().st_size))
    return PackageManifest(run_dir, tuple(sorted(files, key=lambda f: f.path)))


def check_sums(run_dir: Path) -> tuple[int, list[str]]:
    """What `sha256sum -c SHA256SUMS.txt` checks: (files listed, problems found)."""
    listed = run_dir / SUMS_NAME
    if not listed.is_file():
        return 0, [f"{SUMS_NAME} is missing"]
    lines = listed.read_text(encoding="utf-8").splitlines()
    problems = []
    for line in lines:
        escaped = line.startswith("\\")
        digest, _, name = line.removeprefix("\\").partition("  ")
        if escaped:
            name = _unescape(name)
        path = run_dir / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif _sha256(path) != digest:
            problems.append(f"{name}: sha256 differs")
    return len(lines), problems


def _sha256(path: Path) -> str:
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
