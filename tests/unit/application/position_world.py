"""A fake exchange and store holding one open, protected long (0.10 BTC-USDT-SWAP at 30000)."""

import asyncio
from decimal import Decimal

from application.open_position import OpenPositionCommand
from domain.orders import PositionSide
from tests.fake_venue import FakeExchange
from tests.fakes import FakeClock, InMemoryStateStore
from tests.unit.application import wiring

D = Decimal
SYMBOL = "BTC-USDT-SWAP"


def opened(**changes: object) -> tuple[FakeExchange, InMemoryStateStore]:
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    base: dict[str, object] = dict(
        symbol=SYMBOL, side=PositionSide.LONG, qty=D("0.10"), stop_price=D("29400.0"),
        tp1_price=D("30300.0"), tp1_qty=D("0.04"), tp2_price=D("30600.0"), tp2_qty=D("0.03"),
        intent_id="op1")
    base.update(changes)
    done = asyncio.run(wiring.open_position(exchange, store).execute(
        OpenPositionCommand.of(**base)))  # type: ignore[arg-type]
    assert done.status == "opened", done
    return exchange, store


def fill_tp(exchange: FakeExchange, cid: str) -> None:
    (order,) = exchange.orders_with_client_id(cid)
    exchange.fill_order(order.order_id)
