"""The per-symbol decisions of RecoverProtection, each logged as an SL_RECOVER risk event."""

from decimal import Decimal

import attrs

from application.driver import PositionDriver
from application.entry import observed_fill
from application.notes import Note
from application.observe import current_id
from application.pending_stops import cancel_pending_stops
from domain.actions import Action, EmergencyFlatten, PlaceProtection, ReplaceProtection
from domain.algo import AlgoOrder
from domain.errors import InvalidIntent
from domain.events import EntryFilled, StopConfirmed, StopTriggered
from domain.ids import Role, parse_client_id
from domain.instrument import InstrumentSpec
from domain.logs import RiskEvent, RiskEventType
from domain.orders import OrderStatus, PositionSide
from domain.outcome import Accepted
from domain.params import Params
from domain.plan import TradePlan
from domain.recovery_rules import (
    MissingStopRepair,
    adopt_unknown_position,
    missing_stop_repair,
    stop_problem,
)
from domain.state import PositionStage, PositionState, SymbolState, remember_intent
from ports.algo_orders import AlgoOrders
from ports.exchange_types import CancelDisposition, PositionSnapshot
from ports.orders import Orders
from ports.state import StateStore

NO_ORDER_STEP = "this recovery step placed no order"


@attrs.frozen
class RecoveryFacts:
    symbol: str
    spec: InstrumentSpec
    snapshot: PositionSnapshot | None
    state: SymbolState
    algos: tuple[AlgoOrder, ...]
    orders: tuple[OrderStatus, ...]
    mark: Decimal | None
    now: int
    params: Params

    @property
    def held(self) -> tuple[PositionSide, Decimal]:
        snap = self.snapshot
        if snap is None or snap.side is PositionSide.NONE or snap.qty <= 0:
            return PositionSide.NONE, Decimal(0)
        return snap.side, snap.qty


@attrs.frozen
class SymbolRecovery:
    symbol: str
    actions: tuple[str, ...]
    notes: tuple[Note, ...] = ()

    @property
    def needs_attention(self) -> bool:
        return any(n.needs_attention for n in self.notes)


@attrs.define
class _Run:
    orders: Orders
    algos: AlgoOrders
    store: StateStore
    driver: PositionDriver
    facts: RecoveryFacts
    actions: list[str] = attrs.field(factory=list)
    notes: list[Note] = attrs.field(factory=list)

    def log(self, what: str, qty: Decimal = Decimal(0), price: Decimal | None = None,
            ids: tuple[str, ...] = (), side: PositionSide | None = None,
            order_ids: tuple[str, ...] = ()) -> None:
        """One SL_RECOVER event: the orders it placed or acted on, or why there are none."""
        f = self.facts
        self.actions.append(what)
        event = RiskEvent(f.now, RiskEventType.SL_RECOVER, f.symbol,
                          side or f.state.position_state.side, qty, price, (), (), what)
        self.store.append_event(event.with_orders(order_ids, ids, NO_ORDER_STEP))

    async def act(self, what: str, actions: tuple[Action, ...], qty: Decimal,
                  price: Decimal | None, *, side: PositionSide | None = None) -> None:
        """Perform actions, then log the step with the orders they placed."""
        result = await self.driver.perform(self.facts.symbol, self.facts.spec, actions)
        self.notes += result.notes
        placed = result.placed
        if not placed and result.notes:
            what = f"{what}; placed nothing: {result.notes[-1].text}"
        self.log(what, qty, price, tuple(c for _, c in placed if c), side,
                 tuple(o for o, _ in placed if o))


async def plan_symbol(orders: Orders, algos: AlgoOrders, store: StateStore,
                      driver: PositionDriver, facts: RecoveryFacts) -> SymbolRecovery:
    run = _Run(orders, algos, store, driver, facts)
    pos = facts.state.position_state
    side, qty = facts.held
    if pos.stage is PositionStage.FLAT and pos.intent_id:
        await _pending_entry(run, pos)
    elif pos.stage is PositionStage.FLAT and qty > 0:
        await _unknown_position(run, side, qty)
    elif pos.stage is not PositionStage.FLAT and qty == 0:
        await _gone(run, pos)
    elif pos.stage is not PositionStage.FLAT:
        await _ensure_stop(run, pos, side, qty)
    await _cancel_strays(run)
    store.flush()
    return SymbolRecovery(facts.symbol, tuple(run.actions), tuple(run.notes))


