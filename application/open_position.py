"""OpenPosition: gate → entry → fill observed at the exchange → algo stop confirmed in 1 s.

If the stop cannot be confirmed the driver flattens the position reduce-only and locks the
symbol (seed 001 §0.2, §7). The intent and every allocated client id are flushed before the
request that uses them leaves, so a crash at any step is recoverable.
"""

import enum
from decimal import Decimal
from typing import Any

import attrs

from application.client_ids import allocate_ids
from application.driver import DriveResult, PositionDriver
from application.early_stop import EarlyStop
from application.entry import EntryOutcome, EntryStatus, place_entry
from application.gate_reads import GateReads
from application.order_path import OrderPath
from application.performers import Note
from application.protection import emergency_flatten
from domain.errors import InvalidIntent
from domain.events import EntryFilled
from domain.exec_quality import market_intended
from domain.gate import apply_cooldowns, check_open_gate, gate_result
from domain.ids import Role, client_id, validate_intent_id
from domain.instrument import InstrumentSpec
from domain.logs import CandidateAction, CandidateEvaluation, GateResult, GateVerdict
from domain.orders import Fill, OrderIntent, OrdType, PositionSide
from domain.params import Params
from domain.plan import TradePlan, check_levels, check_min_notional, check_own_levels
from domain.position_rules import Context, emergency_locks
from domain.regime import Regime, Tier
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
    """Open the plan on symbol. The scoring fields and the regime are logged with the gate's
    CandidateEvaluation (seed 001 §8)."""

    symbol: str
    plan: TradePlan
    regime: Regime = attrs.field(default=Regime.NONE, converter=Regime)
    template: str = ""
    base_score: float = 0.0
    penalties: tuple[tuple[str, float], ...] = ()
    final_score: float = 0.0
    entry_timeout_s: float = 10.0

    @classmethod
    def of(cls, symbol: str, side: PositionSide, qty: Decimal, stop_price: Decimal,
           tp1_price: Decimal, tp1_qty: Decimal, tp2_price: Decimal, tp2_qty: Decimal,
           intent_id: str, entry_price: Decimal | None = None, tier: Tier = Tier.A,
           **rest: Any) -> "OpenPositionCommand":
        """The command from the plan's fields, as an operator or the Quant service names them."""
        plan = TradePlan(side, qty, stop_price, tp1_price, tp1_qty, tp2_price, tp2_qty,
                         intent_id, Tier(tier), entry_price)
        return cls(symbol, plan, **rest)

    @property
    def intent_id(self) -> str:
        return self.plan.intent_id


class OpenOutcome(enum.StrEnum):
    REJECTED_BY_GATE = "rejected_by_gate"   # the gate refused it; nothing was sent
    ENTRY_REJECTED = "entry_rejected"       # the exchange refused the entry
    ENTRY_NOT_FILLED = "entry_not_filled"   # the entry ended (or never existed) unfilled
    ENTRY_UNKNOWN = "entry_unknown"         # the entry's fate could not be learned
    OPENED = "opened"                       # filled and its stop seen at the exchange
    FLATTENED = "flattened"                 # filled, could not be protected, closed again
    UNPROTECTED = "unprotected"             # filled, neither protected nor closed


