"""The open gate's parts (seed 001 §4, §8): the request checked on its own, the plan against the
market, whether the intent id was used before, the risk budget, and the gate's verdict with its
CandidateEvaluation line (or the line of a candidate refused before the gate). OpenPosition runs
them in order, the instrument's checks between them; nothing here sends an order.
"""

from decimal import Decimal

from application.gate_reads import GateReads
from application.open_command import OpenOutcome, OpenPositionCommand, OpenPositionDone
from domain.exec_quality import market_intended
from domain.gate import check_open_gate, gate_result
from domain.ids import Role, client_id, validate_intent_id
from domain.instrument import InstrumentSpec
from domain.logs import CandidateAction, CandidateEvaluation, GateResult, GateVerdict
from domain.params import Params
from domain.plan import check_levels, check_own_levels
from domain.risk import RiskBudget, risk_budget
from domain.state import BookAtPlacement, PositionStage, SymbolState
from domain.template_cooldown import validate_template
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.orders import Orders
from ports.state import StateStore


class OpenGate:
    """The open gate's reads and verdict for OpenPosition."""

    def __init__(self, orders: Orders, store: StateStore, clock: Clock,
                 params: Params) -> None:
        self._orders = orders
        self._store = store
        self._clock = clock
        self._params = params

    async def against_market(self, cmd: OpenPositionCommand, reads: GateReads
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

    async def intent_reused(self, cmd: OpenPositionCommand) -> str:
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

    async def risk(self, cmd: OpenPositionCommand, spec: InstrumentSpec,
                   mark: Decimal, reads: GateReads) -> RiskBudget:
        """Loss at the initial stop against the tier's share of equity (domain/risk.py), read
        in the instrument's settlement currency."""
        equity = await reads.equity()
        plan = cmd.plan
        return risk_budget(spec, qty=plan.qty, entry=plan.entry_price or mark,
                           stop=plan.stop_price, equity=equity.equity,
                           risk_fraction=self._params.tiers.get(plan.tier).risk_fraction)

    def verdict(self, cmd: OpenPositionCommand, state: SymbolState,
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
