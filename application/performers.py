"""Performing the domain's order actions at the exchange, and reporting what was observed.

Each performer returns the event the exchange's answer proves (a fill from an order status, a
stop seen open), or None with a note when nothing was proven. Client ids are allocated (and the
allocation persisted) before a request leaves, so no id is ever sent for two different orders.
"""

from collections.abc import Awaitable, Callable
from decimal import Decimal

import attrs

from application.order_path import OrderPath, Sent, Settled, StopPath, StopSent, Wait
from application.pending_stops import PendingStops
from application.protection import cancel_stray_stop, emergency_flatten
from application.touch import market_books
from domain.actions import (
    CancelProtection,
    CancelTakeProfits,
    CloseRunner,
    DeRisk,
    EmergencyFlatten,
    ExitMethod,
    MarginDeRisk,
    PlaceProtection,
    PlaceTakeProfit,
    ReplaceProtection,
    TakeProfit,
)
from domain.algo import AlgoOrder, AlgoStopIntent
from domain.events import (
    EmergencyFlat,
    MarginReduced,
    PositionEvent,
    PositionReduced,
    RunnerClosed,
    StopConfirmed,
    StopMoved,
    StopNotVisible,
)
from domain.ids import Role, parse_client_id
from domain.instrument import InstrumentSpec
from domain.orders import OrderIntent, OrderStatus, OrdType, PositionSide, Side
from domain.outcome import Accepted
from domain.params import Params
from domain.state import BookAtPlacement
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.exchange_types import AlgoCancelResult, CancelDisposition
from ports.market import MarketData
from ports.orders import Orders
from ports.progress import Progress, Silent

RUNNER_LIMIT_WAIT_S = 3.0
FLATTEN_ATTEMPTS = 3

# allocate(role, n): n fresh client ids for role, persisted before they are returned
Allocate = Callable[[Role, int], tuple[str, ...]]


@attrs.frozen
class Note:
    text: str
    needs_attention: bool = False


@attrs.frozen
class Venue:
    """The roles a position's actions need (the driver's dependencies, passed on)."""

    market: MarketData
    account: Account
    orders: Orders
    algos: AlgoOrders
    path: OrderPath
    stops: StopPath