@attrs.frozen
class OpenPositionDone:
    """needs_attention: an outcome is still unknown or a position may be open without a
    confirmed stop."""

    status: OpenOutcome
    reason: str
    state: SymbolState
    notes: tuple[Note, ...] = ()

    @property
    def needs_attention(self) -> bool:
        return self.status in (OpenOutcome.ENTRY_UNKNOWN, OpenOutcome.UNPROTECTED) or \
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
        try:
            return await self._execute(cmd)
        finally:
            # a status read or poll that lost its race to a push still finishes (and is
            # recorded) before the command returns (application/push_race.py)
            await self._path.lingering.settle()

    async def _execute(self, cmd: OpenPositionCommand) -> OpenPositionDone:
        plan = cmd.plan
        passed: list[str] = []
        try:
            check_request(cmd)
            passed.append("request_valid")
            # the gate's reads go out together; each is awaited where its check runs
            async with GateReads(self._market, self._account, cmd.symbol,
                                 self._intent_reused(cmd)) as reads:
                spec = await reads.spec()
                passed.append("instrument_live")
                plan.check(spec)  # every price and size before any order: bad input
                passed.append("plan_valid")
                mark, book = await self._against_market(cmd, reads)
                check_min_notional(plan, spec, price=mark)
                passed.append("plan_vs_market")
                reused = await reads.intent_reused()
                budget = await self._risk(cmd, spec, mark, reads)
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
        leverage = self._params.tiers.get(plan.tier).leverage
        if await reads.leverage_differs(leverage):  # read with the gate's reads
            await self._account.set_leverage(cmd.symbol, leverage)
        cid = self._persist_pending(cmd, state, book)
        kind = OrdType.MARKET if plan.entry_price is None else OrdType.LIMIT
        # a market entry's stop goes out with its status read (application/early_stop.py)
        early = self._early_stop(cmd, spec) if kind is OrdType.MARKET else None
        try:
            return await self._enter(cmd, spec, book, cid, kind, early)
        finally:
            if early is not None:
                await early.aclose()

    async def _enter(self, cmd: OpenPositionCommand, spec: InstrumentSpec,
                     book: BookAtPlacement, cid: str, kind: OrdType,
                     early: EarlyStop | None) -> OpenPositionDone:
        plan = cmd.plan
        entry = await place_entry(self._path, intent=OrderIntent(
            spec, plan.side.entry_side, kind, plan.qty, plan.entry_price, False, cid),
            timeout_s=cmd.entry_timeout_s, on_accepted=early.start if early else None)
        self._progress.step(f"entry {cid}: {entry.reason}")
        if entry.fill is None:
            if entry.order_status is not None:
                await self._driver.recorder.entry_ended(
                    cmd.symbol, entry.order_status, attrs.evolve(book, client_order_id=cid))
            notes = await early.withdraw(entry.reason) if early else ()
            return self._no_position(cmd, entry, notes)
        fill = entry.fill
        try:
            event = EntryFilled(plan.scaled_to(fill.size, spec), fill.avg_price, fill.order_id,
                                fill.client_order_id)
        except InvalidIntent as exc:
            done = await self._flatten_unplannable(cmd, spec, fill, str(exc))
            notes = await early.withdraw("the fill was closed again") if early else ()
            return attrs.evolve(done, notes=(*done.notes, *notes))
        if cmd.template:
            self._store.set_symbol_state(cmd.symbol, on_position_opened(
                self._store.get_symbol_state(cmd.symbol), cmd.template))
        # the fill is stored at once; the stop sent with the entry is awaited where the
        # driver places the position's stop
        return _opened(await self._driver.feed(cmd.symbol, spec, event,
                                               early=early.result if early else None))

    def _early_stop(self, cmd: OpenPositionCommand, spec: InstrumentSpec) -> EarlyStop:
        venue = self._driver.venue
        return EarlyStop(venue.stops, venue.algos, self._store, self._clock, self._params,
                         spec=spec, side=cmd.plan.side.exit_side, qty=cmd.plan.qty,
                         stop_price=cmd.plan.stop_price)

    def refuse_invalid(self, cmd: OpenPositionCommand) -> None:
        """What can be checked without the exchange, checked before the command sends
        anything (the recovery it starts with included): InvalidIntent, logged as a candidate
        refused before the gate."""
        try:
            check_request(cmd)
        except InvalidIntent as exc:
            self._store.append_event(refused_before_gate(
                cmd, self._clock.now_ms() // 1000, (), str(exc), exchange=False))
            self._store.flush()
            raise

    async def _flatten_unplannable(self, cmd: OpenPositionCommand, spec: InstrumentSpec,
                                   fill: Fill, why: str) -> OpenPositionDone:
        """A partial fill too small to carry the plan is closed again at once; like every
        emergency flatten it locks the symbol (seed 001 §7)."""
        ids = allocate_ids(self._store, cmd.symbol, Role.FLATTEN, 3)
        out = await emergency_flatten(self._path, self._account, spec=spec,
                                      side=cmd.plan.side, qty=fill.size, client_ids=ids)
        if not out.flat:
            return OpenPositionDone(OpenOutcome.UNPROTECTED, f"{why}; flatten: {out.reason}",
                                    self._store.get_symbol_state(cmd.symbol))
        ctx = Context(cmd.symbol, self._clock.now_ms() // 1000, self._params)
        cleared = apply_cooldowns(self._store.get_symbol_state(cmd.symbol),
                                  emergency_locks(ctx, why))
        cleared = attrs.evolve(cleared, position_state=PositionState())
        self._store.set_symbol_state(cmd.symbol, cleared)
        self._store.flush()
        return OpenPositionDone(OpenOutcome.FLATTENED, f"{why}: the fill was closed again",
                                cleared)

    async def _against_market(self, cmd: OpenPositionCommand, reads: GateReads
                              ) -> tuple[Decimal, BookAtPlacement]:
        """The plan against the current mark and book, before anything is sent: the stop on
        the losing side of both (and of a limit entry), each take-profit beyond them. A plan
        that would be stopped or take profit at once is bad input (InvalidIntent)."""
        mark = (await reads.mark()).price
        ticker = await reads.ticker()
        plan = cmd.plan
        prices = [mark, ticker.bid or ticker.last, ticker.ask or ticker.last]
        if plan.entry_price is not None:
            prices.append(plan.entry_price)
        check_levels(plan, low=min(prices), high=max(prices),
                     what=f"the market (mark {mark}, bid {ticker.bid}, ask {ticker.ask}"
                          + (f", entry {plan.entry_price})" if plan.entry_price else ")"))
        # a market entry is meant at the touch it takes (the mark without a book)
        return mark, BookAtPlacement("", ticker.bid, ticker.ask, market_intended(
            plan.side.entry_side, bid=ticker.bid, ask=ticker.ask, mark=mark))

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
                    mark: Decimal, reads: GateReads) -> RiskBudget:
        """Loss at the initial stop against the tier's share of equity (domain/risk.py), read
        in the instrument's settlement currency."""
        equity = await reads.equity()
        plan = cmd.plan
        return risk_budget(spec, qty=plan.qty, entry=plan.entry_price or mark,
                           stop=plan.stop_price, equity=equity.equity,
                           risk_fraction=self._params.tiers.get(plan.tier).risk_fraction)

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
        return OpenPositionDone(OpenOutcome.REJECTED_BY_GATE, reason, state)

    def _persist_pending(self, cmd: OpenPositionCommand, state: SymbolState,
                         book: BookAtPlacement) -> str:
        state = remember_intent(state, cmd.intent_id)
        self._store.set_symbol_state(cmd.symbol,
                                     attrs.evolve(state, position_state=cmd.plan.pending()))
        (cid,) = allocate_ids(self._store, cmd.symbol, Role.ENTRY)
        # kept with the entry: a limit entry's spread counts in spread_p95, a market entry's
        # fill is judged against the touch read before it left (slippage_cost30_r)
        state = self._store.get_symbol_state(cmd.symbol)
        pos = attrs.evolve(state.position_state, books=(attrs.evolve(book, client_order_id=cid),))
        self._store.set_symbol_state(cmd.symbol, attrs.evolve(state, position_state=pos))
        return cid

    def _no_position(self, cmd: OpenPositionCommand, entry: EntryOutcome,
                     notes: tuple[Note, ...] = ()) -> OpenPositionDone:
        state = self._store.get_symbol_state(cmd.symbol)
        if entry.status is not EntryStatus.UNKNOWN:
            # nothing was filled: the pending intent is done with
            state = attrs.evolve(state, position_state=PositionState())
            self._store.set_symbol_state(cmd.symbol, state)
            self._store.flush()
        return OpenPositionDone(_ENTRY_OUTCOME[entry.status], entry.reason, state, notes)


_ENTRY_OUTCOME = {EntryStatus.REJECTED: OpenOutcome.ENTRY_REJECTED,
                  EntryStatus.NOT_FILLED: OpenOutcome.ENTRY_NOT_FILLED,
                  EntryStatus.UNKNOWN: OpenOutcome.ENTRY_UNKNOWN}


def _opened(drive: DriveResult) -> OpenPositionDone:
    pos = drive.state.position_state
    if pos.stage is PositionStage.FLAT:
        return OpenPositionDone(OpenOutcome.FLATTENED, "stop not confirmed: position flattened",
                                drive.state, drive.notes)
    if not pos.sl_confirmed:
        return OpenPositionDone(OpenOutcome.UNPROTECTED,
                                "position open without a confirmed stop",
                                drive.state, drive.notes)
    return OpenPositionDone(OpenOutcome.OPENED,
                            f"stop {pos.sl_algo.client_algo_id} at {pos.sl_price}",
                            drive.state, drive.notes)


def check_request(cmd: OpenPositionCommand) -> None:
    """The request on its own (no exchange read): intent id, template, the levels' order."""
    validate_intent_id(cmd.plan.intent_id)
    if cmd.template:
        validate_template(cmd.template)
    check_own_levels(cmd.plan)


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
