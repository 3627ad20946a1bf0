"""ProbeExecution: seed 000 §5's minimal closed loop, evidenced, packaged, with no verdicts."""

from decimal import Decimal

import attrs

from application import contract_calls as calls
from application.engine import ExecutionEngine
from application.order_path import OrderPath, Sent, Settled
from application.probe_fill import check_probe_price, close_probe_fill, position_open
from application.probe_report import ProbeFacts, render_report
from domain.errors import InvalidIntent
from domain.ids import Role, client_id
from domain.instrument import InstrumentSpec
from domain.orders import OrderIntent, OrdType, PositionSide, Side
from domain.outcome import Unknown
from ports.account import Account
from ports.errors import ExchangeError
from ports.evidence import EvidenceSink, PackageManifest, SeedDocument
from ports.market import MarketData
from ports.progress import Progress, Silent


@attrs.frozen
class RunProbe:
    inst_id: str
    intent_id: str
    px: Decimal | None = None
    inst_type: str = "SWAP"
    # a px at or through the best ask is refused unless the operator wants a fill
    allow_fill: bool = False


@attrs.frozen
class ProbeRan:
    """What happened. loop_closed: ack, status, cancel and status again all answered."""

    run_dir: str
    inst_id: str
    order_placed: bool
    loop_closed: bool
    unresolved_unknown: bool
    bad_input: str
    exchange_errors: int
    manifest: PackageManifest
    # what the probe order filled, and whether that much was sold again reduce-only
    filled: Decimal = Decimal(0)
    fill_closed: bool = True


