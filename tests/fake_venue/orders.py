"""FakeOrders: ports.orders.Orders over a FakeBook."""

from decimal import Decimal

import attrs

from domain.orders import OrderIntent, OrderState, OrderStatus
from domain.outcome import Accepted, Outcome, Rejected, Unknown
from ports.exchange_types import (
    CancelDisposition,
    CancelResult,
    DeadManSwitch,
    Executions,
    Fills,
    OrderLookup,
    OrderPlacement,
)
from tests.fake_venue.book import FakeBook

D = Decimal


class FakeOrders:
    account_wide_cost = 1
    def __init__(self, book: FakeBook) -> None:
        self._book = book

    async def submit_order(self, intent: OrderIntent) -> OrderPlacement:
        book = self._book
        for hook in book.before_submit:
            hook(intent)
        scripted = book.scripted_result("submit_order")
        ev = book.evidence("POST trade/order")
        exp = book.clock.now_ms() + 2000
        cid = intent.client_order_id
        if isinstance(scripted, Rejected | Unknown):
            return OrderPlacement(scripted, intent.inst_id, cid, "", ev, exp)
        if any(o.client_order_id == cid and not o.state.is_terminal
               for o in book.order_book.values()):
            return OrderPlacement(Rejected("51016", "Duplicated client order ID"),
                                  intent.inst_id, cid, "", ev, exp)
        order_id = book.next_id()
        book.order_book[order_id] = OrderStatus(
            intent.inst_id, order_id, cid, OrderState.LIVE, intent.side, intent.ord_type.value,
            intent.size, intent.price, D(0), None, intent.reduce_only, book.clock.now_ms())
        if intent.ord_type.value == "market":
            ratio = book.market_fill_ratio
            part = None if ratio is None else (intent.size * ratio).quantize(D("0.01"))
            if part is None or part > 0:
                book.fill_order(order_id, qty=part, price=book.prices[intent.inst_id])
        outcome: Outcome = Unknown("dropped after accept") if scripted == "drop" \
            else Accepted(order_id)
        shown = "" if scripted == "drop" else order_id
        answered = None if book.placement_answer is None or not shown else \
            book.placement_answer(attrs.evolve(book.order_book[order_id], evidence=ev))
        return OrderPlacement(outcome, intent.inst_id, cid, shown, ev, exp,
                              "0" if shown else "", "", "0" if shown else "", "",
                              order_status=answered)

    async def get_order_status(self, *, symbol: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        book = self._book
        book.scripted_result("get_order_status")
        found = book.find_order(order_id, client_order_id, symbol)
        ev = book.evidence("GET trade/order", "ok" if found else "rejected:51603")
        return OrderLookup(symbol, attrs.evolve(found, evidence=ev) if found else None, ev)

    async def cancel_order(self, *, symbol: str, order_id: str | None,
                           client_order_id: str | None) -> CancelResult:
        book = self._book
        scripted = book.scripted_result("cancel_order")
        ev = book.evidence("POST trade/cancel-order")
        found = book.find_order(order_id, client_order_id, symbol)
        oid, cid = order_id or "", client_order_id or ""
        if isinstance(scripted, Rejected | Unknown):
            return CancelResult(scripted, None, symbol, oid, cid, None, ev)
        if found is None:
            return CancelResult(Accepted(oid), CancelDisposition.NOT_FOUND, symbol, oid, cid,
                                None, ev)
        if found.state.is_terminal:
            return CancelResult(Accepted(found.order_id), CancelDisposition.ALREADY_TERMINAL,
                                symbol, found.order_id, found.client_order_id, found, ev)
        book.order_book[found.order_id] = attrs.evolve(found, state=OrderState.CANCELED)
        return CancelResult(Accepted(found.order_id), CancelDisposition.CANCEL_ACCEPTED, symbol,
                            found.order_id, found.client_order_id, None, ev)

    async def get_open_orders(self, symbol: str) -> tuple[OrderStatus, ...]:
        self._book.scripted_result("get_open_orders")
        return tuple(o for o in self._book.order_book.values()
                     if o.inst_id == symbol and not o.state.is_terminal)

    async def get_all_open_orders(self) -> tuple[OrderStatus, ...]:
        self._book.scripted_result("get_all_open_orders")
        return tuple(o for o in self._book.order_book.values() if not o.state.is_terminal)

    async def arm_dead_man(self, *, symbols: tuple[str, ...], timeout_s: int) -> DeadManSwitch:
        self._book.scripted_result("arm_dead_man")
        self._book.dead_man_arms.append((symbols, timeout_s))
        return DeadManSwitch(True, timeout_s, "", self._book.evidence("POST cancel-all-after"))

    async def get_executions(self, *, symbol: str, since_ms: int) -> Executions:
        self._book.scripted_result("get_executions")
        return Executions(symbol, tuple(t for t in self._book.trades
                                        if t.inst_id == symbol and t.ts_ms >= since_ms),
                          self._book.evidence("GET trade/fills"))

    async def get_fills(self, *, symbol: str, order_id: str) -> Fills:
        return Fills(symbol, (), self._book.evidence("GET trade/fills"))
