"""`sim serve`: refuses remote hosts unless told, prints URLs and credentials, serves."""

import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from entrypoints.sim_cli import sim_app
from simulator.server import is_loopback
from tests.simulator.binance_http import BinanceHttp
from tests.simulator.okx_http import OkxHttp

ROOT = Path(__file__).resolve().parents[2]


def test_a_non_loopback_host_needs_allow_remote() -> None:
    result = CliRunner().invoke(sim_app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "--allow-remote" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("10.1.2.3") and not is_loopback("example.org")


def test_serve_prints_where_and_what_it_accepts_then_serves() -> None:
    command = [sys.executable, "-c", "from entrypoints.sim_cli import sim_app; sim_app()",
               "serve", "--port", "0", "--api-key", "K1", "--secret", "Sec-ret-1",
               "--passphrase", "P1", "--seed", "3", "--live"]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout is not None
        lines = [child.stdout.readline() for _ in range(8)]
        printed = "".join(lines)
        assert "OKX simulator (live, seed 3)" in printed
        assert "K1" in printed and "P1" in printed and "Sec-ret-1" not in printed
        rest = next(line.split()[1] for line in lines if line.strip().startswith("REST"))
        base = rest.removesuffix("/api/v5/")
        assert _wait_healthy(base)
        client = OkxHttp(base, "K1", "Sec-ret-1", "P1", lambda: int(time.time() * 1000),
                         demo=False)
        assert client.get("account/config").json()["code"] == "0"
        client.demo = True
        assert client.get("account/config").json()["code"] == "50101"
        client.close()
    finally:
        child.terminate()
        child.wait(timeout=10)


def _wait_healthy(base: str) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            return bool(httpx.get(f"{base}/sim/health", timeout=1).json() == {"ok": True})
        except httpx.TransportError:
            time.sleep(0.05)
    return False


def test_bad_choices_exit_2_before_anything_listens() -> None:
    runner = CliRunner()
    for args in (["--port", "70000"], ["--exchange", "kraken"],
                 ["--exchange", "binance", "--passphrase", "p"], ["--ban-after-429s", "3"]):
        result = runner.invoke(sim_app, ["serve", *args])
        assert result.exit_code == 2, args


def test_serve_binance_prints_its_urls_and_signs_like_binance() -> None:
    command = [sys.executable, "-c", "from entrypoints.sim_cli import sim_app; sim_app()",
               "serve", "--exchange", "binance", "--port", "0", "--api-key", "BK1",
               "--secret", "BSecret1", "--ban-after-429s", "5"]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout is not None
        lines = [child.stdout.readline() for _ in range(7)]
        assert "Binance USDⓈ-M simulator" in lines[0] and "BSecret1" not in "".join(lines)
        rest = next(line.split()[1] for line in lines if line.strip().startswith("REST"))
        base = rest.removesuffix("/fapi/")
        assert _wait_healthy(base)
        client = BinanceHttp(base, "BK1", "BSecret1", lambda: int(time.time() * 1000))
        assert client.signed("GET", "/fapi/v3/balance").status_code == 200
        client.close()
    finally:
        child.terminate()
        child.wait(timeout=10)
