"""The two long-lived processes of the crash harness: the simulator and the fork server."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

KEY, SECRET, PASSPHRASE = "crash-key-0001", "crash-secret-000000000001", "Crash-Pass-01"
ROOT = Path(__file__).resolve().parents[2]
_REST = re.compile(r"REST\s+(http://\S+?)/api/v5/")


class SimServer:
    """`prometheus-exec sim serve` in its own process, on a free port. Its clock is virtual, so
    prices move only when the harness moves them (reproducible from the seed)."""

    def __init__(self, seed: int = 7, port: int = 0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "entrypoints", "sim", "serve", "--port", str(port),
             "--api-key", KEY, "--secret", SECRET, "--passphrase", PASSPHRASE,
             "--seed", str(seed), "--virtual-clock", "--no-rate-limits"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.url = self._read_url()

    def _read_url(self) -> str:
        assert self.proc.stdout is not None
        seen = []
        for line in self.proc.stdout:
            seen.append(line)
            found = _REST.search(line)
            if found:
                return found.group(1)
        raise RuntimeError("the simulator did not start:\n" + "".join(seen))

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


class ForkServer:
    """tests/crash/forkserver.py in its own process, driven over JSON lines."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.crash.forkserver"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONHASHSEED": "0"})

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the fork server died (exit {self.proc.wait(10)})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def engine_env(sim: SimServer, config: Path) -> dict[str, str]:
    """What an operator exports to run the engine as okx-demo against this simulator."""
    return {"OKX_API_KEY": KEY, "OKX_API_SECRET": SECRET, "OKX_API_PASSPHRASE": PASSPHRASE,
            "OKX_REST_URL": sim.url, "OKX_WS_URL": sim.ws_url, "PROMETHEUS_VENUE": "okx-demo",
            "PROMETHEUS_CONFIG": str(config), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
