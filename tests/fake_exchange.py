"""An in-memory ExchangeAdapter for application tests: real bookkeeping, scriptable failures.

It is deliberately simple (no order book): limit orders rest until `fill_order` or a crossing
`set_price`; market orders fill at the current price. Every call records evidence in the sink.
"""

import asyncio
from collections import deque
from decimal import Decimal
from typing import Any

from domain.algo import AlgoOrder, AlgoState, AlgoStopIntent, WorkingType
from domain.evidence import EvidenceRef
from domain.instrument import InstrumentSpec
from domain.orders import OrderIntent, OrderState, OrderStatus, PositionSide, Side
from domain.outcome import Accepted, Outcome, Rejected, Unknown
from ports.errors import ExchangeError, ExchangeRejected
from ports.evidence import ExchangeCallRecord
from ports.exchange_events import AlgoUpdate, ExchangeEvent, OrderUpdate
from ports.exchange_types import (
    AccountConfig,
    AlgoCancelResult,
    AlgoLookup,
    AlgoPlacement,
    Balances,
    CancelDisposition,
    CancelResult,
    Equity,
    Fills,
    FundingRate,
    Instruments,
    Kline,
    Klines,
    OpenInterest,
    OrderLookup,
    OrderPlacement,
    Positions,
    PositionSnapshot,
    PriceLimit,
    PriceReading,
    ServerTime,
    SettingApplied,
    Ticker,
)
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

    async def get(self, timeout: float) -> ExchangeEvent | None:
        if self.queue:
            await asyncio.sleep(0)
            return self.queue.popleft()
        await self._clock.sleep(timeout)
        return self.queue.popleft() if self.queue else None

    def close(self) -> None:
        self.closed = True


