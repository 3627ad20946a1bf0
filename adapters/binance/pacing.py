"""Client-side pacing under Binance's own numbers, so normal operation never meets a 429.

Budgets come from exchangeInfo.rateLimits (request weight per minute, orders per 10 s and per
minute; the documented values until it has been read). Windows are fixed and aligned to the
exchange's clock, as Binance counts them. Each request is charged its documented weight (and
order count) before it leaves; each answer's X-MBX-USED-WEIGHT-* / X-MBX-ORDER-COUNT-* headers
raise the count to what Binance saw (other clients of the same IP or account count too).

A 429 blocks every request until its Retry-After has passed (waited out when short, refused when
long); a 418 ban stops all traffic until the ban ends: every request is refused before it is
sent, and the ban is logged as an error.
"""

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

import attrs

from adapters.binance.errors import BANNED, Limited
from ports.clock import Clock

log = logging.getLogger(__name__)

WEIGHT, ORDERS = "REQUEST_WEIGHT", "ORDERS"
_INTERVAL_MS = {"SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_HEADER = re.compile(r"x-mbx-(used-weight|order-count)-(\d+)([smhd])")
_BANNED_UNTIL = re.compile(r"banned until (\d{13})")
DEFAULT_BAN_S = 120.0
# a wait this long or longer is worth a log line (shorter ones are routine pacing)
LOG_WAIT_MS = 200
# fixed windows roll on the exchange's clock; ours is an estimate of it, so wait this much longer
ROLL_MARGIN_MS = 100

# documented request weights; a path not listed costs DEFAULT_WEIGHT (on the safe side)
DEFAULT_WEIGHT = 5
WEIGHTS: dict[str, int] = {
    "GET /fapi/v1/ping": 1, "GET /fapi/v1/time": 1, "GET /fapi/v1/exchangeInfo": 1,
    "GET /fapi/v1/premiumIndex": 1, "GET /fapi/v1/openInterest": 1,
    "GET /fapi/v1/ticker/price": 1, "GET /fapi/v1/ticker/bookTicker": 2,
    "GET /fapi/v3/balance": 5, "GET /fapi/v3/account": 5, "GET /fapi/v2/account": 5,
    "GET /fapi/v3/positionRisk": 5, "GET /fapi/v1/symbolConfig": 5,
    "GET /fapi/v1/positionSide/dual": 30, "POST /fapi/v1/positionSide/dual": 1,
    "POST /fapi/v1/leverage": 1, "POST /fapi/v1/order": 0, "GET /fapi/v1/order": 1,
    "DELETE /fapi/v1/order": 1, "GET /fapi/v1/openOrders": 1, "GET /fapi/v1/userTrades": 5,
    "POST /fapi/v1/algoOrder": 0, "GET /fapi/v1/algoOrder": 1, "DELETE /fapi/v1/algoOrder": 1,
    "GET /fapi/v1/openAlgoOrders": 1, "POST /fapi/v1/listenKey": 1,
    "PUT /fapi/v1/listenKey": 1, "DELETE /fapi/v1/listenKey": 1,
}
# listing every symbol at once costs more
WITHOUT_SYMBOL = {"GET /fapi/v1/premiumIndex": 10, "GET /fapi/v1/ticker/price": 2,
                  "GET /fapi/v1/ticker/bookTicker": 5, "GET /fapi/v1/openOrders": 40,
                  "GET /fapi/v1/openAlgoOrders": 40}
PLACEMENTS = frozenset({"POST /fapi/v1/order", "POST /fapi/v1/algoOrder"})


def weight_of(endpoint: str, params: Mapping[str, str]) -> int:
    if endpoint in ("GET /fapi/v1/klines", "GET /fapi/v1/markPriceKlines"):
        limit = int(params.get("limit", "500"))
        return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10
    if endpoint in WITHOUT_SYMBOL and not params.get("symbol"):
        return WITHOUT_SYMBOL[endpoint]
    return WEIGHTS.get(endpoint, DEFAULT_WEIGHT)


@attrs.frozen
class Budget:
    kind: str  # REQUEST_WEIGHT | ORDERS
    window_ms: int
    limit: int


DOCUMENTED = (Budget(WEIGHT, 60_000, 2400), Budget(ORDERS, 10_000, 300),
              Budget(ORDERS, 60_000, 1200))


class PacerRefused(Exception):
    """Nothing was sent: Binance banned us (418) or told us to wait longer than we may (429)."""

    def __init__(self, reason: str, until_ms: int, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # "ip_banned" | "rate_limited"
        self.until_ms = until_ms


def utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class WeightPacer:
    """Charges requests against Binance's budgets; now_ms is the exchange clock's estimate."""

    def __init__(self, clock: Clock, now_ms: Callable[[], int], *, enabled: bool = True,
                 share: float = 0.9, max_wait_s: float = 10.0) -> None:
        self._clock = clock
        self._now_ms = now_ms
        self._enabled = enabled
        self._share = share
        self._max_wait_s = max_wait_s
        self._budgets: tuple[Budget, ...] = DOCUMENTED
        # (kind, window_ms) -> (window index, used)
        self._used: dict[tuple[str, int], tuple[int, int]] = {}
        self.blocked_until_ms = 0
        self.banned_until_ms = 0
        self.waited_s = 0.0

    @property
    def budgets(self) -> tuple[Budget, ...]:
        return self._budgets

    def use_limits(self, rate_limits: Iterable[tuple[str, str, int, int]]) -> None:
        """The exchange's own budgets: (rateLimitType, interval, intervalNum, limit) rows."""
        found = tuple(Budget(kind, _INTERVAL_MS[interval] * num, limit)
                      for kind, interval, num, limit in rate_limits
                      if kind in (WEIGHT, ORDERS) and interval in _INTERVAL_MS and limit > 0)
        if found:
            self._budgets = found

    def used(self, kind: str, window_ms: int) -> int:
        index, used = self._used.get((kind, window_ms), (-1, 0))
        return used if index == self._now_ms() // window_ms else 0

    async def admit(self, endpoint: str, params: Mapping[str, str]) -> None:
        """Wait until the request fits every budget, then charge it; raise PacerRefused while
        banned or when a 429 asks for a longer wait than max_wait_s."""
        self._refuse_if_banned()
        await self._wait_out_block()
        # a ban read while this request waited out a 429 refuses it too: the send follows
        # admit with no await between, so nothing leaves once a 418 has been read
        self._refuse_if_banned()
        if not self._enabled:
            return
        costs = {WEIGHT: weight_of(endpoint, params), ORDERS: int(endpoint in PLACEMENTS)}
        while True:
            wait_ms = max((self._wait_for(b, costs[b.kind]) for b in self._budgets), default=0)
            if wait_ms <= 0:
                break
            self.waited_s += wait_ms / 1000
            if wait_ms >= LOG_WAIT_MS:
                log.info("waiting for Binance's rate budget", extra={
                    "endpoint": endpoint, "wait_ms": wait_ms})
            await self._clock.sleep(wait_ms / 1000)
            self._refuse_if_banned()
        for budget in self._budgets:
            self._charge(budget, costs[budget.kind])

    def observe(self, headers: Mapping[str, str] | None) -> None:
        """Raise our counts to what an answer's usage headers say Binance counted."""
        for name, value in (headers or {}).items():
            match = _HEADER.fullmatch(name.lower())
            if match is None or not value.isdigit():
                continue
            kind = WEIGHT if match.group(1) == "used-weight" else ORDERS
            window_ms = int(match.group(2)) * _UNIT_MS[match.group(3)]
            index = self._now_ms() // window_ms
            seen = self._used.get((kind, window_ms), (index, 0))
            used = seen[1] if seen[0] == index else 0
            self._used[(kind, window_ms)] = (index, max(used, int(value)))

    def limited(self, answer: Limited) -> None:
        """A 429 blocks requests until its Retry-After; a 418 bans them until the ban ends."""
        now = self._now_ms()
        if answer.status == BANNED:
            stated = _BANNED_UNTIL.search(answer.message)
            after = answer.retry_after_s if answer.retry_after_s is not None else DEFAULT_BAN_S
            until = int(stated.group(1)) if stated else now + int(after * 1000)
            self.banned_until_ms = max(self.banned_until_ms, until)
            log.error("Binance banned this IP (HTTP 418) until %s: no request is sent before "
                      "then (%s)", utc(self.banned_until_ms), answer.message)
            return
        after_s = answer.retry_after_s if answer.retry_after_s is not None else 1.0
        self.blocked_until_ms = max(self.blocked_until_ms, now + int(after_s * 1000))

    def _refuse_if_banned(self) -> None:
        if self._now_ms() < self.banned_until_ms:
            raise PacerRefused("ip_banned", self.banned_until_ms,
                               f"Binance banned this IP (HTTP 418) until "
                               f"{utc(self.banned_until_ms)}; nothing is sent before then")

    async def _wait_out_block(self) -> None:
        wait_s = (self.blocked_until_ms - self._now_ms()) / 1000
        if wait_s <= 0:
            return
        if wait_s > self._max_wait_s:
            raise PacerRefused("rate_limited", self.blocked_until_ms,
                               f"Binance asked us to wait until {utc(self.blocked_until_ms)} "
                               f"(HTTP 429, Retry-After); not sent")
        self.waited_s += wait_s
        await self._clock.sleep(wait_s)

    def _wait_for(self, budget: Budget, cost: int) -> int:
        """ms until the budget's window has room for cost (0: now)."""
        if cost == 0:
            return 0
        allowed = max(1, int(budget.limit * self._share))
        used = self.used(budget.kind, budget.window_ms)
        if used + cost <= allowed or used == 0:  # a request heavier than the share still goes
            return 0
        now = self._now_ms()
        return (now // budget.window_ms + 1) * budget.window_ms - now + ROLL_MARGIN_MS

    def _charge(self, budget: Budget, cost: int) -> None:
        index = self._now_ms() // budget.window_ms
        self._used[(budget.kind, budget.window_ms)] = (
            index, self.used(budget.kind, budget.window_ms) + cost)
