"""Performing the domain's order actions at the exchange, and reporting what was observed.

Each performer returns the event the exchange's answer proves (a fill from an order status, a
stop seen open), or None with a note when nothing was proven. Client ids are allocated (and the
allocation persisted) before a request leaves, so no id is ever sent for two different orders.
"""

from collections.abc import Callable
from decimal import Decimal

import attrs

from application.protection import (
    await_terminal,
    cancel_stray_stop,
    emergency_flatten,
    place_and_confirm_stop,
)
from application.unknowns import resolve_order
from domain.actions import (
    CancelProtection,
    CancelTakeProfits,
    CloseRunner,
    DeRisk,
    EmergencyFlatten,
    ExitMethod,
    PlaceProtection,
    PlaceTakeProfit,
    ReplaceProtection,
    TakeProfit,
)
from domain.algo import AlgoStopIntent
from domain.events import (
    EmergencyFlat,
    PositionEvent,
    PositionReduced,
    RunnerClosed,
    StopConfirmed,
    StopMoved,
    StopNotVisible,
)
from domain.ids import Role, parse_client_id
from domain.instrument import InstrumentSpec
from domain.orders import OrderStatus, Side
from domain.outcome import Accepted, Rejected, Unknown
from domain.params import Params
from ports.clock import Clock
from ports.exchange import ExchangeAdapter
from ports.exchange_types import OrderPlacement
from ports.progress import Progress, Silent

RUNNER_LIMIT_WAIT_S = 3.0
FLATTEN_ATTEMPTS = 3

# allocate(role, n): n fresh client ids for role, persisted before they are returned
Allocate = Callable[[Role, int], tuple[str, ...]]


@attrs.frozen
class Note:
    text: str
    needs_attention: bool = False


