"""`prometheus-exec verify RUN_DIR`: the hash chain of the raw evidence and SHA256SUMS.txt."""

from pathlib import Path
from typing import Any

from adapters.evidence import check_sums, verify_chain


def verify_run(run_dir: Path) -> tuple[int, dict[str, Any], str]:
    chain = verify_chain(run_dir)
    count, problems = check_sums(run_dir)
    code = 0 if chain.ok and not problems else 1
    payload = {"command": "verify", "run_dir": str(run_dir), "chain_ok": chain.ok,
               "records": chain.records, "chain": str(chain), "files_listed": count,
               "sum_problems": problems, "exit_code": code}
    human = "\n".join([f"evidence chain: {chain}",
                       f"SHA256SUMS.txt: {count} files, "
                       f"{len(problems)} problem(s)", *[f"  {p}" for p in problems]])
    return code, payload, human
