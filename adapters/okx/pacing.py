"""Client-side pacing under OKX's published rate limits, so normal operation never meets 50011.

Each endpoint (and, where OKX counts per instrument, each instId or instType) has its own
sliding window; a caller waits (through the Clock) only behind callers of the same bucket.
"""

import asyncio
from collections import deque

import attrs

from ports.clock import Clock

# arrival jitter can squeeze two requests closer together than we sent them
WINDOW_MARGIN_S = 0.1


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
}


class _Window:
    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self.sent: deque[float] = deque()
        self.lock = asyncio.Lock()


class Pacer:
    """Waits until one more request fits in its bucket's window, then counts it."""

    def __init__(self, clock: Clock, enabled: bool = True,
                 limits: dict[str, Limit] | None = None) -> None:
        self._clock = clock
        self._enabled = enabled
        self._limits = LIMITS if limits is None else limits
        self._windows: dict[tuple[str, str], _Window] = {}
        self.waited_s = 0.0

    def scope_of(self, endpoint: str, fields: dict[str, str]) -> str:
        """The bucket key part taken from the request (its instId or instType), if OKX has one."""
        limit = self._limits.get(endpoint)
        if limit is None or limit.scope is None:
            return ""
        return fields.get(limit.scope, "")

    async def wait(self, endpoint: str, scope: str = "") -> None:
        limit = self._limits.get(endpoint)
        if not self._enabled or limit is None:
            return
        window = self._windows.get((endpoint, scope))
        if window is None:
            window = self._windows[(endpoint, scope)] = _Window(limit)
        async with window.lock:
            await self._take(window)

    async def _take(self, window: _Window) -> None:
        span = window.limit.window_s + WINDOW_MARGIN_S
        while True:
            now = self._clock.monotonic()
            while window.sent and window.sent[0] <= now - span:
                window.sent.popleft()
            if len(window.sent) < window.limit.count:
                window.sent.append(now)
                return
            delay = window.sent[0] + span - now
            self.waited_s += delay
            await self._clock.sleep(delay)
