"""FakeAlgoOrders: ports.algo_orders.AlgoOrders over a FakeBook (with a visibility delay)."""

import attrs

from domain.algo import AlgoOrder, AlgoState, AlgoStopIntent
from domain.outcome import Accepted, Outcome, Rejected, Unknown
from ports.exchange_events import AlgoUpdate
from ports.exchange_types import AlgoCancelResult, AlgoLookup, AlgoPlacement, CancelDisposition
from tests.fake_venue.book import FakeBook


class FakeAlgoOrders:
    account_wide_cost = 1
    def __init__(self, book: FakeBook) -> None:
        self._book = book

    async def submit_algo_stop(self, intent: AlgoStopIntent) -> AlgoPlacement:
        book = self._book
        scripted = book.scripted_result("submit_algo_stop")
        ev = book.evidence("POST trade/order-algo")
        cid = intent.client_algo_id
        if isinstance(scripted, Rejected | Unknown):
            return AlgoPlacement(scripted, intent.inst_id, cid, "", ev)
        if any(a.client_algo_id == cid for a in book.algo_book.values() if a.state.is_open):
            return AlgoPlacement(Rejected("51065", "algoClOrdId already exists"),
                                 intent.inst_id, cid, "", ev)
        algo_id = "A" + book.next_id()
        algo = AlgoOrder(intent.inst_id, algo_id, cid, AlgoState.LIVE, intent.side,
                         intent.size, intent.close_position, intent.stop_price,
                         intent.working_type, True, book.clock.now_ms())
        book.algo_book[algo_id] = algo
        book.algo_visible_at[algo_id] = book.clock.monotonic() + book.algo_visibility_delay_s
        if book.push_algo_updates and book.algo_visibility_delay_s == 0:
            book.push(AlgoUpdate(algo, ev))
        outcome: Outcome = Unknown("dropped") if scripted == "drop" else Accepted(algo_id)
        return AlgoPlacement(outcome, intent.inst_id, cid,
                             "" if scripted == "drop" else algo_id, ev)

    async def get_open_algo_orders(self, symbol: str) -> tuple[AlgoOrder, ...]:
        book = self._book
        book.scripted_result("get_open_algo_orders")
        return tuple(a for a in book.algo_book.values()
                     if a.inst_id == symbol and a.state.is_open and book.algo_visible(a))

    async def get_all_open_algo_orders(self) -> tuple[AlgoOrder, ...]:
        book = self._book
        book.scripted_result("get_all_open_algo_orders")
        return tuple(a for a in book.algo_book.values()
                     if a.state.is_open and book.algo_visible(a))

    async def get_algo_order(self, *, symbol: str, algo_id: str | None,
                             client_algo_id: str | None) -> AlgoLookup:
        book = self._book
        book.scripted_result("get_algo_order")
        found = self._find(algo_id, client_algo_id, symbol)
        if found is not None and not book.algo_visible(found):
            found = None
        return AlgoLookup(symbol, found, book.evidence("GET trade/order-algo"))

    def _find(self, algo_id: str | None, client_algo_id: str | None,
              symbol: str) -> AlgoOrder | None:
        """As OKX looks an algo up: by id or client id, within the instrument named."""
        return next((a for a in self._book.algo_book.values()
                     if a.inst_id == symbol and ((algo_id and a.algo_id == algo_id)
                     or (client_algo_id and a.client_algo_id == client_algo_id))), None)

    async def cancel_algo(self, *, symbol: str, algo_id: str | None,
                          client_algo_id: str | None) -> AlgoCancelResult:
        book = self._book
        scripted = book.scripted_result("cancel_algo")
        ev = book.evidence("POST trade/cancel-algos")
        found = self._find(algo_id, client_algo_id, symbol)
        aid, cid = algo_id or "", client_algo_id or ""
        if isinstance(scripted, Rejected | Unknown):
            return AlgoCancelResult(scripted, None, symbol, aid, cid, None, ev)
        if found is not None and not algo_id and not book.algo_visible(found):
            found = None  # by client id the adapter must look the algo up first: not shown yet
        if found is None:
            return AlgoCancelResult(Accepted(aid), CancelDisposition.NOT_FOUND, symbol, aid, cid,
                                    None, ev)
        if not found.state.is_open:
            return AlgoCancelResult(Accepted(found.algo_id), CancelDisposition.ALREADY_TERMINAL,
                                    symbol, found.algo_id, found.client_algo_id, found, ev)
        book.algo_book[found.algo_id] = attrs.evolve(found, state=AlgoState.CANCELED)
        return AlgoCancelResult(Accepted(found.algo_id), CancelDisposition.CANCEL_ACCEPTED,
                                symbol, found.algo_id, found.client_algo_id, None, ev)