async def _pending_entry(run: _Run, pos: PositionState) -> None:
    """The engine stopped between sending an entry and recording its fill."""
    f = run.facts
    cid = current_id(pos, Role.ENTRY)
    status = None
    if cid:
        status = (await run.orders.get_order_status(symbol=f.symbol, order_id=None,
                                                      client_order_id=cid)).status
    if status is not None and not status.state.is_terminal:
        cancel = await run.orders.cancel_order(symbol=f.symbol, order_id=status.order_id,
                                                 client_order_id=cid)
        status = cancel.order_status or status
        run.log(f"entry {cid} left resting: cancel {cancel.status}", ids=(cid or "",),
                order_ids=(status.order_id,))
    side, qty = f.held
    fill = observed_fill(status)
    if fill is not None and qty > 0 and side is pos.side:
        try:
            event = EntryFilled(TradePlan.of_pending(pos).scaled_to(fill.size, f.spec),
                                fill.avg_price, fill.order_id, fill.client_order_id)
        except InvalidIntent as exc:
            run.log(f"entry {cid} filled {fill.size} but the plan does not fit: {exc}")
        else:
            result = await run.driver.feed(f.symbol, f.spec, event)
            run.notes += result.notes
            run.log(f"entry {cid} filled {fill.size} while away: protecting it", fill.size,
                    fill.avg_price, (cid or "", *(c for _, c in result.placed if c)),
                    order_ids=(fill.order_id, *(o for o, _ in result.placed if o)))
            return
    run.store.set_symbol_state(f.symbol, attrs.evolve(f.state, position_state=PositionState()))
    run.log(f"pending entry {cid} cleared (no fill to protect)")
    if qty > 0:
        await _unknown_position(run, side, qty)


async def _unknown_position(run: _Run, side: PositionSide, qty: Decimal) -> None:
    f = run.facts
    snap = f.snapshot
    assert snap is not None
    intent = _adoption_intent(run.store, f.symbol, f.now)
    action = adopt_unknown_position(
        symbol=f.symbol, intent_id=intent, position_side=side, qty=qty,
        entry_price=snap.entry_price, mark_price=f.mark or snap.entry_price, spec=f.spec,
        params=f.params)
    stop = action.stop_price if isinstance(action, PlaceProtection) else Decimal(0)
    adopted = PositionState(
        side=side, entry_price=snap.entry_price, qty_total=qty, sl_price=stop,
        stage=PositionStage.PRE_TP1, qty_open=qty, intent_id=intent,
        risk_per_unit=abs(snap.entry_price - stop) if stop else Decimal(0))
    state = remember_intent(run.store.get_symbol_state(f.symbol), intent)
    run.store.set_symbol_state(f.symbol, attrs.evolve(state, position_state=adopted))
    run.store.flush()
    verb = "default stop" if isinstance(action, PlaceProtection) else "flatten"
    await run.act(f"position unknown to the store ({side.value} {qty}): {verb}", (action,),
                  qty, stop or None, side=side)


async def _gone(run: _Run, pos: PositionState) -> None:
    """The exchange holds nothing, yet the store's position is still open: the fills that
    closed it could not all be applied (a take-profit fill the stored plan does not match).
    The trade is over at the exchange, so it is closed from the stored position (its side is
    the entry's; the exchange's flat position has none) and recorded from the exchange's
    fills; the stops of ours left standing go with the strays."""
    f = run.facts
    event = StopTriggered(pos.qty_open, pos.sl_price, (), ())
    result = await run.driver.feed(f.symbol, f.spec, event)
    run.notes += result.notes
    closed = run.store.get_symbol_state(f.symbol).position_state.stage is PositionStage.FLAT
    what = (f"exchange holds nothing of {pos.side.value} {pos.qty_open} "
            f"({pos.stage.value}): closed in the store, recorded from the exchange's fills"
            if closed else f"exchange holds nothing of {pos.side.value} {pos.qty_open} "
            f"({pos.stage.value}) and the store could not close it")
    run.notes.append(Note(what, True))
    run.log(what, pos.qty_open, pos.sl_price, side=pos.side)


def _adoption_intent(store: StateStore, symbol: str, now: int) -> str:
    """An intent id never used before: client ids are account-wide at the exchange, and an
    adoption can repeat within a second (a crash loop)."""
    used = {i for s in store.symbols() for i in store.get_symbol_state(s).used_intents}
    base = f"R{now}{''.join(c for c in symbol if c.isalnum())}"[:22]
    return next(f"{base}{n:02d}" for n in range(100) if f"{base}{n:02d}" not in used)