@attrs.define
class Performer:
    """Per-symbol context: the roles, the instrument, and a way to allocate client ids."""

    venue: Venue
    clock: Clock
    params: Params
    spec: InstrumentSpec
    allocate: Allocate
    progress: Progress = attrs.field(factory=Silent)
    # the store's record of stops sent but not confirmed (allocate records each stop id as
    # pending; this settles it); None: nothing is recorded (unit tests of one performer)
    pending: PendingStops | None = None
    notes: list[Note] = attrs.field(factory=list)
    # stops placed but not confirmed visible: (client algo id, algo id from the ack or "")
    strays: list[tuple[str, str]] = attrs.field(factory=list)
    # every order and stop placed, in order: (exchange id or "", client id); the risk events
    # of a decision list the ones its actions placed (seed 001 §8)
    placed: list[tuple[str, str]] = attrs.field(factory=list)
    # the book read before each limit order placed (exec_quality_roll's spread_p95)
    books: list[BookAtPlacement] = attrs.field(factory=list)
    # a market entry's stop, sent beside its status read (application/early_stop.py), as it
    # ended: the first stop placement adopts it when the exchange shows it covering the position
    early: Callable[[], Awaitable[StopSent | None]] | None = None

    def note(self, text: str, needs_attention: bool = False) -> None:
        self.notes.append(Note(text, needs_attention))
        self.progress.step(text)

    async def place_protection(self, action: PlaceProtection) -> PositionEvent:
        cid, out = await self._stop(action.side, action.qty, action.stop_price)
        if not out:
            return StopNotVisible(cid, self.notes[-1].text)
        return StopConfirmed(action.stop_price, out, cid)

    async def replace_protection(self, action: ReplaceProtection) -> PositionEvent:
        cid, algo_id = await self._stop(action.side, action.qty, action.stop_price)
        if not algo_id:
            return StopNotVisible(cid, self.notes[-1].text)
        if action.old_algo_id or action.old_client_algo_id:
            await self.cancel_protection(CancelProtection(
                action.symbol, action.intent_id, action.old_algo_id, action.old_client_algo_id,
                f"replaced by {cid}"))
        return StopMoved(action.stop_price, algo_id, cid)

    async def _stop(self, side: Side, qty: Decimal, stop_price: Decimal) -> tuple[str, str]:
        early = await self._take_early()
        if early is not None:
            adopted = self._adopt(early, side, qty, stop_price)
            if adopted is not None:
                return adopted
        # recorded as a pending stop with the allocation, before the placement leaves
        cid = self.allocate(Role.STOP, 1)[0]
        intent = AlgoStopIntent(self.spec, side, qty, stop_price, cid)
        out = await self.venue.stops.send(
            intent, deadline_ms=self.params.protection.stop_visibility_deadline_ms)
        self.note(f"stop {cid} at {stop_price} for {qty}: {out.reason}", not out.confirmed)
        if out.confirmed or out.may_exist:
            self.placed.append((out.algo_id, cid))
        if not out.confirmed:
            if out.may_exist:
                self.strays.append((cid, out.algo_id))
                if self.pending:
                    self.pending.learn(cid, out.algo_id)
            elif self.pending:  # refused: it never rested at the exchange
                self.pending.settle(cid)
            return cid, ""
        if self.pending:  # seen open: the position's stop from the event this returns
            self.pending.settle(cid, flush=False)
        return cid, out.algo_id

    def _adopt(self, early: StopSent, side: Side, qty: Decimal,
               stop_price: Decimal) -> tuple[str, str] | None:
        """The stop sent with the entry, as the stop this placement asks for: (client id, algo
        id or "" when not visible in time), or None when a stop must still be placed (the early
        one refused, or covering another size: it is then cancelled after the new one, in
        cancel_strays)."""
        cid = early.intent.client_algo_id
        with_entry = f"stop {cid} sent with the entry"
        if not (early.confirmed or early.may_exist):  # refused: it never rested
            self.note(f"{with_entry}: {early.reason}; a stop is placed after the fill")
            if self.pending:
                self.pending.settle(cid)
            return None
        self.placed.append((early.algo_id, cid))
        if early.confirmed and _covers(early.shown, side, qty, stop_price):
            self.note(f"stop {cid} at {stop_price} for {qty}: {early.reason} (sent with the "
                      "entry)")
            if self.pending:
                self.pending.settle(cid, flush=False)
            return cid, early.algo_id
        self.strays.append((cid, early.algo_id))
        if self.pending:
            self.pending.learn(cid, early.algo_id)
        asked = early.intent
        if not early.confirmed and (asked.side, asked.size, asked.stop_price) == (
                side, qty, stop_price):
            # this very stop was not seen within 1 s of its placement (seed 001 §0.2)
            self.note(f"stop {cid} at {stop_price} for {qty}: {early.reason} (sent with the "
                      "entry)", True)
            return cid, ""
        shown = early.shown.size if early.shown else None
        self.note(f"{with_entry} for {asked.size} (exchange shows {shown}) does not cover "
                  f"{qty}: replaced")
        return None

    async def _take_early(self) -> StopSent | None:
        ended, self.early = self.early, None
        return None if ended is None else await ended()

    async def unadopted(self) -> None:
        """An early stop no placement took (the event placed no stop) is cancelled like any
        stop never confirmed as the position's."""
        early = await self._take_early()
        if early is None:
            return
        cid = early.intent.client_algo_id
        if early.confirmed or early.may_exist:
            self.strays.append((cid, early.algo_id))
            if self.pending:
                self.pending.learn(cid, early.algo_id)
        elif self.pending:
            self.pending.settle(cid)

    async def cancel_protection(self, action: CancelProtection) -> None:
        if not (action.algo_id or action.client_algo_id):
            return
        result = await self.venue.algos.cancel_algo(
            symbol=action.symbol, algo_id=action.algo_id or None,
            client_algo_id=action.client_algo_id or None)
        done = isinstance(result.outcome, Accepted)
        self.note(f"cancel stop {action.client_algo_id or action.algo_id}: "
                  f"{_cancel_word(result)} ({action.reason})", not done)

    async def cancel_strays(self, symbol: str) -> None:
        """Stops placed but never confirmed may still appear later: cancel each and see it
        gone; one that cannot be seen gone is reported, never passed off as cancelled."""
        while self.strays:
            cid, algo_id = self.strays.pop()
            out = await cancel_stray_stop(
                self.venue.algos, self.clock, symbol=symbol, client_algo_id=cid,
                algo_id=algo_id, wait_s=self.params.protection.stray_stop_wait_ms / 1000)
            self.note(f"cancel unconfirmed stop {cid}: {out.reason}", not out.confirmed)
            if out.confirmed and self.pending:
                self.pending.settle(cid)

    async def _book(self, symbol: str, cid: str) -> None:
        """Remember the spread just before a limit order leaves; a failed read leaves the
        order out of spread_p95, never the order unplaced."""
        try:
            ticker = await self.venue.market.get_ticker(symbol)
        except ExchangeError:
            return
        self.books.append(BookAtPlacement(cid, ticker.bid, ticker.ask))

    async def place_take_profit(self, action: PlaceTakeProfit) -> None:
        role = Role.TP1 if action.which is TakeProfit.TP1 else Role.TP2
        cid = self.allocate(role, 1)[0]
        await self._book(action.symbol, cid)
        intent = OrderIntent.closing(self.spec, PositionSide.closed_by(action.side),
                                     OrdType.LIMIT, action.qty, action.price, cid)
        sent = await self.venue.path.send(intent, wait=Wait.LOOKUP)
        self._noted(sent)
        self.note(f"{action.which.value} {cid} {action.qty}@{action.price}: "
                  f"{sent.status.state.value if sent.status else sent.placement.status}")

    async def cancel_take_profits(self, action: CancelTakeProfits) -> None:
        for order in await self.venue.orders.get_open_orders(action.symbol):
            parsed = parse_client_id(order.client_order_id)
            if parsed and parsed.intent_id == action.intent_id and \
                    parsed.role in (Role.TP1, Role.TP2):
                result = await self.venue.orders.cancel_order(
                    symbol=action.symbol, order_id=order.order_id,
                    client_order_id=order.client_order_id)
                self.note(f"cancel {order.client_order_id}: {result.status}",
                          not isinstance(result.outcome, Accepted))

    async def close_runner(self, action: CloseRunner) -> PositionEvent | None:
        filled: list[OrderStatus] = []
        left = action.qty
        if action.method is ExitMethod.LIMIT_THEN_MARKET:
            status = await self._limit_exit(action)
            if status is not None and status.acc_fill_sz > 0:
                filled.append(status)
                left -= status.acc_fill_sz
        if left > 0:
            status = await self._market(action.side, left, Role.RUNNER_MARKET)
            if status is not None and status.acc_fill_sz > 0:
                filled.append(status)
        if not filled:
            self.note(f"runner close of {action.qty} observed no fill", True)
            return None
        qty, price = _vwap(filled)
        return RunnerClosed(qty, price, tuple(s.order_id for s in filled),
                            tuple(s.client_order_id for s in filled))

    async def _limit_exit(self, action: CloseRunner) -> OrderStatus | None:
        ticker = await self.venue.market.get_ticker(action.symbol)
        touch = (ticker.bid if action.side is Side.SELL else ticker.ask) or ticker.last
        cid = self.allocate(Role.RUNNER_LIMIT, 1)[0]
        self.books.append(BookAtPlacement(cid, ticker.bid, ticker.ask))
        intent = OrderIntent.closing(self.spec, PositionSide.closed_by(action.side),
                                     OrdType.LIMIT, action.qty, touch, cid)
        path = self.venue.path
        sent = await path.send(intent, wait=Wait.TERMINAL,
                               polls=int(RUNNER_LIMIT_WAIT_S / path.timings.status_poll_s))
        self._noted(sent)
        if sent.settled is not Settled.PLACED:
            return None
        if not sent.terminal:
            sent = await path.finish(sent)
            self.note(f"runner limit {cid}: "
                      f"{sent.status.state.value if sent.status else 'no status'}")
        return sent.status

    async def de_risk(self, action: DeRisk) -> PositionEvent | None:
        status = await self._market(action.side, action.qty, Role.DERISK)
        if status is None or status.acc_fill_sz <= 0:
            self.note(f"de-risk of {action.qty} observed no fill", True)
            return None
        return PositionReduced(status.acc_fill_sz, status.avg_px or Decimal(0),
                               (status.order_id,), (status.client_order_id,))

    async def margin_de_risk(self, action: MarginDeRisk) -> PositionEvent | None:
        status = await self._market(action.side, action.qty, Role.DERISK)
        if status is None or status.acc_fill_sz <= 0:
            self.note(f"margin de-risk of {action.qty} observed no fill", True)
            return None
        self.note(f"margin de-risk {status.client_order_id}: {status.acc_fill_sz} filled at "
                  f"{status.avg_px} ({action.reason})")
        return MarginReduced(status.acc_fill_sz, status.avg_px or Decimal(0),
                             (status.order_id,), (status.client_order_id,))

    async def flatten(self, action: EmergencyFlatten) -> PositionEvent | None:
        ids = self.allocate(Role.FLATTEN, FLATTEN_ATTEMPTS)
        self.books += await market_books(self.venue.market, action.symbol, action.side, ids)
        out = await emergency_flatten(self.venue.path, self.venue.account, spec=self.spec,
                                      side=action.position_side, qty=action.qty,
                                      client_ids=ids)
        self.placed += list(zip(out.order_ids, out.client_ids, strict=False))
        self.note(f"emergency flatten ({action.reason}): flat={out.flat}; {out.reason}",
                  not out.flat)
        await self.cancel_strays(action.symbol)
        if not out.flat:
            return None
        return EmergencyFlat(out.qty_closed, out.avg_price, action.reason, out.order_ids,
                             out.client_ids)

    async def _market(self, side: Side, qty: Decimal, role: Role) -> OrderStatus | None:
        cid = self.allocate(role, 1)[0]
        self.books += await market_books(self.venue.market, self.spec.inst_id, side, (cid,))
        intent = OrderIntent.closing(self.spec, PositionSide.closed_by(side), OrdType.MARKET,
                                     qty, None, cid)
        sent = await self.venue.path.finish(await self.venue.path.send(intent))
        self._noted(sent)
        return sent.status

    def _noted(self, sent: Sent) -> None:
        """A placement that left no order, or whose fate is unknown, is said so; one that
        exists (or may) is remembered as placed."""
        if sent.settled in (Settled.PLACED, Settled.UNKNOWN):
            self.placed.append((sent.order_id, sent.intent.client_order_id))
        if sent.settled is not Settled.PLACED:
            self.note(sent.why, sent.settled is Settled.UNKNOWN)


def _covers(shown: AlgoOrder | None, side: Side, qty: Decimal, stop_price: Decimal) -> bool:
    """The exchange shows the stop open on the exit side, at the trigger, for the whole
    position (its size, or the whole position whatever it is)."""
    return shown is not None and shown.state.is_open and shown.side is side and \
        shown.stop_price == stop_price and (shown.close_position or shown.size == qty)


def _cancel_word(result: AlgoCancelResult) -> str:
    """'accepted' only for a cancel the exchange took; a stop that had fired (or was gone)
    before the cancel came says so, since the position it guarded has changed."""
    if result.disposition is CancelDisposition.ALREADY_TERMINAL:
        return f"already {result.algo_order.state.value if result.algo_order else 'finished'}"
    if result.disposition is CancelDisposition.NOT_FOUND:
        return "not found"
    return result.status


def _vwap(statuses: list[OrderStatus]) -> tuple[Decimal, Decimal]:
    qty = sum((s.acc_fill_sz for s in statuses), Decimal(0))
    notional = sum((s.acc_fill_sz * (s.avg_px or Decimal(0)) for s in statuses), Decimal(0))
    return qty, notional / qty
