"""Performing the domain's order actions at the exchange, and reporting what was observed.

Each performer returns the event the exchange's answer proves (a fill from an order status, a
stop seen open), or None with a note when nothing was proven. Client ids are allocated (and the
allocation persisted) before a request leaves, so no id is ever sent for two different orders.
The stop actions are in application/stop_actions.py, the context they share (Venue, the notes,
what was placed) in application/performer_context.py.
"""

from decimal import Decimal

import attrs

from application.order_path import Sent, Settled, Wait
from application.protection import emergency_flatten
from application.stop_actions import StopActions
from application.touch import market_books
from domain.actions import (
    CancelTakeProfits,
    CloseRunner,
    DeRisk,
    EmergencyFlatten,
    ExitMethod,
    MarginDeRisk,
    PlaceTakeProfit,
    TakeProfit,
)
from domain.events import (
    EmergencyFlat,
    MarginReduced,
    PositionEvent,
    PositionReduced,
    RunnerClosed,
)
from domain.ids import Role, parse_client_id
from domain.orders import OrderIntent, OrderStatus, OrdType, PositionSide, Side
from domain.outcome import Accepted
from domain.state import BookAtPlacement
from ports.errors import ExchangeError

RUNNER_LIMIT_WAIT_S = 3.0
FLATTEN_ATTEMPTS = 3


@attrs.define
class Performer(StopActions):
    """One position's actions performed at the exchange: the stop actions (StopActions) and
    the order actions below (take-profits, runner close, de-risk, emergency flatten)."""

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


def _vwap(statuses: list[OrderStatus]) -> tuple[Decimal, Decimal]:
    qty = sum((s.acc_fill_sz for s in statuses), Decimal(0))
    notional = sum((s.acc_fill_sz * (s.avg_px or Decimal(0)) for s in statuses), Decimal(0))
    return qty, notional / qty
