"""`prometheus-exec verify RUN_DIR`: the hash chain of the raw evidence and SHA256SUMS.txt."""

import hashlib
from pathlib import Path
from typing import Any

from adapters.evidence import verify_chain


def _sums(run_dir: Path) -> tuple[int, list[str]]:
    listed = run_dir / "SHA256SUMS.txt"
    if not listed.exists():
        return 0, ["SHA256SUMS.txt is missing"]
    problems, count = [], 0
    for line in listed.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        count += 1
        path = run_dir / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: sha256 differs")
    return count, problems


def verify_run(run_dir: Path) -> tuple[int, dict[str, Any], str]:
    chain = verify_chain(run_dir)
    count, problems = _sums(run_dir)
    code = 0 if chain.ok and not problems else 1
    payload = {"command": "verify", "run_dir": str(run_dir), "chain_ok": chain.ok,
               "records": chain.records, "chain": str(chain), "files_listed": count,
               "sum_problems": problems, "exit_code": code}
    human = "\n".join([f"evidence chain: {chain}",
                       f"SHA256SUMS.txt: {count} files, "
                       f"{len(problems)} problem(s)", *[f"  {p}" for p in problems]])
    return code, payload, human
