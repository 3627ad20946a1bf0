"""OKX's per-endpoint rate limits (fact sheet §1): requests per 2 s, sliding window."""

import threading
import time
from collections import deque

WINDOW_S = 2.0
# (method, path after /api/v5/) -> (limit per 2 s, basis): "inst" = per instId, "type" = per
# instType, "" = per account (private) or per IP (public)
LIMITS: dict[tuple[str, str], tuple[int, str]] = {
    ("POST", "trade/order"): (60, "inst"), ("POST", "trade/cancel-order"): (60, "inst"),
    ("POST", "trade/amend-order"): (60, "inst"), ("POST", "trade/batch-orders"): (300, "inst"),
    ("POST", "trade/cancel-batch-orders"): (300, "inst"),
    ("POST", "trade/close-position"): (20, "inst"), ("GET", "trade/order"): (60, "inst"),
    ("GET", "trade/orders-pending"): (60, ""), ("GET", "trade/orders-history"): (40, ""),
    ("GET", "trade/fills"): (60, ""), ("POST", "trade/order-algo"): (20, ""),
    ("POST", "trade/cancel-all-after"): (2, ""),
    ("POST", "trade/cancel-algos"): (20, ""), ("GET", "trade/order-algo"): (20, ""),
    ("GET", "trade/orders-algo-pending"): (20, ""),
    ("GET", "trade/orders-algo-history"): (20, ""), ("GET", "account/balance"): (10, ""),
    ("GET", "account/positions"): (10, ""), ("GET", "account/config"): (5, ""),
    ("POST", "account/set-position-mode"): (5, ""), ("POST", "account/set-leverage"): (20, ""),
    ("GET", "account/leverage-info"): (20, ""), ("GET", "public/instruments"): (20, "type"),
    ("GET", "public/time"): (10, ""), ("GET", "public/mark-price"): (10, ""),
    ("GET", "public/funding-rate"): (10, ""), ("GET", "public/open-interest"): (20, ""),
    ("GET", "public/price-limit"): (20, ""), ("GET", "market/ticker"): (20, ""),
    ("GET", "market/tickers"): (20, ""), ("GET", "market/books"): (40, ""),
    ("GET", "market/candles"): (40, ""), ("GET", "market/history-candles"): (20, ""),
    ("GET", "market/mark-price-candles"): (20, ""),
    ("GET", "market/history-mark-price-candles"): (10, ""),
}

# endpoints whose limit counts orders (batch items) rather than requests
ORDER_COUNTED = ("trade/batch-orders", "trade/cancel-batch-orders")


class RateLimiter:
    """Counts calls (or batch items) per endpoint and basis on the monotonic clock."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._hits: dict[tuple[str, ...], deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, method: str, path: str, who: str, inst_ids: list[str],
              inst_type: str = "") -> bool:
        """Record the call; False when it exceeds the endpoint's limit."""
        rule = LIMITS.get((method, path))
        if not self.enabled or rule is None:
            return True
        limit, basis = rule
        if path == "trade/batch-orders" and len(inst_ids) == 1:
            method, path, limit = "POST", "trade/order", 60  # a 1-item batch counts as one order
        keys = [(method, path, who, i) for i in inst_ids] if basis == "inst" and inst_ids else \
            [(method, path, who, inst_type if basis == "type" else "")]
        now = time.monotonic()
        with self._lock:
            windows = [self._window(key, now) for key in keys]
            if any(len(w) >= limit for w in windows):
                return False
            for window in windows:
                window.append(now)
        return True

    def _window(self, key: tuple[str, ...], now: float) -> deque[float]:
        window = self._hits.setdefault(key, deque())
        while window and now - window[0] >= WINDOW_S:
            window.popleft()
        return window

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
