"""OpenPosition: gate → entry → fill observed at the exchange → algo stop confirmed in 1 s.

If the stop cannot be confirmed the driver flattens the position reduce-only and locks the
symbol (seed 001 §0.2, §7). The intent and every allocated client id are flushed before the
request that uses them leaves, so a crash at any step is recoverable.
"""

from decimal import Decimal

import attrs

from application.client_ids import allocate_ids
from application.driver import DriveResult, PositionDriver
from application.entry import EntryOutcome, PlannedEntry, place_entry, scaled_entry
from application.instruments import InstrumentBook
from application.order_path import OrderPath
from application.performers import Note
from application.protection import emergency_flatten
from domain.errors import InvalidIntent
from domain.events import EntryFilled, TradePlan, check_levels
from domain.gate import apply_cooldowns, check_open_gate, gate_result
from domain.ids import Role, client_id, validate_intent_id
from domain.instrument import InstrumentSpec
from domain.logs import CandidateAction, CandidateEvaluation, GateResult, GateVerdict
from domain.orders import Fill, OrderIntent, OrdType, PositionSide
from domain.params import Params
from domain.position_rules import Context, check_plan, emergency_locks
from domain.risk import RiskBudget, risk_budget
from domain.state import (
    BookAtPlacement,
    PositionStage,
    PositionState,
    SymbolState,
    remember_intent,
)
from domain.template_cooldown import on_position_opened, validate_template
from ports.account import Account
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.market import MarketData
from ports.orders import Orders
from ports.progress import Progress, Silent
from ports.state import StateStore


@attrs.frozen
class OpenPositionCommand:
    symbol: str
    side: PositionSide
    qty: Decimal
    stop_price: Decimal
    tp1_price: Decimal
    tp1_qty: Decimal
    tp2_price: Decimal
    tp2_qty: Decimal
    intent_id: str
    entry_price: Decimal | None = None
    tier: str = "A"
    regime: str = ""
    template: str = ""
    base_score: float = 0.0
    penalties: tuple[tuple[str, float], ...] = ()
    final_score: float = 0.0
    entry_timeout_s: float = 10.0


@attrs.frozen
class OpenPositionDone:
    """status: rejected_by_gate | entry_rejected | entry_not_filled | entry_unknown | opened |
    flattened | unprotected. needs_attention: an outcome is still unknown or a position may be
    open without a confirmed stop."""

    status: str
    reason: str
    state: SymbolState
    notes: tuple[Note, ...] = ()

    @property
    def needs_attention(self) -> bool:
        return self.status in ("entry_unknown", "unprotected") or \
            any(n.needs_attention for n in self.notes)


