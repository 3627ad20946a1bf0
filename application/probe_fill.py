"""The probe must never leave a position behind (issue 8).

A probe price at or through the market (the lower of last and the best ask) would fill: it is
bad input unless the operator says a fill is wanted (allow_fill), and then only on an
instrument the account holds no position in, so the fill cannot merge into a managed position.
Whatever the probe order filled (an allowed fill, or a market that moved onto a resting order)
is sold again reduce-only at market, and the close is evidenced and reported.
"""

from decimal import Decimal

import attrs

from application.protection import await_terminal
from application.unknowns import resolve_order
from domain.ids import Role, client_id
from domain.orders import Side
from domain.outcome import Rejected, Unknown
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.evidence import EvidenceSink, SeedDocument
from ports.exchange import ExchangeAdapter

CLOSE_ATTEMPTS = 3


@attrs.frozen
class PriceCheck:
    """refusal: why the price may not be sent ("" when it may)."""

    refusal: str
    crosses: bool


def check_probe_price(px: Decimal, ask: Decimal | None, *, allow_fill: bool,
                      position_open: bool | None) -> PriceCheck:
    """A buy at px against the best ask: crossing is refused unless allow_fill, and a wanted
    fill needs a flat instrument (position_open None: the positions could not be read)."""
    if ask is None:
        return PriceCheck(f"--px {px} cannot be checked against the book (no best ask could "
                          "be read); nothing was sent", False)
    if px < ask:
        return PriceCheck("", False)
    if not allow_fill:
        return PriceCheck(f"--px {px} is at or above the market ({ask}): the probe order "
                          "would fill. Pass --allow-fill to accept a fill (it is closed again "
                          "reduce-only at once)", True)
    if position_open is None:
        return PriceCheck("--allow-fill needs the account's positions, which could not be "
                          "read; nothing was sent", True)
    if position_open:
        return PriceCheck("--allow-fill needs an instrument without a position: the fill "
                          "would merge into the open one; nothing was sent", True)
    return PriceCheck("", True)


async def position_open(exchange: ExchangeAdapter, inst_id: str) -> bool | None:
    try:
        positions = await exchange.get_positions()
    except ExchangeError:
        return None
    snap = positions.by_symbol.get(inst_id)
    return snap is not None and snap.qty > 0


@attrs.frozen
class ProbeFillClosed:
    filled: Decimal
    closed: Decimal
    client_ids: tuple[str, ...]
    reason: str

    @property
    def flat(self) -> bool:
        return self.closed >= self.filled


async def close_probe_fill(exchange: ExchangeAdapter, clock: Clock, sink: EvidenceSink, *,
                           inst_id: str, intent_id: str, filled: Decimal) -> ProbeFillClosed:
    """Sell exactly what the probe's buy filled, reduce-only at market, each attempt with a
    fresh client id, until the exchange shows that much sold (never more: a position the
    account held before the probe is not the probe's to close)."""
    closed, ids, notes = Decimal(0), [], []
    for attempt in range(CLOSE_ATTEMPTS):
        left = filled - closed
        if left <= 0:
            break
        cid = client_id(intent_id, Role.CLOSE, attempt)
        ids.append(cid)
        placed = await exchange.place_market(symbol=inst_id, side=Side.SELL, qty=left,
                                             reduce_only=True, client_order_id=cid)
        if isinstance(placed.outcome, Rejected):
            notes.append(f"{cid} rejected {placed.outcome.code}: {placed.outcome.message}")
            continue
        order_id = placed.order_id
        if isinstance(placed.outcome, Unknown):
            found = await resolve_order(exchange, clock, inst_id=inst_id, client_order_id=cid,
                                        exp_time_ms=placed.exp_time_ms)
            if found.status is None:
                notes.append(f"{cid} {'absent' if found.conclusive else 'unknown'}")
                if not found.conclusive:
                    break  # it may still fill: another order could sell twice
                continue
            order_id = found.status.order_id
        status = await await_terminal(exchange, clock, inst_id, order_id, cid)
        if status is None or not status.state.is_terminal:
            notes.append(f"{cid} not seen terminal")
            break
        closed += status.acc_fill_sz
    result = ProbeFillClosed(filled, closed, tuple(ids), "; ".join(notes))
    sink.append_document(SeedDocument.PROBE_EXECUTION, {
        "call": "close_probe_fill", "ok": result.flat, "filled": str(filled),
        "closed": str(closed), "clOrdIds": list(ids), "reason": result.reason})
    return result
