"""Halt and Resume: the incident STOP of seed 000 §6 (issue 13).

Halt reads the exchange's view (open orders, open algos, positions) and follows the plan of
domain/incident.py: cancel every working order and algo of ours (all, with all_orders), keep the
stops that guard a held position, or flatten each position reduce-only first and drop its stops
once the exchange shows it flat. Then it freezes every symbol in the store until resume (or the
given end), reads the exchange again to confirm, and writes the incident record to the run
directory and the event log.

It needs no state store: with none (unreadable, or held by another process) everything at the
exchange is still done and the missing freeze is reported as unconfirmed. Flatten client ids
derive from the incident id, so no store allocation is needed for them.
"""

from collections.abc import Sequence

import attrs

from application.instruments import InstrumentBook
from application.order_path import OrderPath
from application.protection import emergency_flatten
from application.touch import market_books
from application.trade_record import TradeRecorder
from domain.algo import AlgoOrder
from domain.ids import Role, client_id
from domain.incident import FOREVER, HaltPlan, Held, halt_symbol, is_ours, plan_halt, resume_symbol
from domain.logs import IncidentRecord
from domain.orders import OrderStatus, PositionSide
from domain.outcome import Accepted
from domain.params import Params
from domain.state import BookAtPlacement, PositionStage, PositionState
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.evidence import EvidenceSink, SeedDocument
from ports.market import MarketData
from ports.orders import Orders
from ports.state import StateStore

FLATTEN_ATTEMPTS = 3


@attrs.frozen
class HaltCommand:
    symbols: tuple[str, ...] = ()
    all_orders: bool = False
    flatten: bool = False
    reason: str = ""
    for_s: int | None = None     # None: frozen until resume
    who: str = ""


@attrs.frozen
class HaltDone:
    incident_id: str
    until: int
    symbols: tuple[str, ...]
    touched: tuple[str, ...]
    kept: tuple[str, ...]
    foreign: tuple[str, ...]
    unconfirmed: tuple[str, ...]

    @property
    def needs_attention(self) -> bool:
        return bool(self.unconfirmed)


@attrs.frozen
class ResumeCommand:
    symbols: tuple[str, ...] = ()   # () = every halted symbol
    reason: str = ""
    who: str = ""


@attrs.frozen
class ResumeDone:
    resumed: tuple[str, ...]
    not_halted: tuple[str, ...]


@attrs.define
class _Log:
    touched: list[str] = attrs.field(factory=list)
    unconfirmed: list[str] = attrs.field(factory=list)

    def done(self, text: str, confirmed: bool) -> None:
        self.touched.append(text)
        if not confirmed:
            self.unconfirmed.append(text)