class OpenPosition:
    """Open one position with the full protection sequence."""

    def __init__(self, market: MarketData, account: Account, orders: Orders, path: OrderPath,
                 driver: PositionDriver, store: StateStore, clock: Clock, params: Params,
                 progress: Progress | None = None) -> None:
        self._market = market
        self._account = account
        self._orders = orders
        self._path = path
        self._driver = driver
        self._store = store
        self._clock = clock
        self._params = params
        self._progress = progress or Silent()

    async def execute(self, cmd: OpenPositionCommand) -> OpenPositionDone:
        passed: list[str] = []
        try:
            validate_intent_id(cmd.intent_id)
            if cmd.template:
                validate_template(cmd.template)
            passed.append("request_valid")
            spec = await InstrumentBook(self._market).spec(cmd.symbol, live=True)
            passed.append("instrument_live")
            intent = self._validate(cmd, spec)
            passed.append("plan_valid")
            mark, book = await self._against_market(cmd)
            passed.append("plan_vs_market")
            reused = await self._intent_reused(cmd)
            budget = await self._risk(cmd, spec, mark)
        except (InvalidIntent, ExchangeError) as exc:
            # refused before the gate: still one candidate log line (seed 001 §8)
            self._store.append_event(refused_before_gate(
                cmd, self._clock.now_ms() // 1000, tuple(passed), str(exc),
                exchange=isinstance(exc, ExchangeError)))
            raise
        state = self._store.get_symbol_state(cmd.symbol)
        rejected = self._gate(cmd, state, budget, reused)
        if rejected is not None:
            self._progress.step(f"gate: rejected ({rejected.reason})")
            return rejected
        self._progress.step("gate: locks clear, symbol flat, risk within budget")
        await self._account.set_leverage(cmd.symbol, self._params.tiers.get(cmd.tier).leverage)
        cid = self._persist_pending(cmd, state, book)
        entry = await place_entry(self._path, intent=OrderIntent(
            spec, intent.side, intent.ord_type, intent.size, intent.price, False, cid),
            timeout_s=cmd.entry_timeout_s)
        self._progress.step(f"entry {cid}: {entry.reason}")
        if entry.fill is None:
            if entry.order_status is not None:
                await self._driver.recorder.entry_ended(
                    cmd.symbol, entry.order_status, attrs.evolve(book, client_order_id=cid))
            return self._no_position(cmd, entry)
        try:
            event = _entry_event(cmd, entry.fill, spec)
        except InvalidIntent as exc:
            return await self._flatten_unplannable(cmd, spec, entry.fill, str(exc))
        if cmd.template:
            self._store.set_symbol_state(cmd.symbol, on_position_opened(
                self._store.get_symbol_state(cmd.symbol), cmd.template))
        return _opened(await self._driver.feed(cmd.symbol, spec, event))

    async def _flatten_unplannable(self, cmd: OpenPositionCommand, spec: InstrumentSpec,
                                   fill: Fill, why: str) -> OpenPositionDone:
        """A partial fill too small to carry the plan is closed again at once; like every
        emergency flatten it locks the symbol (seed 001 §7)."""
        ids = allocate_ids(self._store, cmd.symbol, Role.FLATTEN, 3)
        out = await emergency_flatten(self._path, self._account, spec=spec, side=cmd.side,
                                      qty=fill.size, client_ids=ids)
        if not out.flat:
            return OpenPositionDone("unprotected", f"{why}; flatten: {out.reason}",
                                    self._store.get_symbol_state(cmd.symbol))
        ctx = Context(cmd.symbol, self._clock.now_ms() // 1000, self._params)
        cleared = apply_cooldowns(self._store.get_symbol_state(cmd.symbol),
                                  emergency_locks(ctx, why))
        cleared = attrs.evolve(cleared, position_state=PositionState())
        self._store.set_symbol_state(cmd.symbol, cleared)
        self._store.flush()
        return OpenPositionDone("flattened", f"{why}: the fill was closed again", cleared)

    async def _against_market(self, cmd: OpenPositionCommand
                              ) -> tuple[Decimal, BookAtPlacement]:
        """The plan against the current mark and book, before anything is sent: the stop on
        the losing side of both (and of a limit entry), each take-profit beyond them. A plan
        that would be stopped or take profit at once is bad input (InvalidIntent)."""
        mark = (await self._market.get_mark_price(cmd.symbol)).price
        ticker = await self._market.get_ticker(cmd.symbol)
        prices = [mark, ticker.bid or ticker.last, ticker.ask or ticker.last]
        if cmd.entry_price is not None:
            prices.append(cmd.entry_price)
        check_levels(cmd.side, _plan(cmd), low=min(prices), high=max(prices),
                     what=f"the market (mark {mark}, bid {ticker.bid}, ask {ticker.ask}"
                          + (f", entry {cmd.entry_price})" if cmd.entry_price else ")"))
        return mark, BookAtPlacement("", ticker.bid, ticker.ask)

    async def _intent_reused(self, cmd: OpenPositionCommand) -> str:
        """Where the intent id was used before ("" if nowhere): the store remembers every
        intent that reached the exchange, and the exchange is asked about its entry id (the
        store may be new). A reused intent would resend client ids the exchange holds."""
        for symbol in self._store.symbols():
            if cmd.intent_id in self._store.get_symbol_state(symbol).used_intents:
                return f"intent id {cmd.intent_id} was used before (on {symbol})"
        entry_id = client_id(cmd.intent_id, Role.ENTRY)
        try:
            found = await self._orders.get_order_status(symbol=cmd.symbol, order_id=None,
                                                        client_order_id=entry_id)
        except ExchangeError as exc:
            return f"intent id {cmd.intent_id}: the exchange could not say whether " \
                   f"{entry_id} exists ({exc})"
        if found.status is not None:
            return f"intent id {cmd.intent_id} was used before: the exchange holds {entry_id}"
        return ""

    async def _risk(self, cmd: OpenPositionCommand, spec: InstrumentSpec,
                    mark: Decimal) -> RiskBudget:
        """Loss at the initial stop against the tier's share of equity (domain/risk.py)."""
        equity = await self._account.get_balance_equity(spec.settle_ccy)
        entry = cmd.entry_price or mark
        return risk_budget(spec, qty=cmd.qty, entry=entry, stop=cmd.stop_price,
                           equity=equity.equity,
                           risk_fraction=self._params.tiers.get(cmd.tier).risk_fraction)

    def _gate(self, cmd: OpenPositionCommand, state: SymbolState,
              budget: RiskBudget, reused: str) -> OpenPositionDone | None:
        now = self._clock.now_ms() // 1000
        gate = check_open_gate(state, now=now, template=cmd.template or None)
        pos = state.position_state
        busy = pos.stage is not PositionStage.FLAT or bool(pos.intent_id)
        flat_gate = GateResult("position_flat", GateVerdict.FAIL if busy else GateVerdict.PASS,
                               f"{pos.stage.value} intent {pos.intent_id}" if busy else "")
        intent_gate = GateResult("intent_unused", GateVerdict.FAIL if reused else
                                 GateVerdict.PASS, reused)
        risk_gate = budget.gate()
        allowed = gate.allowed and not busy and budget.allowed and not reused
        reason = "; ".join(r for r in (gate.reject_reason,
                                       "a position or entry is already open" if busy else "",
                                       reused, risk_gate.reason) if r)
        self._store.append_event(CandidateEvaluation(
            now, cmd.symbol, cmd.regime, cmd.template,
            (gate_result(gate), flat_gate, intent_gate, risk_gate),
            cmd.base_score, cmd.penalties, cmd.final_score,
            CandidateAction.OPEN if allowed else CandidateAction.REJECT,
            "" if allowed else reason))
        if allowed:
            return None
        self._store.flush()
        return OpenPositionDone("rejected_by_gate", reason, state)

    def _validate(self, cmd: OpenPositionCommand, spec: InstrumentSpec) -> OrderIntent:
        """Every price and size checked before any order: InvalidIntent means bad input."""
        if cmd.side is PositionSide.NONE:
            raise InvalidIntent("side must be LONG or SHORT")
        plan = _plan(cmd)
        check_plan(cmd.qty, plan, spec)
        if cmd.entry_price is not None:
            check_levels(cmd.side, plan, low=cmd.entry_price, high=cmd.entry_price,
                         what=f"entry {cmd.entry_price}")
        kind = OrdType.MARKET if cmd.entry_price is None else OrdType.LIMIT
        return OrderIntent(spec, cmd.side.entry_side, kind, cmd.qty, cmd.entry_price, False,
                           client_id(cmd.intent_id, Role.ENTRY))

    def _persist_pending(self, cmd: OpenPositionCommand, state: SymbolState,
                         book: BookAtPlacement) -> str:
        pending = PositionState(side=cmd.side.value, qty_total=cmd.qty, sl_price=cmd.stop_price,
                                intent_id=cmd.intent_id, tp1_price=cmd.tp1_price,
                                tp1_qty=cmd.tp1_qty, tp2_price=cmd.tp2_price,
                                tp2_qty=cmd.tp2_qty, tier=cmd.tier)
        state = remember_intent(state, cmd.intent_id)
        self._store.set_symbol_state(cmd.symbol, attrs.evolve(state, position_state=pending))
        (cid,) = allocate_ids(self._store, cmd.symbol, Role.ENTRY)
        if cmd.entry_price is not None:  # a limit entry: its spread counts in spread_p95
            state = self._store.get_symbol_state(cmd.symbol)
            pos = attrs.evolve(state.position_state,
                               books=(attrs.evolve(book, client_order_id=cid),))
            self._store.set_symbol_state(cmd.symbol, attrs.evolve(state, position_state=pos))
        return cid

    def _no_position(self, cmd: OpenPositionCommand, entry: EntryOutcome) -> OpenPositionDone:
        state = self._store.get_symbol_state(cmd.symbol)
        if entry.status != "entry_unknown":
            # nothing was filled: the pending intent is done with
            state = attrs.evolve(state, position_state=PositionState())
            self._store.set_symbol_state(cmd.symbol, state)
            self._store.flush()
        return OpenPositionDone(entry.status, entry.reason, state)


def _plan(cmd: OpenPositionCommand) -> TradePlan:
    if cmd.tp1_qty + cmd.tp2_qty > cmd.qty:
        raise InvalidIntent(f"take-profit sizes {cmd.tp1_qty} + {cmd.tp2_qty} exceed the "
                            f"quantity {cmd.qty}")
    return TradePlan(cmd.stop_price, cmd.tp1_price, cmd.tp1_qty, cmd.tp2_price, cmd.tp2_qty,
                     cmd.qty - cmd.tp1_qty - cmd.tp2_qty, cmd.tier)


def _entry_event(cmd: OpenPositionCommand, fill: Fill, spec: InstrumentSpec) -> EntryFilled:
    plan = PlannedEntry(cmd.side, cmd.qty, cmd.stop_price, cmd.tp1_price, cmd.tp1_qty,
                        cmd.tp2_price, cmd.tp2_qty, cmd.tier, cmd.intent_id)
    return scaled_entry(plan, fill, spec)


def _opened(drive: DriveResult) -> OpenPositionDone:
    pos = drive.state.position_state
    if pos.stage is PositionStage.FLAT:
        return OpenPositionDone("flattened", "stop not confirmed: position flattened",
                                drive.state, drive.notes)
    if not pos.sl_confirmed:
        return OpenPositionDone("unprotected", "position open without a confirmed stop",
                                drive.state, drive.notes)
    return OpenPositionDone("opened", f"stop {pos.sl_algo.client_algo_id} at {pos.sl_price}",
                            drive.state, drive.notes)




PRE_GATE = ("request_valid", "instrument_live", "plan_valid", "plan_vs_market",
            "intent_and_budget_read")


def refused_before_gate(cmd: OpenPositionCommand, now: int, passed: tuple[str, ...],
                        reason: str, *, exchange: bool) -> CandidateEvaluation:
    """The log line of a candidate refused before the open gate: the checks it passed, the
    one it failed (or the exchange that could not be asked), and why."""
    failed = "exchange_reachable" if exchange else PRE_GATE[len(passed)]
    gates = (*(GateResult(name, GateVerdict.PASS) for name in passed),
             GateResult(failed, GateVerdict.FAIL, reason))
    return CandidateEvaluation(now, cmd.symbol, cmd.regime, cmd.template, gates,
                               cmd.base_score, cmd.penalties, cmd.final_score,
                               CandidateAction.REJECT, f"{failed}: {reason}")
