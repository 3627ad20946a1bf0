"""TradeRecorder: keep exec_quality_roll, health_roll and the template cooldown true from what
the exchange reports once a trade is over (seed 001 §2.1, issue 13).

When a position goes flat the recorder reads the trade's orders (by the client ids the store
allocated for its intent) and the symbol's executions from the entry's fill on, builds the
closed trade (domain/trade_ledger.py: realised R from fills and fees, limit-first exits), and
updates the rolling history. A limit entry that never filled is one more terminal limit order.
Recording never stands in the way of protection: a read that fails becomes a note and the
blocks keep their last values (their timestamps say when they were computed).
"""

import attrs

from application.notes import Note
from application.touch import intended_prices
from domain.errors import DomainError
from domain.health import trade_result
from domain.ids import Role, client_id, next_attempt
from domain.instrument import InstrumentSpec
from domain.logs import RiskEvent, RiskEventType
from domain.orders import ExchangeTrade, OrderStatus, PositionSide
from domain.params import Params
from domain.position_rules import COOLDOWN_PLACES_NO_ORDER
from domain.rolling import remember_fill, remember_order, remember_trade
from domain.state import BookAtPlacement, PositionState, SymbolState
from domain.template_cooldown import on_trade_closed
from domain.trade_ledger import closed_trade, exec_fills, limit_order_record, trade_fills
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.orders import Orders
from ports.state import StateStore

# the roles whose orders make up a trade (the stop's child order carries no client id)
TRADE_ROLES = (Role.ENTRY, Role.TP1, Role.TP2, Role.RUNNER_LIMIT, Role.RUNNER_MARKET,
               Role.DERISK, Role.FLATTEN, Role.CLOSE)
LIMIT_ROLES = (Role.ENTRY, Role.TP1, Role.TP2, Role.RUNNER_LIMIT)
# the entry's fills happen before its last update; look this far back from it
ENTRY_LOOKBACK_MS = 60_000


def intent_client_ids(pos: PositionState, roles: tuple[Role, ...]) -> list[tuple[Role, str]]:
    """Every client id the store allocated for the position's intent in roles."""
    if not pos.intent_id:
        return []
    return [(role, client_id(pos.intent_id, role, attempt)) for role in roles
            for attempt in range(next_attempt(pos.next_attempts, role))]


def with_client_ids(trades: tuple[ExchangeTrade, ...],
                    orders: list[OrderStatus]) -> tuple[ExchangeTrade, ...]:
    """Executions joined to our orders by order id: Binance's userTrades rows carry no
    client id, OKX's do (a stop's child order has none on either venue)."""
    cids = {o.order_id: o.client_order_id for o in orders}
    return tuple(t if t.client_order_id or t.order_id not in cids
                 else attrs.evolve(t, client_order_id=cids[t.order_id]) for t in trades)