class ProbeExecution:
    """Run the PROBE: instruments → select → config → limit order → status → cancel → status."""

    def __init__(self, engine: ExecutionEngine, market: MarketData, account: Account,
                 path: OrderPath, sink: EvidenceSink, progress: Progress | None = None) -> None:
        self._engine = engine
        self._market = market
        self._account = account
        self._path = path
        self._sink = sink
        self._progress = progress or Silent()

    async def execute(self, cmd: RunProbe) -> ProbeRan:
        facts = ProbeFacts(inst_id=cmd.inst_id)
        spec = await self._select(cmd, facts)
        facts.config = await self._engine.account_config_step()
        self._progress.step(f"account config: posMode {facts.config.pos_mode or '-'}"
                            if facts.config.ok else "account config: error (evidenced)")
        if spec is not None:
            intent = await self._intent(cmd, spec, facts)
            if intent is not None:
                await self._order_loop(intent, facts)
                await self._close_fill(cmd, spec, facts)
        return self._package(facts)

    async def _check_px(self, cmd: RunProbe, px: Decimal, facts: ProbeFacts) -> bool:
        """May this operator price be sent? (A crossing price only with allow_fill.)"""
        ticker = facts.ticker.ticker if facts.ticker else None
        # the lower of last and the best ask: some books (the simulator's) match at last
        ask = min(ticker.last, ticker.ask or ticker.last) if ticker else None
        opened = await position_open(self._account, cmd.inst_id) if cmd.allow_fill else False
        check = check_probe_price(px, ask, allow_fill=cmd.allow_fill, position_open=opened)
        facts.crossing = check.crosses
        self._sink.append_document(SeedDocument.PROBE_EXECUTION, {
            "call": "check_px", "ok": not check.refusal, "px": str(px), "ask": str(ask or ""),
            "crosses": check.crosses, "allow_fill": cmd.allow_fill, "refusal": check.refusal})
        if check.refusal:
            facts.bad_input = check.refusal
            self._progress.step(f"refused: {check.refusal}")
        return not check.refusal

    async def _close_fill(self, cmd: RunProbe, spec: InstrumentSpec, facts: ProbeFacts) -> None:
        facts.filled = await self._filled(cmd, facts)
        if facts.filled > 0:
            self._progress.step(f"the probe order filled {facts.filled}: selling it again "
                                "reduce-only")
            facts.fill_close = await close_probe_fill(
                self._path, self._sink, spec=spec, intent_id=cmd.intent_id,
                filled=facts.filled)
            self._progress.step(f"closed {facts.fill_close.closed} of {facts.filled}"
                                + (f" ({facts.fill_close.reason})" if facts.fill_close.reason
                                   else ""))

    async def _filled(self, cmd: RunProbe, facts: ProbeFacts) -> Decimal:
        seen = [s.status for s in facts.samples if s.status is not None]
        if facts.cancel is not None and facts.cancel.result.order_status is not None:
            seen.append(facts.cancel.result.order_status)
        if facts.resolved_status is not None:
            seen.append(facts.resolved_status)
        if seen:
            return max(s.acc_fill_sz for s in seen)
        if facts.crossing and facts.order_placed:
            # no status could be read; the instrument was flat before, so what it holds now
            # is the probe's fill
            try:
                snap = (await self._account.get_positions()).by_symbol.get(cmd.inst_id)
            except ExchangeError:
                return Decimal(0)
            return snap.qty if snap is not None and snap.side is PositionSide.LONG \
                else Decimal(0)
        return Decimal(0)

    async def _select(self, cmd: RunProbe, facts: ProbeFacts) -> InstrumentSpec | None:
        facts.instruments = await self._engine.instruments_step(cmd.inst_type)
        # the ticker is evidence only (§3.1, §4.2: it answers 51001 for an unknown instId);
        # the probe's price never comes from it
        facts.ticker = await self._engine.ticker_step(cmd.inst_id)
        found = facts.instruments.instruments.find(cmd.inst_id) \
            if facts.instruments.instruments else None
        facts.exists = found is not None if facts.instruments.ok else None
        facts.state = found.state if found else ""
        selected = found is not None and found.is_live
        reason = ("instruments call returned an error" if not facts.instruments.ok
                  else "instId absent from public/instruments" if found is None
                  else f"state is {found.state}, not live" if not found.is_live
                  else "present and live")
        if facts.instruments.ok and not selected:
            # the operator named an instrument that cannot be probed: bad input, no order
            facts.bad_input = f"{cmd.inst_id}: {reason}"
        self._progress.step(f"instruments: {len(facts.instruments.parsed_minimal)} listed; "
                            f"{cmd.inst_id}: {reason}")
        self._sink.write_document(SeedDocument.PROBE_SELECTED_INST, {
            "requested_inst_id": cmd.inst_id, "inst_type": cmd.inst_type,
            "exists": facts.exists, "state": facts.state, "live": selected,
            "selected": selected, "reason": reason, "spec": _spec_json(found)})
        return found if selected else None

    async def _intent(self, cmd: RunProbe, spec: InstrumentSpec,
                      facts: ProbeFacts) -> OrderIntent | None:
        px = cmd.px
        if px is None:
            px = await self._default_price(spec, facts)
            if px is None:
                return None
        facts.px = px
        facts.px_source = "operator --px" if cmd.px is not None else facts.px_source
        if cmd.px is not None and not await self._check_px(cmd, px, facts):
            return None
        try:
            return OrderIntent(spec, Side.BUY, OrdType.LIMIT, spec.min_sz, px, False,
                               client_id(cmd.intent_id, Role.PROBE))
        except InvalidIntent as exc:
            facts.bad_input = str(exc)
            self._sink.append_document(SeedDocument.PROBE_EXECUTION, {
                "call": "build_intent", "ok": False, "error": str(exc), "px": str(px)})
            return None

    async def _default_price(self, spec: InstrumentSpec, facts: ProbeFacts) -> Decimal | None:
        # A buy priced a whole band width below the band's lower edge (sellLmt): no sell order
        # may carry a price under sellLmt, so nothing can match it while the band holds.
        try:
            limit = await self._market.get_price_limit(spec.inst_id)
        except ExchangeError as exc:
            facts.errors.append(("get_price_limit", calls.summarize_error(exc)))
            self._sink.append_document(SeedDocument.PROBE_EXECUTION, {
                "call": "get_price_limit", "ok": False,
                "error": calls.summarize_error(exc).as_json()})
            return None
        width = limit.buy_limit - limit.sell_limit
        px = spec.price_floor(limit.sell_limit - width)
        facts.px_source = (f"public/price-limit: sellLmt {limit.sell_limit} minus band width "
                           f"{width}, floored to tickSz {spec.tick_sz}")
        self._sink.append_document(SeedDocument.PROBE_EXECUTION, {
            "call": "get_price_limit", "ok": True, "buyLmt": str(limit.buy_limit),
            "sellLmt": str(limit.sell_limit), "px_chosen": str(px),
            "evidence_ref": str(limit.evidence)})
        if px <= 0:
            facts.bad_input = f"no positive price under the band's lower edge {limit.sell_limit}"
            return None
        return px

    async def _order_loop(self, intent: OrderIntent, facts: ProbeFacts) -> None:
        self._progress.step(f"limit buy {intent.size} @ {intent.price} as "
                            f"{intent.client_order_id} ({facts.px_source})")
        facts.submit = await self._engine.submit_step(intent)
        self._progress.step(f"ack: {facts.submit.placement.status}")
        sent = facts.submit.sent
        if sent.settled is Settled.REJECTED:
            return
        if isinstance(sent.placement.outcome, Unknown):
            self._record_resolution(sent, facts)
            if sent.status is None:
                return
        order_id, cid = sent.order_id, intent.client_order_id
        facts.samples.append(await self._engine.status_step(intent.inst_id, ord_id=order_id,
                                                            cl_ord_id=cid))
        self._progress.step(f"status: {_state(facts.samples[-1])}")
        facts.cancel = await self._engine.cancel_step(intent.inst_id, ord_id=order_id,
                                                      cl_ord_id=cid)
        self._progress.step(f"cancel: {facts.cancel.result.status}")
        facts.samples.append(await self._engine.status_step(intent.inst_id, ord_id=order_id,
                                                            cl_ord_id=cid))

    def _record_resolution(self, sent: Sent, facts: ProbeFacts) -> None:
        """The answer was lost: what the lookup by client id (in the order path) found."""
        conclusive = sent.settled is not Settled.UNKNOWN
        facts.unresolved_unknown = not conclusive
        facts.resolved_status = sent.status
        intent = sent.intent
        self._sink.append_document(SeedDocument.PROBE_EXECUTION, {
            "call": "resolve_unknown_submit", "ok": conclusive,
            "clOrdId": intent.client_order_id, "found": sent.status is not None,
            "conclusive": conclusive, "lookups": sent.lookups,
            "evidence_refs": [str(e) for e in sent.evidence[1:]],
            **calls.status_sample(intent.inst_id, intent.client_order_id, sent.status)})

    def _package(self, facts: ProbeFacts) -> ProbeRan:
        if facts.samples:
            self._progress.step(f"status after cancel: {_state(facts.samples[-1])}")
        first = self._sink.package()
        self._sink.write_text(SeedDocument.PROBE_REPORT, render_report(facts, first))
        manifest = self._sink.package()
        self._progress.step(f"packaged {len(manifest.files)} files in {self._sink.run_dir}")
        return ProbeRan(str(self._sink.run_dir), facts.inst_id, facts.order_placed,
                        facts.loop_closed, facts.unresolved_unknown, facts.bad_input,
                        len(facts.all_errors()), manifest, facts.filled,
                        facts.fill_close.flat if facts.fill_close else facts.filled == 0)


def _state(step: calls.StatusStep) -> str:
    if step.status is None:
        return "no answer" if not step.ok else "not found"
    return f"{step.status.state.value}, accFillSz {step.status.acc_fill_sz}"


def _spec_json(spec: InstrumentSpec | None) -> dict[str, str] | None:
    if spec is None:
        return None
    return {"instId": spec.inst_id, "instType": spec.inst_type, "state": spec.state,
            "tickSz": str(spec.tick_sz), "lotSz": str(spec.lot_sz), "minSz": str(spec.min_sz),
            "ctVal": str(spec.ct_val), "ctMult": str(spec.ct_mult),
            "settleCcy": spec.settle_ccy}
