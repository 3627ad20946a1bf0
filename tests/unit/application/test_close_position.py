"""ClosePosition with fakes."""

import asyncio

from application.close_position import ClosePositionCommand
from domain.state import PositionStage
from tests.unit.application import wiring
from tests.unit.application.position_world import SYMBOL, opened


def test_close_flattens_cancels_protection_and_sets_no_emergency_lock() -> None:
    exchange, store = opened()
    done = asyncio.run(wiring.close_position(exchange, store).execute(
        ClosePositionCommand(SYMBOL)))
    assert done.status == "closed" and not done.needs_attention
    assert not exchange.positions and not exchange.open_algos(SYMBOL)
    assert not [o for o in exchange.order_book.values() if not o.state.is_terminal]
    state = store.flushed[SYMBOL]
    assert state.position_state.stage is PositionStage.FLAT
    assert state.cooldown_until.freeze == 0
    (close,) = exchange.orders_with_client_id("pxCLop100")
    assert close.reduce_only


def test_close_of_a_flat_symbol_sends_nothing() -> None:
    exchange, store = opened()
    asyncio.run(wiring.close_position(exchange, store).execute(
        ClosePositionCommand(SYMBOL)))
    orders = len(exchange.order_book)
    done = asyncio.run(wiring.close_position(exchange, store).execute(
        ClosePositionCommand(SYMBOL)))
    assert done.status == "nothing_open" and len(exchange.order_book) == orders
