"""The probe must never leave a position behind (issue 8).

A probe price at or through the market (the lower of last and the best ask) would fill: it is
bad input unless the operator says a fill is wanted (allow_fill), and then only on an
instrument the account holds no position in, so the fill cannot merge into a managed position.
Whatever the probe order filled (an allowed fill, or a market that moved onto a resting order)
is sold again reduce-only at market, and the close is evidenced and reported.
"""

from decimal import Decimal

import attrs

from application.order_path import OrderPath, Settled
from domain.ids import Role, client_id
from domain.instrument import InstrumentSpec
from domain.orders import OrderIntent, OrdType, PositionSide
from ports.account import Account
from ports.errors import ExchangeError
from ports.evidence import EvidenceSink, SeedDocument

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


async def position_open(account: Account, inst_id: str) -> bool | None:
    try:
        positions = await account.get_positions()
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


async def close_probe_fill(path: OrderPath, sink: EvidenceSink, *, spec: InstrumentSpec,
                           intent_id: str, filled: Decimal) -> ProbeFillClosed:
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
        sent = await path.finish(await path.send(OrderIntent.closing(
            spec, PositionSide.LONG, OrdType.MARKET, left, None, cid)))
        closed += sent.filled
        if sent.settled is not Settled.PLACED or not sent.terminal:
            notes.append(sent.why)
            if sent.settled is Settled.UNKNOWN or (sent.status and not sent.terminal):
                break  # it may still fill: another order could sell twice
    result = ProbeFillClosed(filled, closed, tuple(ids), "; ".join(notes))
    sink.append_document(SeedDocument.PROBE_EXECUTION, {
        "call": "close_probe_fill", "ok": result.flat, "filled": str(filled),
        "closed": str(closed), "clOrdIds": list(ids), "reason": result.reason})
    return result
