"""The emergency flatten and the cancel of a stop that was never confirmed, shared by every
position use-case.

A stop counts only when the exchange shows it (seed 001 §0.2, §7; application/order_path.py);
when it cannot be confirmed the position is closed with reduce-only market orders, and "closed"
again means the exchange says so (order status and positions), never that we sent the order.
"""

import logging
from decimal import Decimal

import attrs

from application.order_path import OrderPath, Sent, Settled, Wait
from domain.evidence import EvidenceRef
from domain.instrument import InstrumentSpec
from domain.orders import OrderIntent, OrdType, PositionSide
from domain.outcome import Accepted
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.exchange_types import CancelDisposition

log = logging.getLogger(__name__)


@attrs.frozen
class StrayCancel:
    """confirmed: the exchange shows the stop canceled (or already finished); otherwise it may
    still appear."""

    confirmed: bool
    reason: str


async def cancel_stray_stop(algos: AlgoOrders, clock: Clock, *, symbol: str,
                            client_algo_id: str, algo_id: str, wait_s: float,
                            poll_s: float = 0.2) -> StrayCancel:
    """Cancel a stop that was placed but never confirmed visible, and see it gone.

    "Not found" is not the end of such a stop: it may be accepted but not yet visible
    (visibility lag), so it is watched for wait_s and cancelled as soon as it shows. A stop
    that never shows in that time is reported unconfirmed; recovery cancels it if it appears.
    """
    start = clock.monotonic()
    while True:
        result = await algos.cancel_algo(symbol=symbol, algo_id=algo_id or None,
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

    def count(self, sent: Sent) -> None:
        """What one flatten order filled, as the exchange shows it (partly filled counts)."""
        self.evidence.extend(sent.evidence)
        if sent.status is not None:
            self.order_ids.append(sent.status.order_id)
            self.closed += sent.filled
            self.notional += sent.filled * (sent.status.avg_px or Decimal(0))

    def result(self, flat: bool) -> FlattenOutcome:
        # the average over every attempt's fills, as the exchange's fills give it
        price = self.notional / self.closed if self.closed else None
        return FlattenOutcome(flat, self.unknown and not flat, self.closed, price,
                              tuple(self.order_ids), tuple(self.client_ids),
                              "; ".join(self.notes), tuple(self.evidence))


async def emergency_flatten(path: OrderPath, account: Account, *, spec: InstrumentSpec,
                            side: PositionSide, qty: Decimal,
                            client_ids: tuple[str, ...]) -> FlattenOutcome:
    """Close the whole position reduce-only at market until the exchange shows it flat.

    The first attempt trusts side and qty (the exchange-observed size the caller holds) so the
    order leaves at once; every later attempt re-reads the position first. client_ids are
    pre-allocated and persisted by the caller, one per attempt, never reused.
    """
    log.warning("emergency flatten: closing the position reduce-only at market", extra={
        "symbol": spec.inst_id, "side": side.value, "qty": str(qty),
        "client_order_ids": list(client_ids)})
    done = await _flatten(path, account, spec, side, qty, client_ids)
    fields = {"symbol": spec.inst_id, "qty_closed": str(done.qty_closed),
              "client_order_ids": list(done.client_ids), "order_ids": list(done.order_ids)}
    if done.flat:
        log.warning("emergency flatten done: the exchange shows the symbol flat", extra=fields)
    else:
        log.error("emergency flatten FAILED: the position may still be open", extra={
            **fields, "unknown": done.unknown, "reason": done.reason})
    return done


async def _flatten(path: OrderPath, account: Account, spec: InstrumentSpec,
                   side: PositionSide, qty: Decimal,
                   client_ids: tuple[str, ...]) -> FlattenOutcome:
    run = _Flatten()
    symbol = spec.inst_id
    for attempt, cid in enumerate(client_ids):
        if attempt > 0:
            side, qty = await _position(account, symbol, side, qty, run)
        if qty <= 0 or side is PositionSide.NONE:
            return run.result(True)
        run.client_ids.append(cid)
        sent = await path.send(OrderIntent.closing(spec, side, OrdType.MARKET, qty, None, cid),
                               wait=Wait.TERMINAL)
        # a market order the book only partly filled: cancel the rest before the next
        # attempt, so two flatten orders never rest at once, and count what it did fill
        sent = await path.finish(sent)
        run.count(sent)
        if sent.settled is not Settled.PLACED or not sent.terminal:
            run.notes.append(f"flatten {sent.why}")
            if sent.settled is Settled.UNKNOWN or (sent.status and not sent.terminal):
                run.unknown = True
                break
        side, qty = await _position(account, symbol, side, qty, run)
        if qty <= 0 or side is PositionSide.NONE:
            return run.result(True)
    return run.result(False)


async def _position(account: Account, symbol: str, side: PositionSide,
                    qty: Decimal, run: _Flatten) -> tuple[PositionSide, Decimal]:
    try:
        positions = await account.get_positions()
    except ExchangeError as exc:
        run.notes.append(f"positions unreadable ({exc}); using last known size")
        return side, qty
    run.evidence.append(positions.evidence)
    snap = positions.by_symbol.get(symbol)
    return (snap.side, snap.qty) if snap else (PositionSide.NONE, Decimal(0))
