"""Run every benchmark in turn with its default settings (results go to stdout)."""

import subprocess
import sys

BENCHES = ("sim_throughput", "okx_adapter", "binance_adapter", "protection", "evidence_sink",
           "recovery_scale")


def main() -> int:
    failed = 0
    for name in BENCHES:
        print(f"\n=== bench.{name} ===", flush=True)
        args = [sys.executable, "-m", f"bench.{name}"]
        if name == "okx_adapter":
            args.append("--file-sink")
        failed += subprocess.run(args, check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