@attrs.define
class Performer:
    """Per-symbol context: the ports, the instrument, and a way to allocate client ids."""

    exchange: ExchangeAdapter
    clock: Clock
    params: Params
    spec: InstrumentSpec
    allocate: Allocate
    progress: Progress = attrs.field(factory=Silent)
    notes: list[Note] = attrs.field(factory=list)
    # stops placed but not confirmed visible: (client algo id, algo id from the ack or "")
    strays: list[tuple[str, str]] = attrs.field(factory=list)

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
        cid = self.allocate(Role.STOP, 1)[0]
        intent = AlgoStopIntent(self.spec, side, qty, stop_price, cid)
        out = await place_and_confirm_stop(
            self.exchange, self.clock, intent=intent,
            deadline_ms=self.params.protection.stop_visibility_deadline_ms)
        self.note(f"stop {cid} at {stop_price} for {qty}: {out.reason}", not out.confirmed)
        if not out.confirmed:
            if not isinstance(out.placement.outcome, Rejected):
                self.strays.append((cid, out.algo_id))
            return cid, ""
        return cid, out.algo_id

    async def cancel_protection(self, action: CancelProtection) -> None:
        if not (action.algo_id or action.client_algo_id):
            return
        result = await self.exchange.cancel_algo(symbol=action.symbol,
                                                 algo_id=action.algo_id or None,
                                                 client_algo_id=action.client_algo_id or None)
        done = isinstance(result.outcome, Accepted)
        self.note(f"cancel stop {action.client_algo_id or action.algo_id}: {result.status}"
                  f" ({action.reason})", not done)

    async def cancel_strays(self, symbol: str) -> None:
        """Stops placed but never confirmed may still appear later: cancel each and see it
        gone; one that cannot be seen gone is reported, never passed off as cancelled."""
        while self.strays:
            cid, algo_id = self.strays.pop()
            out = await cancel_stray_stop(
                self.exchange, self.clock, symbol=symbol, client_algo_id=cid, algo_id=algo_id,
                wait_s=self.params.protection.stray_stop_wait_ms / 1000)
            self.note(f"cancel unconfirmed stop {cid}: {out.reason}", not out.confirmed)

    async def place_take_profit(self, action: PlaceTakeProfit) -> None:
        role = Role.TP1 if action.which is TakeProfit.TP1 else Role.TP2
        cid = self.allocate(role, 1)[0]
        placed = await self.exchange.place_limit_postonly(
            symbol=action.symbol, side=action.side, qty=action.qty, price=action.price,
            tif="gtc", reduce_only=True, client_order_id=cid)
        status = await self._settle(placed)
        self.note(f"{action.which.value} {cid} {action.qty}@{action.price}: "
                  f"{status.state.value if status else placed.status}")

    async def cancel_take_profits(self, action: CancelTakeProfits) -> None:
        for order in await self.exchange.get_open_orders(action.symbol):
            parsed = parse_client_id(order.client_order_id)
            if parsed and parsed.intent_id == action.intent_id and \
                    parsed.role in (Role.TP1, Role.TP2):
                result = await self.exchange.cancel_order(
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
            status = await self._market(action.symbol, action.side, left, Role.RUNNER_MARKET)
            if status is not None and status.acc_fill_sz > 0:
                filled.append(status)
        if not filled:
            self.note(f"runner close of {action.qty} observed no fill", True)
            return None
        qty, price = _vwap(filled)
        return RunnerClosed(qty, price, tuple(s.order_id for s in filled),
                            tuple(s.client_order_id for s in filled))

    async def _limit_exit(self, action: CloseRunner) -> OrderStatus | None:
        ticker = await self.exchange.get_ticker(action.symbol)
        touch = (ticker.bid if action.side is Side.SELL else ticker.ask) or ticker.last
        cid = self.allocate(Role.RUNNER_LIMIT, 1)[0]
        placed = await self.exchange.place_limit_postonly(
            symbol=action.symbol, side=action.side, qty=action.qty, price=touch, tif="gtc",
            reduce_only=True, client_order_id=cid)
        status = await self._settle(placed)
        if status is None:
            return None
        status = await await_terminal(self.exchange, self.clock, action.symbol,
                                      status.order_id, cid, polls=int(RUNNER_LIMIT_WAIT_S / 0.05))
        if status is not None and status.state.is_terminal:
            return status
        cancel = await self.exchange.cancel_order(symbol=action.symbol, order_id=placed.order_id
                                                  or None, client_order_id=cid)
        final = cancel.order_status
        if final is None:
            final = await await_terminal(self.exchange, self.clock, action.symbol,
                                         cancel.order_id or placed.order_id, cid)
        self.note(f"runner limit {cid}: {final.state.value if final else cancel.status}")
        return final

    async def de_risk(self, action: DeRisk) -> PositionEvent | None:
        status = await self._market(action.symbol, action.side, action.qty, Role.DERISK)
        if status is None or status.acc_fill_sz <= 0:
            self.note(f"de-risk of {action.qty} observed no fill", True)
            return None
        return PositionReduced(status.acc_fill_sz, status.avg_px or Decimal(0),
                               (status.order_id,), (status.client_order_id,))

    async def flatten(self, action: EmergencyFlatten) -> PositionEvent | None:
        ids = self.allocate(Role.FLATTEN, FLATTEN_ATTEMPTS)
        out = await emergency_flatten(self.exchange, self.clock, symbol=action.symbol,
                                      side=action.position_side, qty=action.qty, client_ids=ids)
        self.note(f"emergency flatten ({action.reason}): flat={out.flat}; {out.reason}",
                  not out.flat)
        await self.cancel_strays(action.symbol)
        if not out.flat:
            return None
        return EmergencyFlat(out.qty_closed, out.avg_price, action.reason, out.order_ids,
                             out.client_ids)

    async def _market(self, symbol: str, side: Side, qty: Decimal,
                      role: Role) -> OrderStatus | None:
        cid = self.allocate(role, 1)[0]
        placed = await self.exchange.place_market(symbol=symbol, side=side, qty=qty,
                                                  reduce_only=True, client_order_id=cid)
        status = await self._settle(placed)
        if status is None or status.state.is_terminal:
            return status
        return await await_terminal(self.exchange, self.clock, symbol, status.order_id, cid)

    async def _settle(self, placed: OrderPlacement) -> OrderStatus | None:
        """The exchange's view of a placed order: looked up, or resolved after an Unknown."""
        if isinstance(placed.outcome, Rejected):
            self.note(f"{placed.client_order_id} rejected {placed.outcome.code}: "
                      f"{placed.outcome.message}")
            return None
        if isinstance(placed.outcome, Unknown):
            found = await resolve_order(self.exchange, self.clock, inst_id=placed.inst_id,
                                        client_order_id=placed.client_order_id,
                                        exp_time_ms=placed.exp_time_ms)
            if found.status is None:
                self.note(f"{placed.client_order_id} unknown, "
                          f"{'absent' if found.conclusive else 'unresolved'}",
                          not found.conclusive)
            return found.status
        lookup = await self.exchange.get_order_status(
            inst_id=placed.inst_id, order_id=placed.order_id or None,
            client_order_id=placed.client_order_id)
        return lookup.status


def _vwap(statuses: list[OrderStatus]) -> tuple[Decimal, Decimal]:
    qty = sum((s.acc_fill_sz for s in statuses), Decimal(0))
    notional = sum((s.acc_fill_sz * (s.avg_px or Decimal(0)) for s in statuses), Decimal(0))
    return qty, notional / qty
