"""User-data stream keys: POST makes (or returns the active) key, PUT keeps it alive for
another 60 minutes, DELETE closes it; an expired or closed key answers -1125. Validity is
measured on the exchange clock (virtual or wall)."""

import secrets
import threading
from collections.abc import Callable

from simulator.binance.errors import BinanceError

VALIDITY_MS = 60 * 60 * 1000


class ListenKeys:
    def __init__(self, now_ms: Callable[[], int], validity_ms: int = VALIDITY_MS) -> None:
        self._now = now_ms
        self.validity_ms = validity_ms
        self._lock = threading.Lock()
        self._expires: dict[str, int] = {}

    def create(self) -> str:
        """The active key (Binance hands it out again), else a new one."""
        with self._lock:
            now = self._now()
            for key, expires in self._expires.items():
                if expires > now:
                    self._expires[key] = now + self.validity_ms
                    return key
            key = secrets.token_hex(32)
            self._expires[key] = now + self.validity_ms
            return key

    def keepalive(self, key: str = "") -> str:
        with self._lock:
            now = self._now()
            live = [k for k, exp in self._expires.items() if exp > now and (not key or k == key)]
            if not live:
                raise BinanceError(-1125)
            self._expires[live[0]] = now + self.validity_ms
            return live[0]

    def close(self, key: str = "") -> None:
        with self._lock:
            for k in [k for k in self._expires if not key or k == key]:
                del self._expires[k]

    def valid(self, key: str) -> bool:
        with self._lock:
            return self._expires.get(key, 0) > self._now()

    def due(self) -> list[str]:
        """Keys that expired since the last call (each is reported once)."""
        with self._lock:
            now = self._now()
            gone = [k for k, exp in self._expires.items() if exp <= now]
            for key in gone:
                del self._expires[key]
            return gone

    def expire_now(self, key: str = "") -> list[str]:
        """The listen_key_expiry fault: every key (or the one named) expires at once."""
        with self._lock:
            gone = [k for k in self._expires if not key or key in ("*", k)]
            for k in gone:
                del self._expires[k]
            return gone

    def reset(self) -> None:
        with self._lock:
            self._expires.clear()
