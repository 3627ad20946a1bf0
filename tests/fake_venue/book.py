"""The shared bookkeeping behind the role fakes: instruments, prices, orders, algos, positions,
scripted failures and the evidence of every call. Deliberately simple (no order book): limit
orders rest until `fill_order`; market orders fill at the current price."""

import asyncio
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from domain.algo import AlgoOrder, AlgoState
from domain.evidence import EvidenceRef
from domain.instrument import InstrumentSpec
from domain.orders import ExchangeTrade, OrderState, OrderStatus, PositionSide, Side
from ports.errors import ExchangeError, ExchangeRejected
from ports.evidence import ExchangeCallRecord
from ports.exchange_events import ExchangeEvent
from ports.exchange_types import Kline
from tests.fakes import FakeClock, InMemoryEvidenceSink

D = Decimal


def spec(inst_id: str = "BTC-USDT-SWAP", state: str = "live") -> InstrumentSpec:
    return InstrumentSpec(inst_id, "SWAP", state, D("0.1"), D("0.01"), D("0.01"), D("0.01"),
                          D("1"), inst_id.split("-")[1])


class FakeSubscription:
    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self.queue: deque[ExchangeEvent] = deque()
        self.closed = False
        self._arrived = asyncio.Event()

    def offer(self, event: ExchangeEvent) -> None:
        self.queue.append(event)
        self._arrived.set()

    async def next_event(self) -> ExchangeEvent:
        while not self.queue:
            self._arrived.clear()
            await self._arrived.wait()
        return self.queue.popleft()

    async def get(self, timeout: float) -> ExchangeEvent | None:
        import asyncio
        if self.queue:
            await asyncio.sleep(0)
            return self.queue.popleft()
        await self._clock.sleep(timeout)
        return self.queue.popleft() if self.queue else None

    def close(self) -> None:
        self.closed = True


