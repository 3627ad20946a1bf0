"""The stop sent beside a market entry's status read (issue 14 P2).

A market entry's fill is known only once the exchange shows it (OKX's order ack carries none),
which costs the status read's round trip before today's stop could leave. This stop leaves in
that same round, as soon as the exchange has accepted the entry: reduce-only, sized at the
entry's size, its client id recorded as a pending stop before it is sent (a process that dies
now leaves it to the next recovery, which cancels it by client id and flattens a position whose
stop was never confirmed). It is not a claim about a fill, and the position record and stage
still move only on the fill the exchange shows:

- filled in full, and the exchange shows this stop open for that size at that trigger: it is
  the position's stop (application/performers.py adopts it; no second stop is sent);
- filled in part: a stop of the filled size is placed and confirmed, then this one is
  cancelled (replace, confirmed);
- refused (e.g. a venue that checks reduce-only against a position not there yet): the stop is
  placed after the fill, as before;
- not visible within its 1-second deadline, counted from its own placement: the seed's
  sentinel failed, the position is flattened;
- nothing filled, the entry refused or its fate unknown: it is cancelled by client id and seen
  gone (or left pending for the next recovery, and the command needs attention).
"""

import asyncio
from decimal import Decimal

from application.client_ids import allocate_ids
from application.notes import Note
from application.order_path import StopPath, StopSent
from application.pending_stops import PendingStops
from application.protection import cancel_stray_stop
from application.push_race import cancelled
from domain.algo import AlgoStopIntent
from domain.ids import Role
from domain.instrument import InstrumentSpec
from domain.orders import Side
from domain.params import Params
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.state import StateStore


class EarlyStop:
    """One market entry's stop sent with its status read; start() is the order path's
    on_accepted callback."""

    def __init__(self, stops: StopPath, algos: AlgoOrders, store: StateStore, clock: Clock,
                 params: Params, *, spec: InstrumentSpec, side: Side, qty: Decimal,
                 stop_price: Decimal) -> None:
        self._stops = stops
        self._algos = algos
        self._store = store
        self._clock = clock
        self._params = params
        self._spec = spec
        self._side = side
        self._qty = qty
        self._stop_price = stop_price
        self._task: asyncio.Task[StopSent] | None = None

    def start(self) -> None:
        """The exchange accepted the entry: send the stop beside its status read."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._send())

    async def _send(self) -> StopSent:
        symbol = self._spec.inst_id
        # recorded as pending in the same flush as its allocation, before it leaves
        (cid,) = allocate_ids(self._store, symbol, Role.STOP, 1,
                              pending_since=self._clock.now_ms() // 1000)
        intent = AlgoStopIntent(self._spec, self._side, self._qty, self._stop_price, cid)
        return await self._stops.send(
            intent, deadline_ms=self._params.protection.stop_visibility_deadline_ms)

    async def result(self) -> StopSent | None:
        """The stop as its placement and visibility check ended; None if it was never sent."""
        return None if self._task is None else await self._task

    async def withdraw(self, why: str) -> tuple[Note, ...]:
        """No position to protect (why): cancel the stop by client id and see it gone."""
        sent = await self.result()
        if sent is None:
            return ()
        cid = sent.intent.client_algo_id
        symbol = self._spec.inst_id
        pending = PendingStops(self._store, symbol)
        if not (sent.confirmed or sent.may_exist):  # refused: it never rested
            pending.settle(cid)
            return (Note(f"stop {cid} sent with the entry: {sent.reason}"),)
        out = await cancel_stray_stop(
            self._algos, self._clock, symbol=symbol, client_algo_id=cid, algo_id=sent.algo_id,
            wait_s=self._params.protection.stray_stop_wait_ms / 1000)
        if out.confirmed:
            pending.settle(cid)
        return (Note(f"stop {cid} sent with the entry ({why}): cancel {out.reason}",
                     not out.confirmed),)

    async def aclose(self) -> None:
        """Only a cancelled command leaves the stop's task running: it is cancelled with it
        (its client id is pending in the store, so the next recovery cancels the stop)."""
        if self._task is not None and not self._task.done():
            await cancelled(self._task)
