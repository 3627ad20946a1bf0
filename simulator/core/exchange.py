"""ExchangeCore: the thread-safe face of the simulated exchange.

Every public method takes the core's lock and first lets the market catch up with the clock
(price steps, resting-order fills, algo triggers, deferred announcements), so what a caller
sees is always the state at the clock's current time.
"""

import threading
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal

from simulator.core.algos import announce_due, check_triggers
from simulator.core.api_admin import AdminViews
from simulator.core.api_market import MarketApi
from simulator.core.api_trade import TradeApi
from simulator.core.clock import Clock, WallClock
from simulator.core.dead_man import fire_due
from simulator.core.locking import locked
from simulator.core.matching import match_resting
from simulator.core.state import CoreConfig, EventSink, ExchangeState

# a wall clock that jumps further than this many steps skips the intermediate ones
MAX_CATCH_UP_STEPS = 3_600


class ExchangeCore(MarketApi, TradeApi, AdminViews):
    def __init__(self, config: CoreConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or CoreConfig()
        self.clock = clock or WallClock()
        self._lock = threading.RLock()
        self._counters: dict[str, int] = {}
        self._sinks: list[EventSink] = []
        self._scheduled: list[tuple[int, str, str]] = []
        self._synced = -1  # the price step the market has caught up with
        self.state = ExchangeState(self.config, self.clock, self._counters)
        self.state.sinks = self._sinks

    def add_sink(self, sink: EventSink) -> None:
        with self._lock:
            self._sinks.append(sink)

    def remove_sink(self, sink: EventSink) -> None:
        with self._lock:
            if sink in self._sinks:
                self._sinks.remove(sink)

    def set_partial_fill_hook(self, hook: Callable[[str], Decimal | None]) -> None:
        with self._lock:
            self.state.partial_fill_ratio = hook

    def reset(self) -> None:
        """A fresh exchange (balances, orders, prices from the seed); ids keep increasing."""
        with self._lock:
            hook = self.state.partial_fill_ratio
            self.state = ExchangeState(self.config, self.clock, self._counters)
            self.state.sinks = self._sinks
            self.state.partial_fill_ratio = hook
            self._scheduled.clear()
            self._synced = -1

    # -- the market ---------------------------------------------------------------------
    def _sync(self) -> None:
        state = self.state
        now = state.now()
        target = (state.clock.now_ms() - state.t0) // self.config.step_ms
        if target == self._synced and not self._scheduled and not state.unannounced \
                and not state.countdowns:
            return
        self._synced = target
        for inst_id in state.instruments:
            done = state.steps[inst_id]
            if target - done > MAX_CATCH_UP_STEPS:
                done = target - MAX_CATCH_UP_STEPS
            while done < target:
                done += 1
                quote = state.quotes[inst_id]
                price = state.paths[inst_id].step(quote.last)
                step_ms = state.t0 + done * self.config.step_ms + state.skew_ms
                self._move(inst_id, price, price, price, min(step_ms, now))
            state.steps[inst_id] = done
        self._run_schedule(now)
        if state.countdowns:
            fire_due(state, now)
        if state.unannounced:
            announce_due(state, now)

    def _move(self, inst_id: str, last: Decimal, mark: Decimal, index: Decimal,
              now: int) -> None:
        state = self.state
        quote = state.quotes[inst_id]
        changed = (quote.last, quote.mark, quote.index) != (last, mark, index)
        quote.last, quote.mark, quote.index = last, mark, index
        state.candles[inst_id].record(now, last)
        if not changed:
            return
        match_resting(state, inst_id, now)
        check_triggers(state, inst_id, now)
        state.emit("tickers", inst_id, inst_id)
        state.emit("mark-price", inst_id, inst_id)
        state.emit("candle", inst_id, inst_id)

    @locked
    def set_price(self, inst_id: str, last: Decimal, mark: Decimal | None = None,
                  index: Decimal | None = None) -> None:
        """Move last (and mark/index, which default to last); fills and triggers follow."""
        if inst_id not in self.state.instruments:
            raise KeyError(f"unknown instrument {inst_id}")
        tick = self.state.instruments[inst_id].tick_sz
        prices = [(_on_tick(v, tick) if v is not None else None) for v in (last, mark, index)]
        if any(v is not None and v <= 0 for v in prices):
            raise ValueError("prices must be positive")
        new_last = prices[0]
        assert new_last is not None
        self._move(inst_id, new_last, prices[1] or new_last, prices[2] or new_last,
                   self.state.now())

    @locked
    def quote(self, inst_id: str) -> tuple[Decimal, Decimal, Decimal]:
        quote = self.state.quotes[inst_id]
        return quote.last, quote.mark, quote.index

    @locked
    def tick(self) -> None:
        """Catch up with the clock (the server calls this periodically on the wall clock)."""

    def now_ms(self) -> int:
        """The exchange clock (clock + skew); reading it needs no lock and no catching up."""
        return self.state.now()

    @locked
    def set_skew(self, skew_ms: int) -> None:
        self.state.skew_ms = skew_ms

    @locked
    def set_instrument_state(self, inst_id: str, new_state: str, at_ms: int | None = None) -> None:
        """Switch an instrument's state now, or when the clock reaches at_ms."""
        if inst_id not in self.state.instruments:
            raise KeyError(f"unknown instrument {inst_id}")
        self._scheduled.append((at_ms or 0, inst_id, new_state))
        self._run_schedule(self.state.now())

    def _run_schedule(self, now: int) -> None:
        due = [item for item in self._scheduled if item[0] <= now]
        if due:
            self._scheduled = [item for item in self._scheduled if item[0] > now]
            for _, inst_id, new_state in due:
                self.state.instruments[inst_id].state = new_state


def _on_tick(value: Decimal, tick: Decimal) -> Decimal:
    return (Decimal(value) / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick
