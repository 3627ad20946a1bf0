"""The CLI as a user runs it, against a simulator the test owns (venue okx-demo), so the test
can read the exchange's request journal afterwards."""

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from typer.testing import CliRunner

from entrypoints.cli import app
from simulator.embedded import EmbeddedSimulator
from tests.cli.tamper_proxy import Tamper, tamper_proxy

KEY, SECRET, PASSPHRASE = "cli-key-0001", "cli-secret-00000000001", "cli-Pass-01"
SYMBOL = "BTC-USDT-SWAP"
PRICE = Decimal("30000")
# variables a developer's shell might carry into the test: the runner clears them
CLEARED = ("PROMETHEUS_CONFIG", "PROMETHEUS_VENUE", "OKX_CREDENTIALS_FILE", "OKX_API_KEY",
           "OKX_API_SECRET", "OKX_API_PASSPHRASE", "OKX_REST_URL", "OKX_WS_URL",
           "PROMETHEUS_TRACEBACK")


@attrs.frozen
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def payload(self) -> dict[str, Any]:
        """The one JSON object the command printed (JSON values: Any, checked by each test)."""
        lines = self.stdout.strip().splitlines()
        assert len(lines) == 1, f"--json printed {len(lines)} lines: {self.stdout!r}"
        loaded = json.loads(lines[0])
        assert isinstance(loaded, dict)
        return loaded


@attrs.frozen
class Exchange:
    sim: EmbeddedSimulator
    url: str
    tamper: Tamper

    def env(self) -> dict[str, str | None]:
        """What an operator exports to use this simulator as venue okx-demo."""
        return {**dict.fromkeys(CLEARED), "OKX_API_KEY": KEY, "OKX_API_SECRET": SECRET,
                "OKX_API_PASSPHRASE": PASSPHRASE, "OKX_REST_URL": self.url,
                "OKX_WS_URL": self.sim.ws_url, "PROMETHEUS_VENUE": "okx-demo"}

    def fresh(self) -> None:
        self.tamper.clear()
        self.sim.reset()
        self.sim.set_price(SYMBOL, PRICE)

    def requests(self) -> list[dict[str, object]]:
        return self.sim.requests()

    def writes(self) -> list[str]:
        return [str(r["path"]) for r in self.requests() if r["method"] == "POST"]


@pytest.fixture(scope="module")
def exchange() -> Iterator[Exchange]:
    with EmbeddedSimulator(api_key=KEY, secret=SECRET, passphrase=PASSPHRASE, mode="demo",
                           seed=7, price_walk=False) as sim, \
            tamper_proxy(sim.rest_url) as (url, tamper):
        yield Exchange(sim, url, tamper)


def run_cli(args: list[str], env: Mapping[str, str | None]) -> Ran:
    result = CliRunner().invoke(app, args, env=env)
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each case runs in its own directory, so runs/ and state/ start empty."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
