"""Everything the exchange remembers, the ids it hands out, and the events it announces."""

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from simulator.core.account import Account
from simulator.core.candles import CandleBook
from simulator.core.clock import Clock
from simulator.core.instruments import Instrument, catalogue
from simulator.core.models import AlgoOrder, Fill, Order
from simulator.core.prices import (
    CandleRow,
    CsvPath,
    PricePath,
    Quote,
    RandomWalk,
    load_candle_csv,
    synthetic_history,
)


@dataclass
class CoreConfig:
    seed: int = 7
    balances: dict[str, Decimal] = field(
        default_factory=lambda: {"USDT": Decimal(100_000), "USDC": Decimal(100_000)})
    step_ms: int = 1000
    vol_per_step: float = 0.0002          # sigma of the log return per step
    slippage_bps: Decimal = Decimal(2)    # market orders fill at last x (1 +/- this)
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0005")
    band_pct: Decimal = Decimal("0.05")   # price-limit band around mark
    history_minutes: int = 1440
    candle_csv: dict[str, Path] = field(default_factory=dict)
    instruments: list[Instrument] | None = None
    uid: str = "44770000000001"
    # OKX account mode: 1 spot, 2 futures, 3 multi-currency margin, 4 portfolio margin
    acct_lv: str = "2"
    # which exchange's catalogue and id style: "okx" or "binance"
    exchange: str = "okx"


OKX_ID_BASES = {"ord": 700_000_000_000_000_000, "algo": 800_000_000_000_000_000,
                "trade": 100_000_000, "bill": 900_000_000_000_000_000,
                "pos": 600_000_000_000_000_000}
BINANCE_ID_BASES = {"ord": 5_000_000_000, "algo": 3_000_000_000, "trade": 200_000_000,
                    "bill": 900_000_000, "pos": 1}


class EventSink(Protocol):
    """Receives what changed; a face's WS hub is one. Called with the core's lock held, so a
    sink renders the subject (an OrderEvent, Position, AlgoOrder, currency or instrument id)
    at once, in its own wire format, and sends it later: be quick."""

    def wants(self, channel: str) -> bool: ...

    def push(self, channel: str, key: str, subject: object) -> None: ...


class ExchangeState:
    def __init__(self, config: CoreConfig, clock: Clock,
                 counters: dict[str, int] | None = None) -> None:
        self.config = config
        self.clock = clock
        self.skew_ms = 0
        self.t0 = clock.now_ms()
        self.counters = counters if counters is not None else {}
        # copies: instrument states change at run time and a reset must start afresh
        specs = [replace(i) for i in config.instruments or catalogue(config.exchange, self.t0)]
        self.instruments: dict[str, Instrument] = {i.inst_id: i for i in specs}
        self.quotes: dict[str, Quote] = {}
        self.paths: dict[str, PricePath] = {}
        self.candles: dict[str, CandleBook] = {}
        self.steps: dict[str, int] = {}
        for inst in specs:
            self._start_market(inst)
        self.account = Account(config.balances, self.instruments, self.quotes, self.new_id)
        self.orders: dict[str, Order] = {}
        self.live: dict[str, dict[str, Order]] = {i: {} for i in self.instruments}
        self.latest_cl_ord: dict[str, str] = {}
        self.live_cl_ord: dict[str, str] = {}
        self.fills: list[Fill] = []
        self.algos: dict[str, AlgoOrder] = {}
        self.live_algos: dict[str, dict[str, AlgoOrder]] = {i: {} for i in self.instruments}
        self.latest_algo_cl: dict[str, str] = {}
        # algos placed under a visibility-delay fault, not yet announced on orders-algo
        self.unannounced: list[AlgoOrder] = []
        # dead-man timers (simulator/core/dead_man.py): scope key -> deadline ms
        self.countdowns: dict[str, int] = {}
        self.sinks: list[EventSink] = []
        # faults reach the core through these hooks, so the core never imports them
        self.partial_fill_ratio: Callable[[str], Decimal | None] = lambda inst_id: None

    def _start_market(self, inst: Instrument) -> None:
        rng = random.Random(f"{self.config.seed}:{inst.inst_id}")
        csv_path = self.config.candle_csv.get(inst.inst_id)
        if csv_path is not None:
            rows = load_candle_csv(csv_path)
            path: PricePath = CsvPath(rows)
            start = rows[0].open
            history: Callable[[], tuple[CandleRow, ...]] = tuple
        else:
            path = RandomWalk(rng, inst.tick_sz, self.config.vol_per_step)
            start = inst.start_price
            per_minute = self.config.vol_per_step * (60_000 / self.config.step_ms) ** 0.5
            # built on the first candle read (simulator/core/candles.py)
            history = functools.partial(
                synthetic_history, f"{self.config.seed}:{inst.inst_id}:history", start,
                inst.tick_sz, self.t0, self.config.history_minutes, per_minute)
        self.paths[inst.inst_id] = path
        self.quotes[inst.inst_id] = Quote(start, start, start)
        self.candles[inst.inst_id] = CandleBook(history)
        self.candles[inst.inst_id].record(self.t0, start)
        self.steps[inst.inst_id] = 0

    def now(self) -> int:
        return self.clock.now_ms() + self.skew_ms

    def new_id(self, kind: str) -> str:
        """Numeric ids, increasing per kind, never reused: 18-19 digits like OKX's, or
        Binance-sized ones (its orderId/algoId are int64 but far below 2**53)."""
        bases = BINANCE_ID_BASES if self.config.exchange == "binance" else OKX_ID_BASES
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return str(bases.get(kind, 0) + self.counters[kind])

    def emit(self, channel: str, key: str, subject: object) -> None:
        for sink in self.sinks:
            if sink.wants(channel):
                sink.push(channel, key, subject)
