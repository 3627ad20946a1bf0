"""The book read just before a market order of ours leaves: its intended price (the touch it
takes, else the mark) is kept with the order's client id, so slippage_cost30_r can judge its
fills when the trade is recorded (seed 001 §2.1, issue 13). A failed read leaves the order out
of the slippage figure, never the order unsent."""

import contextlib
from collections.abc import Sequence
from decimal import Decimal

import attrs

from domain.exec_quality import market_intended
from domain.orders import Side
from domain.state import BookAtPlacement, PositionStage
from ports.errors import ExchangeError
from ports.market import MarketData
from ports.state import StateStore


async def market_books(market: MarketData, symbol: str, side: Side,
                       client_ids: Sequence[str]) -> tuple[BookAtPlacement, ...]:
    """One book read for the market order(s) about to leave under client_ids (a flatten's
    attempts share it): the touch on side's side of the book, or the mark without one."""
    bid = ask = mark = None
    with contextlib.suppress(ExchangeError):
        ticker = await market.get_ticker(symbol)
        bid, ask = ticker.bid, ticker.ask
    if market_intended(side, bid=bid, ask=ask, mark=None) is None:
        with contextlib.suppress(ExchangeError):
            mark = (await market.get_mark_price(symbol)).price
    intended = market_intended(side, bid=bid, ask=ask, mark=mark)
    return tuple(BookAtPlacement(cid, bid, ask, intended) for cid in client_ids)


def keep_books(store: StateStore, symbol: str, books: Sequence[BookAtPlacement]) -> None:
    """Persist the books with the open position before its order leaves."""
    state = store.get_symbol_state(symbol)
    pos = state.position_state
    if pos.stage is PositionStage.FLAT and not pos.intent_id:
        return
    store.set_symbol_state(symbol, attrs.evolve(state, position_state=attrs.evolve(
        pos, books=(*pos.books, *books))))
    store.flush()


def intended_prices(books: Sequence[BookAtPlacement]) -> dict[str, Decimal]:
    """client id -> the price its market order was meant at (books without one left out)."""
    return {b.client_order_id: b.intended for b in books if b.intended is not None}