class TradeRecorder:
    def __init__(self, orders: Orders, store: StateStore, clock: Clock, params: Params) -> None:
        self._orders = orders
        self._store = store
        self._clock = clock
        self._params = params

    def _now(self) -> int:
        return self._clock.now_ms() // 1000

    async def trade_closed(self, symbol: str, spec: InstrumentSpec, before: PositionState,
                           books: tuple[BookAtPlacement, ...] = ()) -> list[Note]:
        """Record the trade `before` was (the position state just before it went flat)."""
        try:
            statuses = await self._statuses(symbol, before)
            entry = [s for r, s in statuses if r is Role.ENTRY and s.acc_fill_sz > 0]
            if not entry:
                return [Note(f"trade {before.intent_id}: no filled entry order found, "
                             "health_roll not updated")]
            since = min(s.updated_ms for s in entry) - ENTRY_LOOKBACK_MS
            executions = await self._orders.get_executions(symbol=symbol, since_ms=since)
        except ExchangeError as exc:
            return [Note(f"trade {before.intent_id}: could not read its orders or fills "
                         f"({exc}); rolling blocks not updated")]
        try:
            state, note = self._record(symbol, spec, before, statuses, executions.trades,
                                       books)
        except (DomainError, ValueError) as exc:
            return [Note(f"trade {before.intent_id}: {exc}; rolling blocks not updated")]
        self._store.set_symbol_state(symbol, state)
        self._store.flush()
        return [Note(note)]

    def _record(self, symbol: str, spec: InstrumentSpec, before: PositionState,
                statuses: list[tuple[Role, OrderStatus]], trades: tuple[ExchangeTrade, ...],
                books: tuple[BookAtPlacement, ...]) -> tuple[SymbolState, str]:
        state = self._store.get_symbol_state(symbol)
        orders = [s for _, s in statuses]
        trades = with_client_ids(trades, orders)
        entry_ids = frozenset(s.order_id for r, s in statuses if r is Role.ENTRY)
        side = PositionSide(before.side)
        trade = closed_trade(trades, orders, intent_id=before.intent_id,
                             template=state.last_template, side=side,
                             risk_per_unit=before.risk_per_unit, spec=spec,
                             entry_order_ids=entry_ids)
        result = trade_result(trade, before.intent_id)
        now = self._now()
        state = remember_trade(state, result, now=now, params=self._params)
        verdict = on_trade_closed(state, result, now=now, params=self._params)
        state = self._remember_orders(verdict.state, statuses, (*before.books, *books))
        run = trade_fills(trades, entry_order_ids=entry_ids, side=side)
        # a market order was meant at the touch read before it left; a fill without a client
        # id is the stop's child order: it was meant at the stop
        intended = intended_prices((*before.books, *books))
        intended.update({t.order_id: before.sl_price for t in run if not t.client_order_id})
        for fill in exec_fills(run, orders, intended=intended,
                               trade_risk=before.risk_per_unit * before.qty_total):
            state = remember_fill(state, fill, now=now)
        if verdict.lock is not None:
            self._store.append_event(RiskEvent(
                now, RiskEventType.LOSS_COOLDOWN, symbol, before.side, before.qty_total,
                None, (), (), f"{verdict.lock.reason}: template locked until "
                f"{verdict.lock.until}", COOLDOWN_PLACES_NO_ORDER))
        return state, (f"trade {before.intent_id} ({state.last_template or 'no template'}): "
                       f"{result.realised_r:.4f}R recorded; {verdict.note}")

    async def entry_ended(self, symbol: str, status: OrderStatus,
                          book: BookAtPlacement | None) -> None:
        """A limit entry that reached a terminal state without opening a position."""
        record = limit_order_record(status, bid=book.bid if book else None,
                                    ask=book.ask if book else None)
        if record is None:
            return
        state = remember_order(self._store.get_symbol_state(symbol), record, now=self._now())
        self._store.set_symbol_state(symbol, state)
        self._store.flush()

    async def _statuses(self, symbol: str,
                        pos: PositionState) -> list[tuple[Role, OrderStatus]]:
        found = []
        wanted = intent_client_ids(pos, TRADE_ROLES)
        entry = pos.last_orders.entry
        if entry.client_order_id and (Role.ENTRY, entry.client_order_id) not in wanted:
            wanted.insert(0, (Role.ENTRY, entry.client_order_id))
        for role, cid in wanted:
            lookup = await self._orders.get_order_status(symbol=symbol, order_id=None,
                                                         client_order_id=cid)
            if lookup.status is not None:
                found.append((role, lookup.status))
        return found

    def _remember_orders(self, state: SymbolState, statuses: list[tuple[Role, OrderStatus]],
                         books: tuple[BookAtPlacement, ...]) -> SymbolState:
        by_id = {b.client_order_id: b for b in books}
        now = self._now()
        for role, status in statuses:
            if role not in LIMIT_ROLES:
                continue
            book = by_id.get(status.client_order_id)
            record = limit_order_record(status, bid=book.bid if book else None,
                                        ask=book.ask if book else None)
            if record is not None:
                state = remember_order(state, record, now=now)
        return state

