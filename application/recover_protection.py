"""RecoverProtection (seed 001 §1.5): at start and after any stream gap, make the exchange's
protection match the positions the exchange actually holds.

Per symbol: facts that happened while we were away are applied first (take-profit fills, stop
triggers, an entry that filled); then a position's stop is kept, re-placed or moved; a position
the store does not know is protected with the default stop or flattened; a stop of ours whose
position is gone is cancelled. Every action is logged as an SL_RECOVER risk event.
"""

import asyncio
from decimal import Decimal

import attrs

from application.driver import PositionDriver
from application.instruments import InstrumentBook
from application.notes import Note
from application.observe import observe
from application.recover_steps import RecoveryFacts, SymbolRecovery, plan_symbol
from domain.algo import AlgoOrder
from domain.orders import OrderStatus
from domain.params import Params
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.exchange_types import PositionSnapshot, PriceReading
from ports.market import MarketData
from ports.orders import Orders
from ports.progress import Progress, Silent
from ports.state import StateStore


@attrs.frozen
class RecoverCommand:
    symbols: tuple[str, ...] = ()


@attrs.frozen
class _OpenEverywhere:
    """One account-wide read of the open algo orders, the open orders and the marks."""

    algos: tuple[AlgoOrder, ...]
    orders: tuple[OrderStatus, ...]
    marks: dict[str, Decimal]

    def algos_of(self, symbol: str) -> tuple[AlgoOrder, ...]:
        return tuple(a for a in self.algos if a.inst_id == symbol)

    def orders_of(self, symbol: str) -> tuple[OrderStatus, ...]:
        return tuple(o for o in self.orders if o.inst_id == symbol)


@attrs.frozen
class ProtectionRecovered:
    symbols: tuple[SymbolRecovery, ...]

    @property
    def needs_attention(self) -> bool:
        return any(s.needs_attention for s in self.symbols)


class RecoverProtection:
    def __init__(self, market: MarketData, account: Account, orders: Orders,
                 algos: AlgoOrders, driver: PositionDriver, store: StateStore, clock: Clock,
                 params: Params, progress: Progress | None = None) -> None:
        self._market = market
        self._account = account
        self._orders = orders
        self._algos = algos
        self._driver = driver
        self._store = store
        self._clock = clock
        self._params = params
        self._progress = progress or Silent()

    async def execute(self, cmd: RecoverCommand) -> ProtectionRecovered:
        positions = await self._account.get_positions()
        symbols = sorted(set(cmd.symbols) | set(self._store.symbols())
                         | set(positions.by_symbol))
        book = InstrumentBook(self._market)
        everywhere = await self._open_everywhere(len(symbols), bool(positions.by_symbol))
        # symbols are independent; the adapter's pacing keeps the burst within rate limits
        done = await asyncio.gather(*(self._one(s, book, positions.by_symbol.get(s),
                                                everywhere) for s in symbols))
        return ProtectionRecovered(tuple(done))

    async def _open_everywhere(self, symbols: int, marks: bool) -> _OpenEverywhere | None:
        """With several symbols, what is open (and the marks, when a position needs one) is
        read once for all of them: a request or a few pages instead of one per symbol (OKX
        allows 20 orders-algo-pending reads per 2 s). One symbol is read as before."""
        if symbols < 2:
            return None
        algos, orders, prices = await asyncio.gather(
            self._algos.get_all_open_algo_orders(), self._orders.get_all_open_orders(),
            self._market.get_mark_prices() if marks else _no_marks())
        return _OpenEverywhere(algos, orders, {p.inst_id: p.price for p in prices})

    async def _one(self, symbol: str, book: InstrumentBook, snapshot: PositionSnapshot | None,
                   everywhere: _OpenEverywhere | None) -> SymbolRecovery:
        spec = await book.spec(symbol)
        notes: list[Note] = []
        state = self._store.get_symbol_state(symbol)
        observed = await observe(self._orders, self._algos, self._market, symbol,
                                 state.position_state, snapshot)
        if observed:
            notes += (await self._driver.feed_all(symbol, spec, observed)).notes
            # what those events set off (a flatten, a close) changed the position: look again
            snapshot = (await self._account.get_positions()).by_symbol.get(symbol)
            everywhere = None  # read before those actions: this symbol is read again
        facts = RecoveryFacts(
            symbol=symbol, spec=spec, snapshot=snapshot,
            state=self._store.get_symbol_state(symbol),
            algos=everywhere.algos_of(symbol) if everywhere else
            await self._algos.get_open_algo_orders(symbol),
            orders=everywhere.orders_of(symbol) if everywhere else
            await self._orders.get_open_orders(symbol),
            mark=await self._mark(symbol, snapshot is not None, everywhere),
            now=self._clock.now_ms() // 1000, params=self._params)
        recovery = await plan_symbol(self._orders, self._algos, self._store, self._driver,
                                     facts)
        seen = tuple(f"observed {type(e).__name__} while away" for e in observed)
        for action in seen + recovery.actions:
            self._progress.step(f"recover {symbol}: {action}")
        return attrs.evolve(recovery, actions=seen + recovery.actions,
                            notes=tuple(notes) + recovery.notes)

    async def _mark(self, symbol: str, needed: bool,
                    everywhere: _OpenEverywhere | None) -> Decimal | None:
        if not needed:
            return None
        if everywhere is not None and symbol in everywhere.marks:
            return everywhere.marks[symbol]
        return (await self._market.get_mark_price(symbol)).price


async def _no_marks() -> tuple[PriceReading, ...]:
    return ()


