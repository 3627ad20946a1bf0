"""Resolving Unknown outcomes by asking the exchange about the client id, never by assuming."""

import attrs

from domain.evidence import EvidenceRef
from domain.orders import OrderStatus
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.market import MarketData
from ports.orders import Orders

# Local and exchange clocks differ by the measured offset plus jitter; wait this long past the
# request's expTime before treating "no such order" as final.
EXP_GRACE_MS = 1000
LOOKUP_INTERVAL_S = 0.2


@attrs.frozen
class OrderResolution:
    """status is the order if the exchange has it. conclusive is False when we still cannot say
    (lookups kept failing, or the deadline had not passed): the outcome stays Unknown."""

    status: OrderStatus | None
    conclusive: bool
    lookups: int
    evidence: tuple[EvidenceRef, ...]


async def resolve_order(orders: Orders, market: MarketData, clock: Clock, *, symbol: str,
                        client_order_id: str, exp_time_ms: int | None,
                        interval_s: float = LOOKUP_INTERVAL_S,
                        max_wait_s: float = 10.0) -> OrderResolution:
    """Look the order up by client id until it is found, or it is provably absent because the
    exchange's deadline for the request (expTime) has passed, or max_wait_s runs out."""
    start = clock.monotonic()
    evidence: list[EvidenceRef] = []
    lookups = 0
    while True:
        lookups += 1
        try:
            found = await orders.get_order_status(symbol=symbol, order_id=None,
                                                  client_order_id=client_order_id)
        except ExchangeError as exc:
            if exc.evidence is not None:
                evidence.append(exc.evidence)
        else:
            evidence.append(found.evidence)
            if found.status is not None:
                return OrderResolution(found.status, True, lookups, tuple(evidence))
            if exp_time_ms is not None and await _past(market, clock, exp_time_ms):
                return OrderResolution(None, True, lookups, tuple(evidence))
        if clock.monotonic() - start >= max_wait_s:
            return OrderResolution(None, False, lookups, tuple(evidence))
        await clock.sleep(interval_s)


async def _past(market: MarketData, clock: Clock, exp_time_ms: int) -> bool:
    """expTime is on the exchange's clock, so ask the exchange what time it is there; the local
    clock may run ahead of it and would end the wait before the exchange's deadline."""
    if clock.now_ms() < exp_time_ms - 60_000:
        return False
    try:
        server = await market.get_server_time()
    except ExchangeError:
        return False
    return server.ts_ms >= exp_time_ms + EXP_GRACE_MS
