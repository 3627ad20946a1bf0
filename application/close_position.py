"""ClosePosition: the operator closes a symbol's position reduce-only at market.

The close is repeated until the exchange shows the symbol flat; only then is the stage machine
told (OperatorClose), which cancels the stop and take-profits and applies the loss cooldown if
the trade lost. No emergency locks: this close was asked for.
"""

import attrs

from application.client_ids import allocate_ids
from application.driver import PositionDriver
from application.instruments import InstrumentBook
from application.notes import Note
from application.order_path import OrderPath
from application.protection import emergency_flatten
from application.touch import keep_books, market_books
from domain.events import OperatorClose
from domain.ids import Role
from domain.orders import PositionSide
from domain.state import PositionStage, SymbolState
from ports.account import Account
from ports.market import MarketData
from ports.state import StateStore


@attrs.frozen
class ClosePositionCommand:
    symbol: str


@attrs.frozen
class PositionClosed:
    """status: closed | nothing_open | not_flat."""

    status: str
    state: SymbolState
    notes: tuple[Note, ...]

    @property
    def needs_attention(self) -> bool:
        return self.status == "not_flat" or any(n.needs_attention for n in self.notes)


class ClosePosition:
    def __init__(self, market: MarketData, account: Account, path: OrderPath,
                 driver: PositionDriver, store: StateStore) -> None:
        self._market = market
        self._account = account
        self._path = path
        self._driver = driver
        self._store = store

    async def execute(self, cmd: ClosePositionCommand) -> PositionClosed:
        state = self._store.get_symbol_state(cmd.symbol)
        pos = state.position_state
        if pos.stage is PositionStage.FLAT:
            return PositionClosed("nothing_open", state, ())
        spec = await InstrumentBook(self._market).spec(cmd.symbol)
        ids = allocate_ids(self._store, cmd.symbol, Role.CLOSE, 3)
        side = PositionSide(pos.side)
        keep_books(self._store, cmd.symbol,
                   await market_books(self._market, cmd.symbol, side.exit_side, ids))
        out = await emergency_flatten(self._path, self._account, spec=spec,
                                      side=side, qty=pos.qty_open,
                                      client_ids=ids)
        detail = f" ({out.reason})" if out.reason else ""
        notes = (Note(f"close: {out.qty_closed} closed, flat={out.flat}{detail}", not out.flat),)
        if not out.flat:
            return PositionClosed("not_flat", self._store.get_symbol_state(cmd.symbol), notes)
        price = out.avg_price or pos.entry_price
        # the exchange shows the symbol flat: the whole position is gone, whatever share of it
        # the fills we counted cover (a close order still filling, a take-profit meanwhile);
        # telling the machine less would leave it protecting a position that no longer exists
        qty = pos.qty_open
        drive = await self._driver.feed(cmd.symbol, spec, OperatorClose(
            qty, price, out.order_ids, out.client_ids))
        return PositionClosed("closed", drive.state, notes + drive.notes)