class Halt:
    def __init__(self, market: MarketData, account: Account, orders: Orders,
                 algos: AlgoOrders, path: OrderPath, sink: EvidenceSink, clock: Clock,
                 params: Params) -> None:
        self._market = market
        self._account = account
        self._orders = orders
        self._algos = algos
        self._path = path
        self._sink = sink
        self._clock = clock
        self._params = params

    async def execute(self, cmd: HaltCommand, store: StateStore | None,
                      why_no_store: str = "") -> HaltDone:
        now_ms = self._clock.now_ms()
        now, incident = now_ms // 1000, f"h{now_ms}"
        until = FOREVER if cmd.for_s is None else now + cmd.for_s
        log = _Log()
        stored = tuple(store.symbols()) if store is not None else ()
        positions = await self._account.get_positions()
        symbols = tuple(sorted(set(cmd.symbols) | set(stored) | set(positions.by_symbol)))
        held = {s: Held(p.side, p.qty) for s, p in positions.by_symbol.items()}
        orders, algos = await self._working(symbols)
        plan = plan_halt(orders=orders, algos=algos, positions=held,
                         all_orders=cmd.all_orders, flatten=cmd.flatten)
        for order in plan.cancel_orders:
            await self._cancel_order(order, log)
        for algo in plan.cancel_algos:
            await self._cancel_algo(algo, log)
        flattened = await self._flatten(plan, incident, log)
        flat = set(flattened)
        for algo in plan.cancel_after_flat:
            if algo.inst_id in flat:
                await self._cancel_algo(algo, log)
            else:
                log.touched.append(f"stop {algo.inst_id} {algo.client_algo_id or algo.algo_id}"
                                   ": kept, its position is not confirmed flat")
        await self._confirm(symbols, plan, cmd, flat, log)
        if store is None:
            log.unconfirmed.append(f"freeze not set: the state store is unavailable "
                                   f"({why_no_store or 'not given'}); nothing stops a later "
                                   "open until it is readable")
        else:
            await self._freeze(store, symbols, flattened, now=now, until=until,
                               incident=incident, reason=cmd.reason)
        done = HaltDone(incident, until, symbols, tuple(log.touched),
                        tuple(f"stop {a.inst_id} {a.client_algo_id or a.algo_id}"
                              for a in _kept(plan, flat)),
                        plan.foreign, tuple(log.unconfirmed))
        record = IncidentRecord(now, incident, "HALT", cmd.who, cmd.reason, until, symbols,
                                done.touched, done.unconfirmed)
        self._sink.write_document(SeedDocument.INCIDENT_RECORD, {
            **attrs.asdict(record), "all_orders": cmd.all_orders, "flatten": cmd.flatten,
            "kept": list(done.kept), "foreign": list(done.foreign)})
        if store is not None:
            store.append_event(record)
            store.flush()
        return done

    async def _working(self, symbols: Sequence[str]
                       ) -> tuple[list[OrderStatus], list[AlgoOrder]]:
        orders: list[OrderStatus] = []
        algos: list[AlgoOrder] = []
        for symbol in symbols:
            orders += await self._orders.get_open_orders(symbol)
            algos += await self._algos.get_open_algo_orders(symbol)
        return orders, algos

    async def _cancel_order(self, order: OrderStatus, log: _Log) -> None:
        what = f"order {order.inst_id} {order.client_order_id or order.order_id}"
        try:
            out = await self._orders.cancel_order(symbol=order.inst_id, order_id=order.order_id,
                                                  client_order_id=None)
        except ExchangeError as exc:
            log.done(f"{what}: cancel failed ({exc})", False)
            return
        ok = isinstance(out.outcome, Accepted)
        log.done(f"{what}: cancel {out.status}", ok)

    async def _cancel_algo(self, algo: AlgoOrder, log: _Log) -> None:
        what = f"algo {algo.inst_id} {algo.client_algo_id or algo.algo_id}"
        try:
            out = await self._algos.cancel_algo(symbol=algo.inst_id, algo_id=algo.algo_id,
                                                client_algo_id=None)
        except ExchangeError as exc:
            log.done(f"{what}: cancel failed ({exc})", False)
            return
        log.done(f"{what}: cancel {out.status}", isinstance(out.outcome, Accepted))

    async def _flatten(self, plan: HaltPlan, incident: str,
                       log: _Log) -> dict[str, tuple[BookAtPlacement, ...]]:
        """Flatten each target; the symbols confirmed flat, with the book read before each
        flatten left (its intended price judges the fills' slippage)."""
        flat: dict[str, tuple[BookAtPlacement, ...]] = {}
        for n, target in enumerate(plan.flatten):
            spec = await InstrumentBook(self._market).spec(target.symbol)
            intent = f"{incident}x{n}"[-24:]
            ids = tuple(client_id(intent, Role.FLATTEN, a) for a in range(FLATTEN_ATTEMPTS))
            books = await market_books(self._market, target.symbol, target.side.exit_side, ids)
            out = await emergency_flatten(self._path, self._account, spec=spec,
                                          side=target.side, qty=target.qty, client_ids=ids)
            detail = f" ({out.reason})" if out.reason else ""
            log.done(f"flatten {target.symbol} {target.side.value} {target.qty}: "
                     f"{out.qty_closed} closed by {', '.join(out.client_ids) or 'nothing'}, "
                     f"flat={out.flat}{detail}", out.flat)
            if out.flat:
                flat[target.symbol] = books
        return flat

    async def _confirm(self, symbols: Sequence[str], plan: HaltPlan, cmd: HaltCommand,
                       flat: set[str], log: _Log) -> None:
        """Read the exchange again: nothing of ours (all, with all_orders) may still work but
        the kept stops, and every flattened symbol must show no position."""
        kept = {a.algo_id for a in _kept(plan, flat)}
        try:
            orders, algos = await self._working(symbols)
            positions = await self._account.get_positions()
        except ExchangeError as exc:
            log.unconfirmed.append(f"could not read the exchange back ({exc})")
            return
        for order in orders:
            if cmd.all_orders or is_ours(order.client_order_id):
                log.unconfirmed.append(f"order {order.inst_id} "
                                       f"{order.client_order_id or order.order_id} still works")
        for algo in algos:
            if algo.algo_id not in kept and (cmd.all_orders or is_ours(algo.client_algo_id)):
                log.unconfirmed.append(f"algo {algo.inst_id} "
                                       f"{algo.client_algo_id or algo.algo_id} still works")
        for target in plan.flatten:
            snap = positions.by_symbol.get(target.symbol)
            if snap is not None and snap.qty > 0 and snap.side is not PositionSide.NONE:
                log.unconfirmed.append(f"{target.symbol} still holds {snap.side.value} "
                                       f"{snap.qty}")

    async def _freeze(self, store: StateStore, symbols: Sequence[str],
                      flat: dict[str, tuple[BookAtPlacement, ...]], *,
                      now: int, until: int | None, incident: str, reason: str) -> None:
        recorder = TradeRecorder(self._orders, store, self._clock, self._params)
        for symbol in symbols:
            state = store.get_symbol_state(symbol)
            before = state.position_state
            if symbol in flat and before.stage is not PositionStage.FLAT:
                # the halt's flatten ended the trade: the store forgets the position (its
                # stops and take-profits are gone at the exchange) and the trade is recorded
                store.set_symbol_state(symbol, attrs.evolve(state,
                                                            position_state=PositionState()))
                spec = await InstrumentBook(self._market).spec(symbol)
                await recorder.trade_closed(symbol, spec, before, flat[symbol])
                state = store.get_symbol_state(symbol)
            store.set_symbol_state(symbol, halt_symbol(
                state, now=now, until=None if until == FOREVER else until,
                incident_id=incident, reason=reason))
        store.flush()


