"""Binance's request weights and order counts, with the headers that report them.

Fixed windows on the wall clock, like Binance's: request weight per IP per minute (2,400),
orders per account per 10 s (300) and per minute (1,200). Over a limit: HTTP 429 with -1003
(weight) or -1015 (orders) and Retry-After (seconds to the window's end). With `ban_after`
set, that many 429s inside one minute ban the IP for `ban_s` seconds: every request is then
answered HTTP 418 -1003 "IP banned until ...". Off (None) by default in embedded simulators.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.binance.errors import BinanceError
from simulator.binance.market import ORDERS_PER_10S, ORDERS_PER_MINUTE, REQUEST_WEIGHT_PER_MINUTE


@dataclass
class Window:
    span_s: int
    start: int = -1
    used: int = 0

    def current(self, now: float) -> int:
        start = int(now // self.span_s) * self.span_s
        if start != self.start:
            self.start, self.used = start, 0
        return self.used

    def retry_after(self, now: float) -> int:
        return max(1, int(self.start + self.span_s - now + 0.999))


@dataclass
class Usage:
    weight: int
    orders_10s: int | None = None
    orders_1m: int | None = None
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


class BinanceLimits:
    def __init__(self, enabled: bool = True, ban_after: int | None = None,
                 ban_s: float = 120.0, clock: Callable[[], float] = time.time) -> None:
        self.enabled = enabled
        self.ban_after = ban_after
        self.ban_s = ban_s
        self.clock = clock  # wall seconds; tests may fix it
        self._lock = threading.Lock()
        self._weights: dict[str, Window] = {}
        self._orders: dict[str, tuple[Window, Window]] = {}
        self._strikes: dict[str, Window] = {}
        self._banned_until: dict[str, float] = {}

    def _now(self) -> float:
        return self.clock()

    def charge(self, ip: str, account: str, weight: int, orders: int) -> Usage:
        """Count a request (raise the 429/418 BinanceError when over); the usage headers."""
        now = self._now()
        with self._lock:
            self._check_ban(ip, now)
            window = self._weights.setdefault(ip, Window(60))
            used = window.current(now) + weight
            if self.enabled and used > REQUEST_WEIGHT_PER_MINUTE:
                self._strike(ip, now)
                raise _limited(-1003, window.retry_after(now), REQUEST_WEIGHT_PER_MINUTE)
            window.used = used
            usage = Usage(used, headers=[(b"x-mbx-used-weight-1m", str(used).encode())])
            if orders:
                self._count_orders(ip, account, orders, now, usage)
            return usage

    def _count_orders(self, ip: str, account: str, orders: int, now: float,
                      usage: Usage) -> None:
        ten, minute = self._orders.setdefault(account, (Window(10), Window(60)))
        in_ten, in_minute = ten.current(now) + orders, minute.current(now) + orders
        if self.enabled and in_ten > ORDERS_PER_10S:
            self._strike(ip, now)
            raise _limited(-1015, ten.retry_after(now), ORDERS_PER_10S, "10 SECONDS")
        if self.enabled and in_minute > ORDERS_PER_MINUTE:
            self._strike(ip, now)
            raise _limited(-1015, minute.retry_after(now), ORDERS_PER_MINUTE, "1 MINUTE")
        ten.used, minute.used = in_ten, in_minute
        usage.orders_10s, usage.orders_1m = in_ten, in_minute
        usage.headers += [(b"x-mbx-order-count-10s", str(in_ten).encode()),
                          (b"x-mbx-order-count-1m", str(in_minute).encode())]

    def strike(self, ip: str) -> None:
        """An injected 429 counts towards a ban like a real one."""
        with self._lock:
            self._strike(ip, self._now())

    def _strike(self, ip: str, now: float) -> None:
        if self.ban_after is None:
            return
        strikes = self._strikes.setdefault(ip, Window(60))
        strikes.used = strikes.current(now) + 1
        if strikes.used >= self.ban_after:
            self._banned_until[ip] = now + self.ban_s

    def _check_ban(self, ip: str, now: float) -> None:
        until = self._banned_until.get(ip)
        if until is not None and now < until:
            raise banned(until, now)

    def reset(self) -> None:
        with self._lock:
            self._weights.clear()
            self._orders.clear()
            self._strikes.clear()
            self._banned_until.clear()


def _limited(code: int, retry_after: int, *args: object) -> BinanceError:
    return BinanceError(code, *args, http_status=429, retry_after=retry_after)


def banned(until: float, now: float) -> BinanceError:
    return BinanceError(-1003, msg=f"Way too many requests; IP banned until "
                                   f"{int(until * 1000)}. Please use the websocket for live "
                                   "updates to avoid bans.", http_status=418,
                        retry_after=max(1, int(until - now + 0.999)))