class FakeBook:
    """One fake venue's state; the role fakes read and change it."""

    def __init__(self, clock: FakeClock, sink: InMemoryEvidenceSink | None = None,
                 instruments: tuple[InstrumentSpec, ...] | None = None) -> None:
        self.clock = clock
        self.sink = sink or InMemoryEvidenceSink()
        self.instruments = instruments or (spec(), spec("ETH-USDT-SWAP"),
                                           spec("XRP-USDT-SWAP", "suspend"))
        self.prices: dict[str, Decimal] = {i.inst_id: D("30000") for i in self.instruments}
        self.order_book: dict[str, OrderStatus] = {}
        self.algo_book: dict[str, AlgoOrder] = {}
        self.algo_visible_at: dict[str, float] = {}
        self.positions: dict[str, tuple[PositionSide, Decimal, Decimal]] = {}
        # 1-minute mark bars a test scripts for ShockGuard's calibration (get_mark_klines)
        self.mark_klines: dict[str, tuple[Kline, ...]] = {}
        # every arm_dead_man call: (symbols, timeout_s)
        self.dead_man_arms: list[tuple[tuple[str, ...], int]] = []
        # every execution, oldest first (get_executions)
        self.trades: list[ExchangeTrade] = []
        self.pos_mode = "net_mode"
        # the leverage each symbol holds (get_leverage; 1 until set_leverage sets it)
        self.leverage: dict[str, Decimal] = {}
        self.acct_lv = "2"
        # the equity of each currency the account lists (get_equities, get_balance_equity)
        self.equity: dict[str, Decimal] = {"USDT": D("100000"), "USDC": D("100000")}
        # get_balances: (total equity, available, margin used)
        self.balances = (D("100000"), D("90000"), D("10000"))
        # (bid, ask) per symbol; default: both at the price
        self.ticker_spread: dict[str, tuple[Decimal, Decimal]] = {}
        self.server_offset_ms = 0
        self.algo_visibility_delay_s = 0.0
        # share of a market order the book fills at once (None: all); the rest rests
        self.market_fill_ratio: Decimal | None = None
        self.push_algo_updates = False
        # a venue whose placement answer shows the order after matching (Binance RESULT):
        # given the order as the book holds it then, what the answer shows. None: the answer
        # shows no order (OKX, Binance ACK)
        self.placement_answer: Callable[[OrderStatus], OrderStatus] | None = None
        self.scripted: dict[str, deque[Any]] = {}
        self.calls: list[str] = []
        self.before_submit: list[Any] = []
        self.subscriptions: list[FakeSubscription] = []
        self._seq = 0

    # --- scripting
    def script(self, method: str, *results: Any) -> None:
        """Queue outcomes for the next calls of method: an Outcome, an exception, or
        "drop" (the write takes effect but the answer is Unknown)."""
        self.scripted.setdefault(method, deque()).extend(results)

    def scripted_result(self, method: str) -> Any:
        self.calls.append(method)
        queue = self.scripted.get(method)
        item = queue.popleft() if queue else None
        if isinstance(item, ExchangeError):
            raise item
        return item

    def evidence(self, endpoint: str, outcome: str = "ok") -> EvidenceRef:
        return self.sink.record_call(ExchangeCallRecord(
            "rest", endpoint, {"endpoint": endpoint}, {"http_status": 200}, outcome,
            self.clock.now_ms(), self.clock.monotonic()))

    def instrument(self, inst_id: str) -> InstrumentSpec:
        found = next((i for i in self.instruments if i.inst_id == inst_id), None)
        if found is None:
            raise ExchangeRejected("51001", "Instrument ID does not exist", 200)
        return found

    def next_id(self) -> str:
        self._seq += 1
        return str(1000 + self._seq)

    def push(self, event: ExchangeEvent) -> None:
        for sub in self.subscriptions:
            if not sub.closed:
                sub.offer(event)

    # --- positions bookkeeping
    def apply_fill(self, inst_id: str, side: Side, qty: Decimal, price: Decimal) -> None:
        pside, held, entry = self.positions.get(inst_id, (PositionSide.NONE, D(0), D(0)))
        signed = held if pside is not PositionSide.SHORT else -held
        new = signed + (qty if side is Side.BUY else -qty)
        if new == 0:
            self.positions.pop(inst_id, None)
            return
        new_side = PositionSide.LONG if new > 0 else PositionSide.SHORT
        same = signed == 0 or (signed > 0) == (new > 0)
        grows = abs(new) > abs(signed)
        if same and grows:
            entry = (abs(signed) * entry + qty * price) / abs(new)
        elif not same:
            entry = price
        self.positions[inst_id] = (new_side, abs(new), entry)

    def position_qty(self, inst_id: str) -> tuple[PositionSide, Decimal]:
        pside, qty, _ = self.positions.get(inst_id, (PositionSide.NONE, D(0), D(0)))
        return pside, qty

    def fill_order(self, order_id: str, qty: Decimal | None = None,
                   price: Decimal | None = None) -> OrderStatus:
        order = self.order_book[order_id]
        qty = qty if qty is not None else order.size - order.acc_fill_sz
        px = price if price is not None else (order.price or self.prices[order.inst_id])
        acc = order.acc_fill_sz + qty
        state = OrderState.FILLED if acc >= order.size else OrderState.PARTIALLY_FILLED
        updated = attrs.evolve(order, state=state, acc_fill_sz=acc, avg_px=px,
                               updated_ms=self.clock.now_ms())
        self.order_book[order_id] = updated
        self.apply_fill(order.inst_id, order.side, qty, px)
        self.record_trade(order.inst_id, order_id, order.client_order_id, order.side, qty, px)
        return updated

    def record_trade(self, inst_id: str, order_id: str, client_order_id: str, side: Side,
                     qty: Decimal, price: Decimal) -> None:
        # fees: 0.05% of the notional, charged (negative), in the settlement currency
        fee = -(qty * price * D("0.01") * D("0.0005")).quantize(D("0.00000001"))
        self.trades.append(ExchangeTrade(inst_id, f"t{len(self.trades) + 1}", order_id,
                                         client_order_id, side, price, qty, fee, "USDT",
                                         self.clock.now_ms()))

    def trigger_algo(self, client_algo_id: str) -> None:
        algo = next(a for a in self.algo_book.values() if a.client_algo_id == client_algo_id)
        _side, qty = self.position_qty(algo.inst_id)
        if qty > 0:
            self.apply_fill(algo.inst_id, algo.side, qty, self.prices[algo.inst_id])
            # the stop's child order carries no client id, as on OKX
            self.record_trade(algo.inst_id, f"child-{algo.algo_id}", "", algo.side, qty,
                              self.prices[algo.inst_id])
        self.algo_book[algo.algo_id] = attrs.evolve(algo, state=AlgoState.EFFECTIVE)

    def algo_visible(self, algo: AlgoOrder) -> bool:
        return self.clock.monotonic() >= self.algo_visible_at.get(algo.algo_id, 0.0)

    def find_order(self, order_id: str | None, client_order_id: str | None,
                   symbol: str) -> OrderStatus | None:
        """As OKX looks an order up: by id (else client id) within the instrument named; an
        order of another instrument is not found (51603)."""
        if order_id:
            found = self.order_book.get(order_id)
            return found if found is not None and found.inst_id == symbol else None
        matches = [o for o in self.order_book.values()
                   if o.client_order_id == client_order_id and o.inst_id == symbol]
        return matches[-1] if matches else None

    # --- helpers for assertions
    def open_algos(self, symbol: str) -> list[AlgoOrder]:
        return [a for a in self.algo_book.values() if a.inst_id == symbol and a.state.is_open]

    def orders_with_client_id(self, client_order_id: str) -> list[OrderStatus]:
        return [o for o in self.order_book.values() if o.client_order_id == client_order_id]