def _kept(plan: HaltPlan, flat: set[str]) -> list[AlgoOrder]:
    """The stops left standing: those guarding a position that was not flattened."""
    return [a for a in plan.keep_algos
            if a not in plan.cancel_after_flat or a.inst_id not in flat]


class Resume:
    def __init__(self, store: StateStore, clock: Clock, sink: EvidenceSink) -> None:
        self._store = store
        self._clock = clock
        self._sink = sink

    async def execute(self, cmd: ResumeCommand) -> ResumeDone:
        now = self._clock.now_ms() // 1000
        symbols = cmd.symbols or tuple(self._store.symbols())
        resumed, idle = [], []
        incidents = set()
        for symbol in symbols:
            state = self._store.get_symbol_state(symbol)
            if not state.halt.active:
                idle.append(symbol)
                continue
            incidents.add(state.halt.incident_id)
            self._store.set_symbol_state(symbol, resume_symbol(state))
            resumed.append(symbol)
        if resumed:
            record = IncidentRecord(now, ",".join(sorted(incidents)), "RESUME", cmd.who,
                                    cmd.reason, 0, tuple(resumed),
                                    tuple(f"freeze lifted {s}" for s in resumed))
            self._store.append_event(record)
            self._sink.write_document(SeedDocument.INCIDENT_RECORD, attrs.asdict(record))
        self._store.flush()
        return ResumeDone(tuple(resumed), tuple(idle))
