"""Injected faults: what goes wrong, where, how often. Seeded, so a run repeats exactly.

A fault has a kind, a target (REST path after /api/v5/ such as "trade/order", a glob such as
"trade/*", "ws/private" for a WS service, an instId for market faults, or "*"), an optional
HTTP method, and a schedule: it lets the first `skip` matching calls pass, then fires on each
matching call (with `probability` if given) until it has fired `times` times (None = forever).
"""

import fnmatch
import random
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

# kind -> (parameter defaults, what it does)
KINDS: dict[str, tuple[dict[str, object], str]] = {
    "latency": ({"ms": 200}, "delay the request (or WS message) by ms before handling it"),
    "http_5xx": ({"status": 500, "processed": False},
                 "answer with an HTTP 5xx gateway body; processed=True runs the call first"),
    "busy": ({"processed": False}, "answer 'service unavailable' (HTTP 503): OKX 50001, Binance "
                                   "-1008 (the call was not run)"),
    "rate_limit": ({"status": 429}, "OKX 50011: status 429 is the gateway's 'Too Many "
                                    "Requests' body, 200 the full 'Rate limit reached' envelope; "
                                    "Binance -1003 with Retry-After: 429, or 418 (IP banned)"),
    "drop_after_accept": ({"mode": "reset", "hold_s": 30.0},
                          "run the call, then lose the response: mode reset (TCP RST) or "
                          "timeout (hold the response hold_s seconds, then reset)"),
    "malformed": ({"body": "html", "status": 200, "processed": False},
                  "answer with a broken body: html, truncated JSON or empty"),
    "algo_visibility_delay": ({"ms": 1500},
                              "a placed algo is absent from orders-algo-pending, GET "
                              "order-algo and the orders-algo push for ms"),
    "ws_disconnect": ({}, "abort the WS connection (no close frame: the client sees 1006) "
                          "instead of sending the next matching message"),
    "ws_refuse": ({}, "refuse WS connection attempts (handshake answered 403)"),
    "clock_skew": ({"ms": 5000}, "the exchange clock runs ms ahead (negative: behind)"),
    "partial_fill": ({"ratio": 0.5}, "each fill opportunity fills only ratio of the remaining "
                                     "size (at least one lot); target = instId or *"),
    "instrument_suspend": ({"at_ms": None}, "target instrument goes live -> suspend (at sim "
                                            "time at_ms, default now); clear() restores it"),
    "fill_race_cancel": ({}, "a cancel of a live order finds it filled: the order fills at its "
                             "price and the cancel gets 51400 (Binance: -2011)"),
    "send_status_unknown": ({"processed": True},
                            "the outcome is unknown to the client: Binance -1007 (HTTP 408), "
                            "OKX 50004 (HTTP 400); processed=True runs the call first"),
    "unknown_error": ({"processed": True},
                      "an unknown error: Binance HTTP 503 'Unknown error, please check your "
                      "request or try again later.', OKX 50026 (HTTP 500)"),
    "listen_key_expiry": ({}, "Binance: the listen key (target = key, or *) expires now: "
                              "listenKeyExpired is pushed, then -1125; OKX: open private and "
                              "business WS connections are dropped (log in again)"),
}
STATE_KINDS = ("clock_skew", "instrument_suspend")


@dataclass
class Fault:
    id: str
    kind: str
    target: str
    method: str | None
    times: int | None
    skip: int
    probability: float | None
    params: dict[str, object] = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    def matches(self, kind: str, subject: str, method: str | None) -> bool:
        if kind != self.kind or (self.method and method and self.method != method.upper()):
            return False
        return self.target == "*" or fnmatch.fnmatchcase(subject, self.target)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class Faults:
    """The fault plan of one simulator; thread-safe (the server and tests share it)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._rng = random.Random(f"{seed}:faults")
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._log: list[dict[str, object]] = []
        self._next = 0
        self.on_change: list[Callable[[str, Fault], None]] = []

    def inject(self, kind: str, target: str = "*", *, method: str | None = None,
               times: int | None = None, skip: int = 0, probability: float | None = None,
               **params: object) -> str:
        """Add a fault; returns its id (for clear). Unknown kinds or parameters raise."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
        defaults, _ = KINDS[kind]
        unknown = set(params) - set(defaults)
        if unknown:
            raise ValueError(f"{kind} takes {sorted(defaults)}, not {sorted(unknown)}")
        if probability is not None and not 0 <= probability <= 1:
            raise ValueError("probability must be within [0, 1]")
        if kind == "instrument_suspend" and target == "*":
            raise ValueError("instrument_suspend needs target=<instId>")
        target = target.removeprefix("/api/v5/")
        with self._lock:
            self._next += 1
            fault = Fault(f"f{self._next}", kind, target, method.upper() if method else None,
                          times, skip, probability, {**defaults, **params})
            self._faults.append(fault)
        for listener in list(self.on_change):
            listener("inject", fault)
        return fault.id

    def clear(self, fault_id: str | None = None) -> None:
        """Remove one fault, or all of them (state faults are undone)."""
        with self._lock:
            gone = [f for f in self._faults if fault_id is None or f.id == fault_id]
            self._faults = [f for f in self._faults if f not in gone]
        for fault in gone:
            for listener in list(self.on_change):
                listener("clear", fault)

    def take(self, kind: str, subject: str, method: str | None = None) -> Fault | None:
        """The fault of this kind that fires on this call, if any (counts the call)."""
        if not self._faults:
            return None
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not fault.matches(kind, subject, method):
                    continue
                fault.seen += 1
                if fault.seen <= fault.skip:
                    continue
                if fault.probability is not None and self._rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                self._log.append({"id": fault.id, "kind": kind, "subject": subject,
                                  "method": method or ""})
                return fault
        return None

    def active(self, kind: str) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.kind == kind and not f.exhausted]

    def listed(self) -> list[dict[str, object]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def fired(self) -> list[dict[str, object]]:
        """Every time a fault fired: id, kind, subject, method."""
        with self._lock:
            return list(self._log)

    def reset(self) -> None:
        self.clear()
        with self._lock:
            self._log.clear()
            self._rng = random.Random(f"{self._seed}:faults")


def describe() -> dict[str, dict[str, object]]:
    return {kind: {"params": defaults, "effect": effect}
            for kind, (defaults, effect) in KINDS.items()}
