"""Status reads the exchange and the store and changes nothing."""

import asyncio

from application.status import Status, StatusCommand
from tests.unit.application.position_world import SYMBOL, opened


def test_status_shows_the_position_its_stop_and_the_gate() -> None:
    exchange, store = opened()
    orders, algos = dict(exchange.orders), dict(exchange.algos)
    report = asyncio.run(Status(exchange, store, exchange.clock).execute(
        StatusCommand(("ETH-USDT-SWAP",))))
    rows = {r.symbol: r for r in report.symbols}
    btc = rows[SYMBOL]
    assert btc.exchange_side == "LONG" and str(btc.exchange_qty) == "0.10"
    assert btc.stage == "PRE_TP1" and btc.stop_confirmed
    assert not btc.may_open and "position is open" in btc.locks
    assert [s.client_algo_id for s in btc.stops] == ["pxSLop100"]
    assert rows["ETH-USDT-SWAP"].exchange_side == "NONE" and rows["ETH-USDT-SWAP"].may_open
    assert exchange.orders == orders and exchange.algos == algos