async def _ensure_stop(run: _Run, pos: PositionState, side: PositionSide,
                       qty: Decimal) -> None:
    f = run.facts
    current = _our_stop(f.algos, pos)
    problem = stop_problem(current, position_side=side, qty=qty, stop_price=pos.sl_price,
                           spec=f.spec, params=f.params)
    if problem is None and current is not None:
        if not pos.sl_confirmed or current.client_algo_id != pos.sl_algo.client_algo_id:
            event = StopConfirmed(current.stop_price or pos.sl_price, current.algo_id,
                                  current.client_algo_id)
            run.notes += (await run.driver.feed(f.symbol, f.spec, event)).notes
            run.log(f"stop {current.client_algo_id} found open: adopted", qty,
                    current.stop_price, (current.client_algo_id,))
        return
    if current is None:
        repair, why = missing_stop_repair(pos)
        if repair is MissingStopRepair.FLATTEN:
            await run.act(f"stop missing: {why}", (EmergencyFlatten(
                f.symbol, pos.intent_id, side, qty, f"recovery: stop missing, {why}"),),
                qty, None)
            return
        problem = f"{problem}; {why}"
    old_id = current.algo_id if current else ""
    old_cid = current.client_algo_id if current else ""
    await run.act(f"stop needs replacing: {problem}", (ReplaceProtection(
        f.symbol, pos.intent_id, side.exit_side, qty, pos.sl_price, old_id, old_cid,
        f"recovery: {problem}"),), qty, pos.sl_price)


def _our_stop(algos: tuple[AlgoOrder, ...], pos: PositionState) -> AlgoOrder | None:
    if pos.sl_algo.client_algo_id:
        exact = [a for a in algos if a.client_algo_id == pos.sl_algo.client_algo_id]
        if exact:
            return exact[0]
    ours = [(parsed.attempt, a) for a in algos
            if (parsed := parse_client_id(a.client_algo_id)) is not None
            and parsed.role is Role.STOP and parsed.intent_id == pos.intent_id]
    return max(ours, key=lambda item: item[0])[1] if ours else None


async def _cancel_strays(run: _Run) -> None:
    """Our stops and orders that belong to no open position of this symbol are cancelled;
    orders that are not ours are left alone and reported."""
    f = run.facts
    pos = run.store.get_symbol_state(f.symbol).position_state
    keep = pos.sl_algo.client_algo_id if pos.stage is not PositionStage.FLAT else ""
    canceled: set[str] = set()
    for algo in await run.algos.get_open_algo_orders(f.symbol):
        parsed = parse_client_id(algo.client_algo_id)
        if parsed is None:
            run.notes.append(Note(f"foreign algo {algo.algo_id} left untouched"))
        elif algo.client_algo_id != keep:
            result = await run.algos.cancel_algo(symbol=f.symbol, algo_id=algo.algo_id,
                                                    client_algo_id=algo.client_algo_id)
            if isinstance(result.outcome, Accepted) and \
                    result.disposition is not CancelDisposition.NOT_FOUND:
                canceled.add(algo.client_algo_id)
            run.log(f"stop {algo.client_algo_id} without its position: cancel {result.status}",
                    algo.size or Decimal(0), algo.stop_price, (algo.client_algo_id,))
    # stops sent but never confirmed, the exchange's queries may not show them yet
    for done in await cancel_pending_stops(run.algos, run.store, f.symbol, now=f.now,
                                           keep=keep, handled=frozenset(canceled)):
        if done.needs_attention:  # the step's action line says the rest
            run.notes.append(Note(done.what, True))
        run.log(done.what, ids=(done.client_algo_id,),
                order_ids=(done.algo_id,) if done.algo_id else ())
    for order in await run.orders.get_open_orders(f.symbol):
        parsed = parse_client_id(order.client_order_id)
        if parsed is not None and (pos.stage is PositionStage.FLAT
                                   or parsed.intent_id != pos.intent_id):
            cancel = await run.orders.cancel_order(symbol=f.symbol, order_id=order.order_id,
                                                     client_order_id=order.client_order_id)
            run.log(f"order {order.client_order_id} of a finished intent: cancel "
                    f"{cancel.status}", order.size, order.price, (order.client_order_id,))
