"""Client-side pacing under OKX's published rate limits, so normal operation never meets 50011.

Each endpoint (and, where OKX counts per instrument, each instId or instType) has its own
sliding window; a caller waits (through the Clock) only behind callers of the same bucket.
"""

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

import attrs

from ports.clock import Clock

# A request counts in our window until its answer came back: the exchange cannot have counted
# it any later, so a new request sent a full window after that never lands inside the
# exchange's window, however the network delayed either one. The margin covers clock rounding.
WINDOW_MARGIN_S = 0.02
# a wait this long or longer is worth a log line (shorter ones are routine pacing)
LOG_WAIT_S = 0.2
log = logging.getLogger(__name__)
_UNPACED: AbstractAsyncContextManager[None] = nullcontext()


@attrs.frozen
class Limit:
    count: int
    window_s: float = 2.0
    # the request field OKX counts separately ("instId", "instType"), or None for the account
    scope: str | None = None


LIMITS: dict[str, Limit] = {
    "POST /api/v5/trade/order": Limit(60, scope="instId"),
    "POST /api/v5/trade/cancel-order": Limit(60, scope="instId"),
    "POST /api/v5/trade/amend-order": Limit(60, scope="instId"),
    "POST /api/v5/trade/order-algo": Limit(20),
    "POST /api/v5/trade/cancel-algos": Limit(20),
    "GET /api/v5/trade/order": Limit(60, scope="instId"),
    "GET /api/v5/trade/orders-pending": Limit(60),
    "GET /api/v5/trade/fills": Limit(60),
    "GET /api/v5/trade/order-algo": Limit(20),
    "GET /api/v5/trade/orders-algo-pending": Limit(20),
    "GET /api/v5/account/balance": Limit(10),
    "GET /api/v5/account/positions": Limit(10),
    "GET /api/v5/account/config": Limit(5),
    "POST /api/v5/account/set-position-mode": Limit(5),
    "POST /api/v5/account/set-leverage": Limit(20),
    "GET /api/v5/public/instruments": Limit(20, scope="instType"),
    "GET /api/v5/public/time": Limit(10),
    "GET /api/v5/public/mark-price": Limit(10),
    "GET /api/v5/public/funding-rate": Limit(10),
    "GET /api/v5/public/open-interest": Limit(20),
    "GET /api/v5/public/price-limit": Limit(20),
    "GET /api/v5/market/ticker": Limit(20),
    "GET /api/v5/market/candles": Limit(40),
    "GET /api/v5/market/history-mark-price-candles": Limit(10),
}


class _Window:
    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        # slot id -> when it stops counting (inf while its request is in flight)
        self.until: dict[int, float] = {}
        self.lock = asyncio.Lock()


class Pacer:
    """Waits until one more request fits in its bucket's window, then counts it."""

    def __init__(self, clock: Clock, enabled: bool = True,
                 limits: dict[str, Limit] | None = None) -> None:
        self._clock = clock
        self._enabled = enabled
        self._limits = LIMITS if limits is None else limits
        self._windows: dict[tuple[str, str], _Window] = {}
        self._ids = itertools.count()
        self.waited_s = 0.0

    def scope_of(self, endpoint: str, fields: dict[str, str]) -> str:
        """The bucket key part taken from the request (its instId or instType), if OKX has one."""
        limit = self._limits.get(endpoint)
        if limit is None or limit.scope is None:
            return ""
        return fields.get(limit.scope, "")

    def slot(self, endpoint: str, scope: str = "") -> AbstractAsyncContextManager[None]:
        """Hold a place in the bucket for the request sent inside the block; the place is
        released one window after the block ends (when the answer arrived)."""
        limit = self._limits.get(endpoint)
        if not self._enabled or limit is None:
            return _UNPACED  # nothing to count: no generator made and driven per request
        return self._paced(endpoint, scope, limit)

    @asynccontextmanager
    async def _paced(self, endpoint: str, scope: str, limit: Limit) -> AsyncIterator[None]:
        window = self._windows.get((endpoint, scope))
        if window is None:
            window = self._windows[(endpoint, scope)] = _Window(limit)
        async with window.lock:
            before = self.waited_s
            slot = await self._take(window)
        if self.waited_s - before >= LOG_WAIT_S:
            log.info("waited for OKX's rate limit", extra={
                "endpoint": endpoint, "wait_s": round(self.waited_s - before, 3)})
        try:
            yield
        finally:
            window.until[slot] = (self._clock.monotonic() + window.limit.window_s
                                  + WINDOW_MARGIN_S)

    async def _take(self, window: _Window) -> int:
        while True:
            now = self._clock.monotonic()
            for slot in [s for s, until in window.until.items() if until <= now]:
                del window.until[slot]
            if len(window.until) < window.limit.count:
                slot = next(self._ids)
                window.until[slot] = float("inf")
                return slot
            # every place is taken: wait for the first to expire (or for an answer to arrive)
            soonest = min(window.until.values())
            delay = soonest - now if soonest != float("inf") else 0.005
            self.waited_s += delay
            await self._clock.sleep(delay)
