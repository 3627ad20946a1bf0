"""SimRuntime: one running simulator (core, credentials, faults, evidence of misuse).

Both the embedded harness and `prometheus-exec sim serve` build one and hand it to the app.
"""

import threading
from collections import deque
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from simulator.binance.api import BinanceApi
from simulator.binance.limits import BinanceLimits
from simulator.binance.listen_keys import ListenKeys
from simulator.core.clock import Clock, VirtualClock, WallClock
from simulator.core.exchange import ExchangeCore
from simulator.core.state import CoreConfig
from simulator.faults import Fault, Faults
from simulator.wire.auth import WINDOW_MS, Credentials
from simulator.wire.ratelimit import RateLimiter

JOURNAL_SIZE = 10_000
EXCHANGES = ("okx", "binance")


@dataclass(frozen=True)
class SimSettings:
    api_key: str
    secret: str
    passphrase: str
    mode: str = "demo"                     # "demo" | "live": which keys these are
    seed: int = 7
    virtual_clock: bool = False
    start_ms: int | None = None            # virtual clock start (default: now, whole seconds)
    rate_limits: bool = True
    auth_window_ms: int | None = WINDOW_MS  # None accepts any timestamp
    ws_idle_timeout_s: float = 30.0
    tick_interval_s: float = 0.1           # how often the wall-clock market catches up
    core: CoreConfig | None = None
    exchange: str = "okx"                  # which face: "okx" or "binance"
    ban_after_429s: int | None = None      # binance: this many 429s in a minute -> 418 ban
    ws_ping_interval_s: float | None = None  # binance: server pings (Binance: every 180 s)

    def __post_init__(self) -> None:
        if self.mode not in ("demo", "live"):
            raise ValueError(f"mode must be 'demo' or 'live', not {self.mode!r}")
        if self.exchange not in EXCHANGES:
            raise ValueError(f"exchange must be one of {', '.join(EXCHANGES)}, "
                             f"not {self.exchange!r}")


class SimRuntime:
    def __init__(self, settings: SimSettings) -> None:
        self.settings = settings
        self.credentials = Credentials(settings.api_key, settings.secret, settings.passphrase)
        self.demo = settings.mode == "demo"
        self.clock: Clock = (VirtualClock(settings.start_ms) if settings.virtual_clock
                             else WallClock())
        config = replace(settings.core or CoreConfig(seed=settings.seed),
                         exchange=settings.exchange)
        self.core = ExchangeCore(config, self.clock)
        self.binance_keys: ListenKeys | None = None
        self.binance_limits: BinanceLimits | None = None
        self.binance_api: BinanceApi | None = None
        if settings.exchange == "binance":
            self.binance_keys = ListenKeys(self.core.now_ms)
            self.binance_limits = BinanceLimits(settings.rate_limits, settings.ban_after_429s)
            self.binance_api = BinanceApi(self.core)
        self.tick_hooks: list[Any] = []  # run after every advance() (e.g. listen-key expiry)
        self.faults = Faults(settings.seed)
        self.faults.on_change.append(self._apply_state_fault)
        self.core.set_partial_fill_hook(self._partial_ratio)
        self.limiter = RateLimiter(settings.rate_limits)
        self._lock = threading.Lock()
        self._violations: list[dict[str, object]] = []
        self.journal: deque[tuple[Any, ...]] = deque(maxlen=JOURNAL_SIZE)
        self.ws_hubs: list[Any] = []  # each app serving this runtime adds its WsHub

    # -- evidence -------------------------------------------------------------------------
    def record_violation(self, entry: dict[str, object]) -> None:
        with self._lock:
            self._violations.append(entry)

    def violations(self) -> list[dict[str, object]]:
        """Public calls that arrived carrying OK-ACCESS-* headers (each one a contract breach)."""
        with self._lock:
            return list(self._violations)

    def requests(self) -> list[dict[str, object]]:
        """The last requests received: ts, method, path, query, header names (never their
        values), expTime, simulated, body, status, response, note ("dropped" if lost)."""
        with self._lock:
            raw = list(self.journal)
        return [_journal_entry(entry) for entry in raw]

    def record_request(self, entry: tuple[object, ...]) -> None:
        self.journal.append(entry)  # deque.append is atomic

    # -- faults that change state ---------------------------------------------------------
    def _partial_ratio(self, inst_id: str) -> Decimal | None:
        fault = self.faults.take("partial_fill", inst_id)
        return None if fault is None else Decimal(str(fault.params["ratio"]))

    def _apply_state_fault(self, action: str, fault: Fault) -> None:
        if fault.kind == "clock_skew":
            skew = sum(int(str(f.params["ms"])) for f in self.faults.active("clock_skew"))
            self.core.set_skew(skew)
        elif fault.kind == "instrument_suspend":
            at_ms = fault.params.get("at_ms")
            if action == "inject":
                self.core.set_instrument_state(fault.target, "suspend",
                                               int(str(at_ms)) if at_ms is not None else None)
            else:
                self.core.set_instrument_state(fault.target, "live")

    # -- control --------------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        if not isinstance(self.clock, VirtualClock):
            raise RuntimeError("advance() needs virtual_clock=True")
        self.clock.advance(round(seconds * 1000))
        self.core.tick()
        for hook in list(self.tick_hooks):
            hook()

    def reset(self) -> None:
        """Fresh exchange state, no faults, no recorded violations or requests."""
        self.faults.reset()
        self.core.reset()
        self.core.set_skew(0)
        self.limiter.reset()
        if self.binance_keys is not None and self.binance_limits is not None:
            self.binance_keys.reset()
            self.binance_limits.reset()
        with self._lock:
            self._violations.clear()
            self.journal.clear()


def _journal_entry(raw: tuple[Any, ...]) -> dict[str, object]:
    ts, method, path, query, names, exp_time, simulated, body, status, response, note = raw
    return {"ts": ts, "method": method, "path": path, "query": text(query),
            "headers": sorted(text(n) for n in names), "expTime": text(exp_time),
            "simulated": text(simulated), "body": text(body), "status": status,
            "response": text(response), "note": note}


def text(value: bytes | None) -> str:
    return (value or b"").decode("utf-8", "replace")
