"""Protective stops and the emergency flatten, shared by every position use-case.

A stop counts only when the exchange shows it (seed 001 §0.2, §7); when it cannot be confirmed
the position is closed with a reduce-only market order, and "closed" again means the exchange
says so (order status and positions), never that we sent the order.
"""

from decimal import Decimal

import attrs

from application.sentinel import Visibility, ensure_algo_visible
from application.unknowns import resolve_order
from domain.algo import AlgoStopIntent
from domain.evidence import EvidenceRef
from domain.orders import OrderStatus, PositionSide
from domain.outcome import Accepted, Rejected, Unknown
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.exchange import ExchangeAdapter
from ports.exchange_types import AlgoPlacement, CancelDisposition

STATUS_POLL_S = 0.05
STATUS_POLLS = 40


@attrs.frozen
class StopOutcome:
    confirmed: bool
    algo_id: str
    client_algo_id: str
    reason: str
    placement: AlgoPlacement
    visibility: Visibility | None


async def place_and_confirm_stop(exchange: ExchangeAdapter, clock: Clock, *,
                                 intent: AlgoStopIntent, deadline_ms: int) -> StopOutcome:
    """Place the algo stop, then give the exchange deadline_ms to show it as open."""
    subscription = exchange.subscribe()
    try:
        placement = await exchange.submit_algo_stop(intent)
        outcome = placement.outcome
        cid = intent.client_algo_id
        if isinstance(outcome, Rejected):
            return StopOutcome(False, "", cid, f"stop rejected {outcome.code}: {outcome.message}",
                               placement, None)
        # an Unknown placement is resolved by its client id: the sentinel looks for it too
        seen = await ensure_algo_visible(exchange, clock, symbol=intent.inst_id,
                                         client_algo_id=cid, deadline_ms=deadline_ms,
                                         subscription=subscription)
    finally:
        subscription.close()
    if not seen.visible:
        lost = f" (answer lost: {outcome.reason})" if isinstance(outcome, Unknown) else ""
        return StopOutcome(False, placement.algo_id, cid,
                           f"stop not visible within {deadline_ms} ms{lost}", placement, seen)
    return StopOutcome(True, placement.algo_id or _algo_id(seen), cid,
                       f"visible via {seen.via} after {seen.elapsed_ms} ms", placement, seen)


def _algo_id(seen: Visibility) -> str:
    return seen.algo_order.algo_id if seen.algo_order else ""


@attrs.frozen
class StrayCancel:
    """confirmed: the exchange shows the stop canceled (or already finished, or it never
    showed while it was watched after a definite absence); otherwise it may still appear."""

    confirmed: bool
    reason: str


async def cancel_stray_stop(exchange: ExchangeAdapter, clock: Clock, *, symbol: str,
                            client_algo_id: str, algo_id: str, wait_s: float,
                            poll_s: float = 0.2) -> StrayCancel:
    """Cancel a stop that was placed but never confirmed visible, and see it gone.

    "Not found" is not the end of such a stop: it may be accepted but not yet visible
    (visibility lag), so it is watched for wait_s and cancelled as soon as it shows. A stop
    that never shows in that time is reported unconfirmed; recovery cancels it if it appears.
    """
    start = clock.monotonic()
    while True:
        result = await exchange.cancel_algo(symbol=symbol, algo_id=algo_id or None,
                                            client_algo_id=client_algo_id)
        disposition = result.disposition
        if isinstance(result.outcome, Accepted) and disposition is not CancelDisposition.NOT_FOUND:
            algo = result.algo_order
            what = "canceled" if disposition is CancelDisposition.CANCEL_ACCEPTED else \
                f"already {algo.state.value if algo else 'finished'}"
            return StrayCancel(True, what)
        if clock.monotonic() - start >= wait_s:
            why = "not found" if disposition is CancelDisposition.NOT_FOUND else result.status
            return StrayCancel(False, f"{why}; not seen within {wait_s:g} s, it may still "
                                      "appear (the next recovery cancels it)")
        await clock.sleep(poll_s)


@attrs.frozen
class FlattenOutcome:
    flat: bool
    unknown: bool
    qty_closed: Decimal
    avg_price: Decimal | None
    order_ids: tuple[str, ...]
    client_ids: tuple[str, ...]
    reason: str
    evidence: tuple[EvidenceRef, ...]


@attrs.define
class _Flatten:
    order_ids: list[str] = attrs.field(factory=list)
    client_ids: list[str] = attrs.field(factory=list)
    evidence: list[EvidenceRef] = attrs.field(factory=list)
    closed: Decimal = Decimal(0)
    notional: Decimal = Decimal(0)
    unknown: bool = False
    notes: list[str] = attrs.field(factory=list)

    def count(self, status: OrderStatus) -> None:
        """What one flatten order filled, as the exchange shows it (partly filled counts)."""
        self.closed += status.acc_fill_sz
        self.notional += status.acc_fill_sz * (status.avg_px or Decimal(0))

    def result(self, flat: bool) -> FlattenOutcome:
        # the average over every attempt's fills, as the exchange's fills give it
        price = self.notional / self.closed if self.closed else None
        return FlattenOutcome(flat, self.unknown and not flat, self.closed, price,
                              tuple(self.order_ids), tuple(self.client_ids),
                              "; ".join(self.notes), tuple(self.evidence))


