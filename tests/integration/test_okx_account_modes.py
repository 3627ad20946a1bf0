"""The OKX adapter's margin_used against the simulator in each OKX account mode: the figure is
read where OKX puts it (per currency in futures mode, account-wide in the pooled modes)."""

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from ports.exchange import ExchangeAdapter
from simulator.core.state import CoreConfig
from simulator.embedded import EmbeddedSimulator
from tests.integration.conftest import BTC, KEY, PASSPHRASE, SECRET, adapter

D = Decimal


@pytest.fixture(params=["2", "3", "4"])
def mode_sim(request: pytest.FixtureRequest) -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(api_key=KEY, secret=SECRET, passphrase=PASSPHRASE, mode="demo",
                           rate_limits=False, price_walk=False,
                           core_config=CoreConfig(acct_lv=request.param)) as sim:
        sim.set_price(BTC, D("30000"))
        yield sim


def test_margin_used_is_position_margin_plus_order_margin_in_every_mode(
        mode_sim: EmbeddedSimulator) -> None:
    mode_sim.core.place_orders([
        {"instId": BTC, "tdMode": "cross", "side": "buy", "ordType": "market", "sz": "2"},
        {"instId": BTC, "tdMode": "cross", "side": "buy", "ordType": "limit", "px": "20000",
         "sz": "1"}])
    details: Any = mode_sim.core.balance({"ccy": "USDT"})[0]["details"]
    frozen = D(details[0]["ordFrozen"])

    async def read(ex: ExchangeAdapter) -> Decimal:
        return (await ex.get_balances()).margin_used

    async def scenario() -> Decimal:
        async with adapter(mode_sim) as exchange:
            return await read(exchange)

    used = asyncio.run(scenario())
    assert frozen > 0
    assert used == D("0.02") * D("30000") / 10 + frozen
