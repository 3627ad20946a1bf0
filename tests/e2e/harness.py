"""The real engine (settings → container → OKX adapter) against an embedded simulator that the
test controls, so faults can be injected while the engine runs."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import attrs

from entrypoints.container import Application, build_container, container_config
from entrypoints.lifecycle import run
from entrypoints.settings import Settings, load_settings
from simulator.embedded import EmbeddedSimulator

KEY, SECRET, PASSPHRASE = "e2e-key-0001", "e2e-secret-000000000001", "e2e-Pass-01"
SYMBOL = "BTC-USDT-SWAP"
T = TypeVar("T")


@attrs.define
class World:
    sim: EmbeddedSimulator
    settings: Settings
    tmp: Path

    def container(self, prefix: str = "e2e", labels: dict[str, Any] | None = None
                  ) -> Application:
        return build_container(container_config(self.settings, run_prefix=prefix,
                                                labels=labels or {}))

    def run(self, body: Callable[[Application], Awaitable[T]], *, prefix: str = "e2e",
            labels: dict[str, Any] | None = None, uses_store: bool = True) -> T:
        return run(self.container(prefix, labels), body, uses_store=uses_store)

    def env(self) -> dict[str, str]:
        return env_for(self.sim)

    def orders_with(self, client_order_id: str) -> list[Any]:
        return [o for o in self.sim.core.state.orders.values()
                if o.cl_ord_id == client_order_id]

    def open_algos(self, inst_id: str = SYMBOL) -> list[Any]:
        return list(self.sim.core.state.live_algos[inst_id].values())


@contextmanager
def world(tmp: Path, *, price: str = "30000", **sim_kwargs: Any) -> Iterator[World]:
    sim_kwargs.setdefault("price_walk", False)
    with EmbeddedSimulator(api_key=KEY, secret=SECRET, passphrase=PASSPHRASE, mode="demo",
                           seed=7, **sim_kwargs) as sim:
        sim.set_price(SYMBOL, Decimal(price))
        settings = load_settings(env=env_for(sim), venue="okx-demo", overrides={
            "runs_dir": tmp / "runs", "state_path": tmp / "state" / "state.json"})
        yield World(sim, settings, tmp)


def env_for(sim: EmbeddedSimulator) -> dict[str, str]:
    """What an operator would export to point the engine at this simulator as okx-demo."""
    return {"OKX_API_KEY": KEY, "OKX_API_SECRET": SECRET, "OKX_API_PASSPHRASE": PASSPHRASE,
            "OKX_REST_URL": sim.rest_url, "OKX_WS_URL": sim.ws_url}
