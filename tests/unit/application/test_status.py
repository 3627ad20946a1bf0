"""Status reads the exchange and the store and changes nothing."""

import asyncio
from decimal import Decimal

from application.status import StatusCommand, StatusReport, SymbolStatus
from tests.fake_venue import FakeExchange
from tests.fakes import InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.position_world import SYMBOL, opened


def test_status_shows_the_position_its_stop_and_the_gate() -> None:
    exchange, store = opened()
    orders, algos = dict(exchange.order_book), dict(exchange.algo_book)
    report = asyncio.run(wiring.status(exchange, store).execute(
        StatusCommand(("ETH-USDT-SWAP",))))
    rows = {r.symbol: r for r in report.symbols}
    btc = rows[SYMBOL]
    assert btc.exchange_side == "LONG" and str(btc.exchange_qty) == "0.10"
    assert btc.stage == "PRE_TP1" and btc.stop_confirmed
    assert not btc.may_open and "position is open" in btc.locks
    assert [s.client_algo_id for s in btc.stops] == ["pxSLop100"]
    assert rows["ETH-USDT-SWAP"].exchange_side == "NONE" and rows["ETH-USDT-SWAP"].may_open
    assert exchange.order_book == orders and exchange.algo_book == algos


def status_of(exchange: FakeExchange, store: InMemoryStateStore
              ) -> tuple[StatusReport, SymbolStatus]:
    report = asyncio.run(wiring.status(exchange, store).execute(StatusCommand()))
    return report, {r.symbol: r for r in report.symbols}[SYMBOL]


def test_a_protected_position_needs_no_attention() -> None:
    exchange, store = opened()
    report, row = status_of(exchange, store)
    assert row.protection_gap == "" and not report.needs_attention


def test_a_position_whose_stop_is_gone_is_reported_unprotected() -> None:
    # issue 8: `status` showed "stops none" with exit 0
    exchange, store = opened()
    exchange.algo_book.clear()
    report, row = status_of(exchange, store)
    assert row.protection_gap == "LONG 0.10 has no stop" and report.needs_attention


def test_a_stop_smaller_than_the_position_is_reported() -> None:
    exchange, store = opened()
    side, qty, entry = exchange.positions[SYMBOL]
    exchange.positions[SYMBOL] = (side, qty + Decimal("0.05"), entry)
    report, row = status_of(exchange, store)
    assert "covers 0.10 of 0.15" in row.protection_gap and report.needs_attention
