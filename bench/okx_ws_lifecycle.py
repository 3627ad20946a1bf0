"""The WS order lifecycle for bench.okx_adapter: place over the private WS, wait for the
`orders` push that shows it live, cancel over the WS, wait for the push that shows it canceled
(issue 14 P1-WS: set against ccxt's raw-endpoint REST lifecycle in the same run)."""

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

from domain.orders import Side
from ports.exchange_events import EventSubscription, OrderUpdate

BTC = "BTC-USDT-SWAP"
Lifecycle = Callable[[int], Awaitable[None]]


async def until_state(events: EventSubscription, ord_id: str, state: str) -> None:
    while True:
        event = await events.get(5.0)
        if event is None:
            raise TimeoutError(f"no {state} push for {ord_id}")
        if isinstance(event, OrderUpdate) and event.status.order_id == ord_id \
                and event.status.state.value == state:
            return


@contextlib.asynccontextmanager
async def ws_lifecycle(venue: Any, tag: str) -> AsyncIterator[Lifecycle]:
    """venue: an OkxVenue container whose config has ws_orders on."""
    exchange, ws = venue.exchange(), venue.ws_orders()
    await ws.start(wait=True)
    events = ws.subscribe()

    async def lifecycle(n: int) -> None:
        placed = await exchange.place_limit_postonly(
            symbol=BTC, side=Side.BUY, qty=Decimal("1"), price=Decimal("20000"),
            tif="post_only", reduce_only=False, client_order_id=f"bn{tag}{n}")
        await until_state(events, placed.order_id, "live")
        await exchange.cancel_order(symbol=BTC, order_id=placed.order_id, client_order_id=None)
        await until_state(events, placed.order_id, "canceled")
    try:
        yield lifecycle
    finally:
        events.close()
        await exchange.aclose()
