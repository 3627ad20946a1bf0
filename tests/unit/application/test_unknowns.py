"""Unknown outcomes are resolved by lookup, never assumed."""

import asyncio
from decimal import Decimal

from application.unknowns import resolve_order
from domain.orders import OrderIntent, OrdType, Side
from ports.errors import ExchangeUnavailable
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock


def intent(cid: str = "pxENa00") -> OrderIntent:
    return OrderIntent(spec(), Side.BUY, OrdType.LIMIT, Decimal("0.01"), Decimal("100"),
                       False, cid)


def test_a_dropped_order_is_found_by_client_id() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_order", "drop")
    placed = asyncio.run(exchange.orders.submit_order(intent()))
    found = asyncio.run(resolve_order(exchange.orders, exchange.market, exchange.clock,
                                      symbol="BTC-USDT-SWAP",
                                      client_order_id="pxENa00",
                                      exp_time_ms=placed.exp_time_ms))
    assert found.conclusive and found.status is not None and found.lookups == 1


def test_absence_is_final_only_after_the_expiry_deadline() -> None:
    exchange = FakeExchange(FakeClock())
    exp = exchange.clock.now_ms() + 2000
    found = asyncio.run(resolve_order(exchange.orders, exchange.market, exchange.clock,
                                      symbol="BTC-USDT-SWAP",
                                      client_order_id="pxENa00", exp_time_ms=exp))
    assert found.conclusive and found.status is None
    assert exchange.clock.now_ms() >= exp + 1000


def test_without_a_deadline_absence_stays_inconclusive() -> None:
    exchange = FakeExchange(FakeClock())
    found = asyncio.run(resolve_order(exchange.orders, exchange.market, exchange.clock,
                                      symbol="BTC-USDT-SWAP",
                                      client_order_id="pxENa00", exp_time_ms=None,
                                      max_wait_s=1.0))
    assert not found.conclusive and found.status is None


def test_lookups_that_keep_failing_stay_inconclusive() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.script("get_order_status", *[ExchangeUnavailable("down")] * 100)
    found = asyncio.run(resolve_order(exchange.orders, exchange.market, exchange.clock,
                                      symbol="BTC-USDT-SWAP",
                                      client_order_id="pxENa00",
                                      exp_time_ms=exchange.clock.now_ms()))
    assert not found.conclusive