async def emergency_flatten(exchange: ExchangeAdapter, clock: Clock, *, symbol: str,
                            side: PositionSide, qty: Decimal,
                            client_ids: tuple[str, ...]) -> FlattenOutcome:
    """Close the whole position reduce-only at market until the exchange shows it flat.

    The first attempt trusts side and qty (the exchange-observed size the caller holds) so the
    order leaves at once; every later attempt re-reads the position first. client_ids are
    pre-allocated and persisted by the caller, one per attempt, never reused.
    """
    run = _Flatten()
    for attempt, cid in enumerate(client_ids):
        if attempt > 0:
            side, qty = await _position(exchange, symbol, side, qty, run)
        if qty <= 0 or side is PositionSide.NONE:
            return run.result(True)
        status = await _market_close(exchange, clock, symbol, side, qty, cid, run)
        if status is None and run.unknown:
            break
        side, qty = await _position(exchange, symbol, side, qty, run)
        if qty <= 0 or side is PositionSide.NONE:
            return run.result(True)
    return run.result(False)


async def _position(exchange: ExchangeAdapter, symbol: str, side: PositionSide,
                    qty: Decimal, run: _Flatten) -> tuple[PositionSide, Decimal]:
    try:
        positions = await exchange.get_positions()
    except ExchangeError as exc:
        run.notes.append(f"positions unreadable ({exc}); using last known size")
        return side, qty
    run.evidence.append(positions.evidence)
    snap = positions.by_symbol.get(symbol)
    return (snap.side, snap.qty) if snap else (PositionSide.NONE, Decimal(0))


async def _market_close(exchange: ExchangeAdapter, clock: Clock, symbol: str,
                        side: PositionSide, qty: Decimal, cid: str,
                        run: _Flatten) -> OrderStatus | None:
    run.client_ids.append(cid)
    placed = await exchange.place_market(symbol=symbol, side=side.exit_side, qty=qty,
                                         reduce_only=True, client_order_id=cid)
    run.evidence.append(placed.evidence)
    order_id = placed.order_id
    if isinstance(placed.outcome, Rejected):
        run.notes.append(f"flatten {cid} rejected {placed.outcome.code}")
        return None
    if isinstance(placed.outcome, Unknown):
        found = await resolve_order(exchange, clock, inst_id=symbol, client_order_id=cid,
                                    exp_time_ms=placed.exp_time_ms)
        run.evidence.extend(found.evidence)
        if found.status is None:
            run.unknown = not found.conclusive
            run.notes.append(f"flatten {cid} " + ("absent" if found.conclusive else "unknown"))
            return None
        order_id = found.status.order_id
    assert isinstance(placed.outcome, Accepted | Unknown)
    run.order_ids.append(order_id)
    return await _await_terminal(exchange, clock, symbol, order_id, cid, run)


async def _await_terminal(exchange: ExchangeAdapter, clock: Clock, symbol: str,
                          order_id: str, cid: str, run: _Flatten) -> OrderStatus | None:
    status = await await_terminal(exchange, clock, symbol, order_id, cid)
    if status is not None and not status.state.is_terminal:
        # a market order the book only partly filled: cancel what is left before the next
        # attempt, so two flatten orders never rest at once, and count what it did fill
        cancel = await exchange.cancel_order(symbol=symbol, order_id=order_id or None,
                                             client_order_id=cid)
        run.evidence.append(cancel.evidence)
        status = cancel.order_status or await await_terminal(exchange, clock, symbol,
                                                             order_id, cid) or status
    if status is not None and status.evidence is not None:
        run.evidence.append(status.evidence)
    if status is None:
        run.notes.append(f"flatten {cid} not seen after {STATUS_POLLS} lookups")
        return None
    run.count(status)
    if not status.state.is_terminal:
        run.notes.append(f"flatten {cid} still {status.state.value} after its cancel")
        return None
    return status


async def await_terminal(exchange: ExchangeAdapter, clock: Clock, symbol: str, order_id: str,
                         cid: str, polls: int = STATUS_POLLS) -> OrderStatus | None:
    """Look the order up until the exchange shows it terminal; the last status seen, if any."""
    last: OrderStatus | None = None
    for _ in range(polls):
        try:
            lookup = await exchange.get_order_status(inst_id=symbol, order_id=order_id or None,
                                                     client_order_id=cid)
        except ExchangeError:
            lookup = None
        if lookup is not None and lookup.status is not None:
            last = lookup.status
            if last.state.is_terminal:
                return last
        await clock.sleep(STATUS_POLL_S)
    return last
