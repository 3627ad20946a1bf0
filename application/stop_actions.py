"""The stop actions of a position: place a stop and see it visible within its deadline (or adopt
the one sent with a market entry), replace it, cancel it, and cancel the stops placed but never
confirmed (seed 001 §0.2). Client ids are allocated, and recorded as pending stops, before a
placement leaves.
"""

from decimal import Decimal

import attrs

from application.order_path import StopSent
from application.performer_context import PerformerContext
from application.protection import cancel_stray_stop
from domain.actions import CancelProtection, PlaceProtection, ReplaceProtection
from domain.algo import AlgoOrder, AlgoStopIntent
from domain.events import PositionEvent, StopConfirmed, StopMoved, StopNotVisible
from domain.ids import Role
from domain.orders import Side
from domain.outcome import Accepted
from ports.exchange_types import AlgoCancelResult, CancelDisposition


@attrs.define
class StopActions(PerformerContext):
    """The stop half of a Performer (application/performers.py adds the order actions)."""

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
