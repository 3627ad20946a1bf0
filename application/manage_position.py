"""ManagePosition (per bar or per fill event) and OnRegimeShift: exchange facts and bars through
the stage machine, the regime playbook in its fixed order, every move of the stop re-confirmed."""

from decimal import Decimal

import attrs

from application.driver import PositionDriver
from application.instruments import InstrumentBook
from application.notes import Note
from application.observe import observe
from domain.events import BarClosed
from domain.params import Params
from domain.playbook import on_regime_shift
from domain.records import MarginSnapshot
from domain.regime import Regime
from domain.state import PositionStage, SymbolState
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.market import MarketData
from ports.orders import Orders
from ports.state import StateStore


@attrs.frozen
class ManagePositionCommand:
    symbol: str
    bar_close: Decimal | None = None
    regime: Regime | None = None


@attrs.frozen
class PositionManaged:
    state: SymbolState
    observed: tuple[str, ...]
    notes: tuple[Note, ...]

    @property
    def needs_attention(self) -> bool:
        return any(n.needs_attention for n in self.notes)


class ManagePosition:
    """Apply what the exchange shows (take-profit fills, stop triggers), then the bar."""

    def __init__(self, market: MarketData, account: Account, orders: Orders,
                 algos: AlgoOrders, driver: PositionDriver, store: StateStore) -> None:
        self._market = market
        self._account = account
        self._orders = orders
        self._algos = algos
        self._driver = driver
        self._store = store

    async def execute(self, cmd: ManagePositionCommand) -> PositionManaged:
        state = self._store.get_symbol_state(cmd.symbol)
        if state.position_state.stage is PositionStage.FLAT:
            return PositionManaged(state, (), ())
        spec = await InstrumentBook(self._market).spec(cmd.symbol)
        positions = await self._account.get_positions()
        events = await observe(self._orders, self._algos, self._market, cmd.symbol,
                               state.position_state,
                               positions.by_symbol.get(cmd.symbol))
        notes: list[Note] = []
        if events:
            notes += (await self._driver.feed_all(cmd.symbol, spec, events)).notes
        still_open = self._store.get_symbol_state(cmd.symbol).position_state.stage is not \
            PositionStage.FLAT
        if cmd.bar_close is not None and still_open:
            bar = BarClosed(cmd.bar_close, cmd.regime)
            notes += (await self._driver.feed(cmd.symbol, spec, bar)).notes
        return PositionManaged(self._store.get_symbol_state(cmd.symbol),
                               tuple(type(e).__name__ for e in events), tuple(notes))


@attrs.frozen
class RegimeShiftCommand:
    symbol: str
    new_regime: Regime
    mark_price: Decimal | None = None


@attrs.frozen
class RegimeShifted:
    state: SymbolState
    steps: tuple[tuple[int, str], ...]
    notes: tuple[Note, ...]

    @property
    def needs_attention(self) -> bool:
        return any(n.needs_attention for n in self.notes)


class OnRegimeShift:
    """Seed 001 §6: ShockGuard, runner, remaining stop, locks and regime_shift_log, in order."""

    def __init__(self, market: MarketData, account: Account, driver: PositionDriver,
                 store: StateStore, clock: Clock, params: Params) -> None:
        self._market = market
        self._account = account
        self._driver = driver
        self._store = store
        self._clock = clock
        self._params = params

    async def execute(self, cmd: RegimeShiftCommand) -> RegimeShifted:
        state = self._store.get_symbol_state(cmd.symbol)
        spec = await InstrumentBook(self._market).spec(cmd.symbol)
        mark = cmd.mark_price
        margin = None
        if state.position_state.stage is not PositionStage.FLAT:
            if mark is None:
                mark = (await self._market.get_mark_price(cmd.symbol)).price
            margin = await self._margin()
        result = on_regime_shift(cmd.symbol, state.last_regime, cmd.new_regime, state,
                                 now=self._clock.now_ms() // 1000, params=self._params,
                                 spec=spec, mark_price=mark, margin=margin)
        self._store.set_symbol_state(cmd.symbol, result.state)
        self._store.flush()
        drive = await self._driver.perform(cmd.symbol, spec, result.actions)
        steps = tuple((int(p.step), type(p.action).__name__) for p in result.planned)
        return RegimeShifted(drive.state, steps, drive.notes)

    async def _margin(self) -> MarginSnapshot | None:
        """The account's margin as get_balances reports it; None when it cannot be read (the
        playbook then says the margin half of step 1 was not judged)."""
        try:
            balances = await self._account.get_balances()
        except ExchangeError:
            return None
        return MarginSnapshot(balances.total_equity, balances.margin_used)