class FakeExchange:
    def __init__(self, clock: FakeClock, sink: InMemoryEvidenceSink | None = None,
                 instruments: tuple[InstrumentSpec, ...] | None = None) -> None:
        self.clock = clock
        self.sink = sink or InMemoryEvidenceSink()
        self.instruments = instruments or (spec(), spec("ETH-USDT-SWAP"),
                                           spec("XRP-USDT-SWAP", "suspend"))
        self.prices: dict[str, Decimal] = {i.inst_id: D("30000") for i in self.instruments}
        self.orders: dict[str, OrderStatus] = {}
        self.algos: dict[str, AlgoOrder] = {}
        self.algo_visible_at: dict[str, float] = {}
        self.positions: dict[str, tuple[PositionSide, Decimal, Decimal]] = {}
        self.pos_mode = "net_mode"
        self.acct_lv = "2"
        # (bid, ask) per symbol; default: both at the price
        self.ticker_spread: dict[str, tuple[Decimal, Decimal]] = {}
        self.server_offset_ms = 0
        self.algo_visibility_delay_s = 0.0
        self.push_algo_updates = False
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

    def _scripted(self, method: str) -> Any:
        self.calls.append(method)
        queue = self.scripted.get(method)
        item = queue.popleft() if queue else None
        if isinstance(item, ExchangeError):
            raise item
        return item

    def _ev(self, endpoint: str, outcome: str = "ok") -> EvidenceRef:
        return self.sink.record_call(ExchangeCallRecord(
            "rest", endpoint, {"endpoint": endpoint}, {"http_status": 200}, outcome,
            self.clock.now_ms(), self.clock.monotonic()))

    def _spec(self, inst_id: str) -> InstrumentSpec:
        found = next((i for i in self.instruments if i.inst_id == inst_id), None)
        if found is None:
            raise ExchangeRejected("51001", "Instrument ID does not exist", 200)
        return found

    def _next_id(self) -> str:
        self._seq += 1
        return str(1000 + self._seq)

    def push(self, event: ExchangeEvent) -> None:
        for sub in self.subscriptions:
            if not sub.closed:
                sub.queue.append(event)

    # --- positions bookkeeping
    def _apply_fill(self, inst_id: str, side: Side, qty: Decimal, price: Decimal) -> None:
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

    def _position_qty(self, inst_id: str) -> tuple[PositionSide, Decimal]:
        pside, qty, _ = self.positions.get(inst_id, (PositionSide.NONE, D(0), D(0)))
        return pside, qty

    def fill_order(self, order_id: str, qty: Decimal | None = None,
                   price: Decimal | None = None) -> OrderStatus:
        order = self.orders[order_id]
        qty = qty if qty is not None else order.size - order.acc_fill_sz
        px = price if price is not None else (order.price or self.prices[order.inst_id])
        acc = order.acc_fill_sz + qty
        state = OrderState.FILLED if acc >= order.size else OrderState.PARTIALLY_FILLED
        updated = _evolve_status(order, state=state, acc_fill_sz=acc, avg_px=px,
                                 updated_ms=self.clock.now_ms())
        self.orders[order_id] = updated
        self._apply_fill(order.inst_id, order.side, qty, px)
        return updated

    def trigger_algo(self, client_algo_id: str) -> None:
        algo = next(a for a in self.algos.values() if a.client_algo_id == client_algo_id)
        _side, qty = self._position_qty(algo.inst_id)
        if qty > 0:
            self._apply_fill(algo.inst_id, algo.side, qty, self.prices[algo.inst_id])
        self.algos[algo.algo_id] = _evolve_algo(algo, state=AlgoState.EFFECTIVE)

    # --- streams
    async def ws_start(self) -> None:
        self.calls.append("ws_start")

    async def ws_stop(self) -> None:
        self.calls.append("ws_stop")

    def subscribe(self) -> FakeSubscription:
        sub = FakeSubscription(self.clock)
        self.subscriptions.append(sub)
        return sub

    # --- market data
    async def get_instruments(self, inst_type: str) -> Instruments:
        self._scripted("get_instruments")
        return Instruments(inst_type, self.instruments, self._ev("GET public/instruments"))

    async def get_ticker(self, inst_id: str) -> Ticker:
        self._scripted("get_ticker")
        self._spec(inst_id)
        px = self.prices[inst_id]
        bid, ask = self.ticker_spread.get(inst_id, (px, px))
        return Ticker(inst_id, px, bid, ask, self.clock.now_ms(), self._ev("GET market/ticker"))

    async def get_price_limit(self, inst_id: str) -> PriceLimit:
        self._scripted("get_price_limit")
        px = self.prices[self._spec(inst_id).inst_id]
        return PriceLimit(inst_id, px * D("1.05"), px * D("0.95"), self.clock.now_ms(),
                          self._ev("GET public/price-limit"))

    async def get_server_time(self) -> ServerTime:
        self._scripted("get_server_time")
        return ServerTime(self.clock.now_ms() + self.server_offset_ms,
                          self._ev("GET public/time"))

    async def get_mark_price(self, symbol: str) -> PriceReading:
        self._scripted("get_mark_price")
        return PriceReading(symbol, self.prices[symbol], "mark", self.clock.now_ms(),
                            self._ev("GET public/mark-price"))

    async def get_last_price(self, symbol: str) -> PriceReading:
        self._scripted("get_last_price")
        return PriceReading(symbol, self.prices[symbol], "last", self.clock.now_ms(),
                            self._ev("GET market/ticker"))

    async def get_funding_rate(self, symbol: str) -> FundingRate:
        return FundingRate(symbol, D("0.0001"), 0, 0, self._ev("GET public/funding-rate"))

    async def get_open_interest(self, symbol: str) -> OpenInterest:
        return OpenInterest(symbol, D("1000"), D("10"), 0, self._ev("GET public/open-interest"))

    async def get_kline(self, symbol: str, interval: str, limit: int) -> Klines:
        px = self.prices[symbol]
        bar = Kline(0, px, px, px, px, D(0), 59_999, True)
        return Klines(symbol, interval, (bar,) * min(limit, 1), self._ev("GET market/candles"))

    # --- account
    async def get_account_config(self) -> AccountConfig:
        self._scripted("get_account_config")
        return AccountConfig(self.pos_mode, self.acct_lv, "read_only,trade",
                             self._ev("GET account/config"))

    async def get_balance_equity(self, ccy: str) -> Equity:
        self._scripted("get_balance_equity")
        return Equity(ccy, D("100000"), "details.eq", self._ev("GET account/balance"))

    async def get_balances(self) -> Balances:
        self._scripted("get_balances")
        return Balances("USDT", D("100000"), D("90000"), D("10000"), self._ev("GET balance"))

    async def get_positions(self) -> Positions:
        self._scripted("get_positions")
        snaps = {inst: PositionSnapshot(inst, side, qty, entry, D(0), D(3), self.prices[inst],
                                        "cross")
                 for inst, (side, qty, entry) in self.positions.items()}
        return Positions(snaps, self._ev("GET account/positions"))

    async def set_leverage(self, symbol: str, leverage: int) -> SettingApplied:
        self._scripted("set_leverage")
        return SettingApplied("lever", str(leverage), self._ev("POST account/set-leverage"))

    async def set_position_mode_one_way(self) -> SettingApplied:
        self._scripted("set_position_mode_one_way")
        self.pos_mode = "net_mode"
        return SettingApplied("posMode", "net_mode", self._ev("POST set-position-mode"))

    # --- orders
    async def submit_order(self, intent: OrderIntent) -> OrderPlacement:
        for hook in self.before_submit:
            hook(intent)
        scripted = self._scripted("submit_order")
        ev = self._ev("POST trade/order")
        exp = self.clock.now_ms() + 2000
        if isinstance(scripted, Rejected | Unknown):
            return OrderPlacement(scripted, intent.inst_id, intent.client_order_id, "", ev, exp)
        dup = any(o.client_order_id == intent.client_order_id and not o.state.is_terminal
                  for o in self.orders.values())
        if dup:
            return OrderPlacement(Rejected("51016", "Duplicated client order ID"),
                                  intent.inst_id, intent.client_order_id, "", ev, exp)
        order_id = self._next_id()
        status = OrderStatus(intent.inst_id, order_id, intent.client_order_id, OrderState.LIVE,
                             intent.side, intent.ord_type.value, intent.size, intent.price,
                             D(0), None, intent.reduce_only, self.clock.now_ms())
        self.orders[order_id] = status
        if intent.ord_type.value == "market":
            self.fill_order(order_id, price=self.prices[intent.inst_id])
        outcome: Outcome = Unknown("dropped after accept") if scripted == "drop" \
            else Accepted(order_id)
        shown_id = "" if scripted == "drop" else order_id
        return OrderPlacement(outcome, intent.inst_id, intent.client_order_id, shown_id, ev, exp,
                              "0" if shown_id else "", "", "0" if shown_id else "", "")

    async def place_limit_postonly(self, *, symbol: str, side: Side, qty: Decimal,
                                   price: Decimal, tif: str, reduce_only: bool,
                                   client_order_id: str) -> OrderPlacement:
        from domain.orders import OrdType
        kind = {"post_only": OrdType.POST_ONLY, "gtc": OrdType.LIMIT, "ioc": OrdType.IOC,
                "fok": OrdType.FOK}[tif]
        return await self.submit_order(OrderIntent(self._spec(symbol), side, kind, qty, price,
                                                   reduce_only, client_order_id))

    async def place_market(self, *, symbol: str, side: Side, qty: Decimal, reduce_only: bool,
                           client_order_id: str) -> OrderPlacement:
        from domain.orders import OrdType
        return await self.submit_order(OrderIntent(self._spec(symbol), side, OrdType.MARKET,
                                                   qty, None, reduce_only, client_order_id))

    def _find_order(self, order_id: str | None, client_order_id: str | None) -> OrderStatus | None:
        if order_id:
            return self.orders.get(order_id)
        matches = [o for o in self.orders.values() if o.client_order_id == client_order_id]
        return matches[-1] if matches else None

    async def get_order_status(self, *, inst_id: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        self._scripted("get_order_status")
        found = self._find_order(order_id, client_order_id)
        ev = self._ev("GET trade/order", "ok" if found else "rejected:51603")
        return OrderLookup(inst_id, _evolve_status(found, evidence=ev) if found else None, ev)

    async def cancel_order(self, *, symbol: str, order_id: str | None,
                           client_order_id: str | None) -> CancelResult:
        scripted = self._scripted("cancel_order")
        ev = self._ev("POST trade/cancel-order")
        found = self._find_order(order_id, client_order_id)
        oid, cid = order_id or "", client_order_id or ""
        if isinstance(scripted, Rejected | Unknown):
            return CancelResult(scripted, None, symbol, oid, cid, None, ev)
        if found is None:
            return CancelResult(Accepted(oid), CancelDisposition.NOT_FOUND, symbol, oid, cid,
                                None, ev)
        if found.state.is_terminal:
            return CancelResult(Accepted(found.order_id), CancelDisposition.ALREADY_TERMINAL,
                                symbol, found.order_id, found.client_order_id, found, ev)
        canceled = _evolve_status(found, state=OrderState.CANCELED)
        self.orders[found.order_id] = canceled
        return CancelResult(Accepted(found.order_id), CancelDisposition.CANCEL_ACCEPTED, symbol,
                            found.order_id, found.client_order_id, None, ev)

    async def get_open_orders(self, symbol: str) -> tuple[OrderStatus, ...]:
        self._scripted("get_open_orders")
        return tuple(o for o in self.orders.values()
                     if o.inst_id == symbol and not o.state.is_terminal)

    async def get_fills(self, *, inst_id: str, order_id: str) -> Fills:
        return Fills(inst_id, (), self._ev("GET trade/fills"))

    # --- algos
    async def submit_algo_stop(self, intent: AlgoStopIntent) -> AlgoPlacement:
        scripted = self._scripted("place_algo_stop")
        ev = self._ev("POST trade/order-algo")
        if isinstance(scripted, Rejected | Unknown):
            return AlgoPlacement(scripted, intent.inst_id, intent.client_algo_id, "", ev)
        if any(a.client_algo_id == intent.client_algo_id for a in self.algos.values()
               if a.state.is_open):
            return AlgoPlacement(Rejected("51065", "algoClOrdId already exists"),
                                 intent.inst_id, intent.client_algo_id, "", ev)
        algo_id = "A" + self._next_id()
        algo = AlgoOrder(intent.inst_id, algo_id, intent.client_algo_id, AlgoState.LIVE,
                         intent.side, intent.size, intent.close_position, intent.stop_price,
                         intent.working_type, True, self.clock.now_ms())
        self.algos[algo_id] = algo
        self.algo_visible_at[algo_id] = self.clock.monotonic() + self.algo_visibility_delay_s
        if self.push_algo_updates and self.algo_visibility_delay_s == 0:
            self.push(AlgoUpdate(algo, ev))
        outcome: Outcome = Unknown("dropped") if scripted == "drop" else Accepted(algo_id)
        return AlgoPlacement(outcome, intent.inst_id, intent.client_algo_id,
                             "" if scripted == "drop" else algo_id, ev)

    async def place_algo_stop(self, *, symbol: str, side: Side, qty: Decimal | None,
                              stop_price: Decimal, reduce_only: bool, client_algo_id: str,
                              working_type: str, close_position: bool = False) -> AlgoPlacement:
        return await self.submit_algo_stop(AlgoStopIntent(
            self._spec(symbol), side, qty, stop_price, client_algo_id,
            WorkingType(working_type), reduce_only, close_position))

    def _visible(self, algo: AlgoOrder) -> bool:
        return self.clock.monotonic() >= self.algo_visible_at.get(algo.algo_id, 0.0)

    async def get_open_algo_orders(self, symbol: str) -> tuple[AlgoOrder, ...]:
        self._scripted("get_open_algo_orders")
        return tuple(a for a in self.algos.values()
                     if a.inst_id == symbol and a.state.is_open and self._visible(a))

    async def get_algo_order(self, *, symbol: str, algo_id: str | None,
                             client_algo_id: str | None) -> AlgoLookup:
        self._scripted("get_algo_order")
        found = next((a for a in self.algos.values()
                      if (algo_id and a.algo_id == algo_id)
                      or (client_algo_id and a.client_algo_id == client_algo_id)), None)
        if found is not None and not self._visible(found):
            found = None
        return AlgoLookup(symbol, found, self._ev("GET trade/order-algo"))

    async def cancel_algo(self, *, symbol: str, algo_id: str | None,
                          client_algo_id: str | None) -> AlgoCancelResult:
        scripted = self._scripted("cancel_algo")
        ev = self._ev("POST trade/cancel-algos")
        found = next((a for a in self.algos.values()
                      if (algo_id and a.algo_id == algo_id)
                      or (client_algo_id and a.client_algo_id == client_algo_id)), None)
        aid, cid = algo_id or "", client_algo_id or ""
        if isinstance(scripted, Rejected | Unknown):
            return AlgoCancelResult(scripted, None, symbol, aid, cid, None, ev)
        if found is not None and not algo_id and not self._visible(found):
            found = None  # by client id the adapter must look the algo up first: not shown yet
        if found is None:
            return AlgoCancelResult(Accepted(aid), CancelDisposition.NOT_FOUND, symbol, aid, cid,
                                    None, ev)
        if not found.state.is_open:
            return AlgoCancelResult(Accepted(found.algo_id), CancelDisposition.ALREADY_TERMINAL,
                                    symbol, found.algo_id, found.client_algo_id, found, ev)
        self.algos[found.algo_id] = _evolve_algo(found, state=AlgoState.CANCELED)
        return AlgoCancelResult(Accepted(found.algo_id), CancelDisposition.CANCEL_ACCEPTED,
                                symbol, found.algo_id, found.client_algo_id, None, ev)

    # --- helpers for assertions
    def open_algos(self, symbol: str) -> list[AlgoOrder]:
        return [a for a in self.algos.values() if a.inst_id == symbol and a.state.is_open]

    def orders_with_client_id(self, client_order_id: str) -> list[OrderStatus]:
        return [o for o in self.orders.values() if o.client_order_id == client_order_id]


def _evolve_status(status: OrderStatus, **changes: Any) -> OrderStatus:
    import attrs
    return attrs.evolve(status, **changes)


def _evolve_algo(algo: AlgoOrder, **changes: Any) -> AlgoOrder:
    import attrs
    return attrs.evolve(algo, **changes)


__all__ = ["FakeExchange", "FakeSubscription", "OrderUpdate", "spec"]
