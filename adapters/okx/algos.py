"""Algo conditional stops: the only protective stops (seed 001 §0.1, §1.4)."""

from decimal import Decimal

from adapters.okx import wire
from adapters.okx.account import LONG_SHORT_MODE, OkxAccount
from adapters.okx.config import OkxConfig
from adapters.okx.converter import structure_all, unstructure
from adapters.okx.errors import ALGO_CANCEL_LOOKUP_CODES, ORDER_NOT_FOUND, Verdict, write_outcome
from adapters.okx.paging import read_all
from adapters.okx.rest import OkxRest, WriteAnswer
from adapters.okx.trading import pos_side_for
from adapters.okx.translate import TRIGGER_PX_TYPE, protocol_guard, to_algo_order
from domain.algo import AlgoOrder, AlgoStopIntent, WorkingType
from domain.errors import InvalidIntent
from domain.evidence import EvidenceRef
from domain.orders import Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.errors import ExchangeError, ExchangeRejected
from ports.exchange_types import AlgoCancelResult, AlgoLookup, AlgoPlacement, CancelDisposition

PLACE_PATH = "/api/v5/trade/order-algo"
CANCEL_PATH = "/api/v5/trade/cancel-algos"
LOOKUP_PATH = "/api/v5/trade/order-algo"
PENDING_PATH = "/api/v5/trade/orders-algo-pending"


def _stop_body(symbol: str, side: Side, qty: Decimal | None, stop_price: Decimal,
               client_algo_id: str, working: WorkingType, close_position: bool,
               td_mode: str, hedged: bool) -> wire.PlaceAlgoStop:
    return wire.PlaceAlgoStop(
        inst_id=symbol, td_mode=td_mode, side=side.value, sz=None if close_position else qty,
        close_fraction="1" if close_position else None, sl_trigger_px=stop_price,
        sl_trigger_px_type=TRIGGER_PX_TYPE[working], algo_cl_ord_id=client_algo_id,
        pos_side=pos_side_for(side, True) if hedged else None,
        reduce_only=None if hedged else True)


class OkxAlgos:
    account_wide_cost = 1  # orders-algo-pending: 20 per 2 s with or without instId
    def __init__(self, rest: OkxRest, account: OkxAccount, config: OkxConfig) -> None:
        self._rest = rest
        self._account = account
        self._config = config

    async def submit_algo_stop(self, intent: AlgoStopIntent) -> AlgoPlacement:
        """A reduce-only conditional stop, market on trigger (slOrdPx -1); the intent was
        checked against the instrument when it was built."""
        symbol, cid = intent.inst_id, intent.client_algo_id
        try:
            hedged = await self._account.pos_mode() == LONG_SHORT_MODE
        except ExchangeError as exc:
            evidence = self._rest.evidence_of(exc, f"POST {PLACE_PATH}")
            return AlgoPlacement(Rejected("pos_mode_unknown", f"stop not sent: {exc}"), symbol,
                                 cid, "", evidence)
        body = _stop_body(symbol, intent.side, intent.size, intent.stop_price, cid,
                          intent.working_type, intent.close_position, self._config.td_mode,
                          hedged)
        answer = await self._rest.write(PLACE_PATH, unstructure(body), deadline=False)
        algo_id = answer.ack.algo_id or ""
        return AlgoPlacement(write_outcome(answer.judgement, answer.http_status, algo_id),
                             symbol, cid, algo_id, answer.evidence)

    async def cancel_algo(self, *, symbol: str, algo_id: str | None,
                          client_algo_id: str | None) -> AlgoCancelResult:
        """Cancel by algoId. Given only the client id, the algo is looked up first (OKX
        documents cancel-algos by algoId only)."""
        if not algo_id and not client_algo_id:
            raise InvalidIntent("cancel needs an algo_id or a client_algo_id")
        if not algo_id:
            try:
                found = await self.get_algo_order(symbol=symbol, algo_id=None,
                                                  client_algo_id=client_algo_id)
            except ExchangeError as exc:
                return AlgoCancelResult(Unknown(f"lookup before cancel failed: {exc}"), None,
                                        symbol, "", client_algo_id or "", None,
                                        self._rest.evidence_of(exc, LOOKUP_PATH))
            if found.algo_order is None and client_algo_id:
                return await self._cancel_unseen(symbol, client_algo_id)
            if found.algo_order is None or not found.algo_order.state.is_open:
                return _settled(symbol, client_algo_id or "", found.algo_order, found.evidence)
            algo_id = found.algo_order.algo_id
        body = [unstructure(wire.CancelAlgo(inst_id=symbol, algo_id=algo_id))]
        answer = await self._rest.write(CANCEL_PATH, body, deadline=False)
        judgement = answer.judgement
        if judgement.verdict is Verdict.OK:
            return AlgoCancelResult(Accepted(algo_id), CancelDisposition.CANCEL_ACCEPTED,
                                    symbol, algo_id, client_algo_id or "", None,
                                    answer.evidence)
        if judgement.verdict is Verdict.REJECTED and judgement.code in ALGO_CANCEL_LOOKUP_CODES:
            return await self._settle_refused(symbol, algo_id, client_algo_id or "", answer)
        return AlgoCancelResult(write_outcome(judgement, answer.http_status, algo_id), None,
                                symbol, algo_id, client_algo_id or "", None, answer.evidence)

    async def _cancel_unseen(self, symbol: str, cid: str) -> AlgoCancelResult:
        """The lookup does not show the algo, yet it may exist: accepted while its answer was
        lost, and still invisible (visibility lag). Cancelling by client id reaches it anyway;
        a refusal (not there, or the form not taken) is the lookup's "not found"."""
        body = [unstructure(wire.CancelAlgo(inst_id=symbol, algo_cl_ord_id=cid))]
        answer = await self._rest.write(CANCEL_PATH, body, deadline=False)
        if answer.judgement.verdict is Verdict.OK:
            algo_id = answer.ack.algo_id or ""
            return AlgoCancelResult(Accepted(algo_id), CancelDisposition.CANCEL_ACCEPTED,
                                    symbol, algo_id, cid, None, answer.evidence)
        if answer.judgement.verdict is Verdict.REJECTED:
            return _settled(symbol, cid, None, answer.evidence)
        return AlgoCancelResult(write_outcome(answer.judgement, answer.http_status, ""), None,
                                symbol, "", cid, None, answer.evidence)

    async def _settle_refused(self, symbol: str, algo_id: str, cid: str,
                              answer: WriteAnswer) -> AlgoCancelResult:
        code, msg = answer.judgement.code, answer.judgement.message
        try:
            found = await self.get_algo_order(symbol=symbol, algo_id=algo_id,
                                              client_algo_id=None)
        except ExchangeError as exc:
            return AlgoCancelResult(Unknown(f"cancel refused {code}, lookup failed: {exc}"),
                                    None, symbol, algo_id, cid, None, answer.evidence)
        algo = found.algo_order
        if algo is not None and algo.state.is_open:
            return AlgoCancelResult(Rejected(code, msg, answer.http_status), None, symbol,
                                    algo_id, cid or algo.client_algo_id, algo, answer.evidence)
        return _settled(symbol, cid, algo, answer.evidence, algo_id)

    async def get_algo_order(self, *, symbol: str, algo_id: str | None,
                             client_algo_id: str | None) -> AlgoLookup:
        if not algo_id and not client_algo_id:
            raise InvalidIntent("an algo lookup needs an algo_id or a client_algo_id")
        params = {"algoId": algo_id} if algo_id else {"algoClOrdId": client_algo_id or ""}
        try:
            answer = await self._rest.read("GET", LOOKUP_PATH, params=params, signed=True)
        except ExchangeRejected as exc:
            if exc.code == ORDER_NOT_FOUND:
                return AlgoLookup(symbol, None, self._rest.evidence_of(exc, LOOKUP_PATH))
            raise
        items = structure_all(answer.items[:1], wire.AlgoOrder, answer.evidence)
        with protocol_guard("algo order", answer.evidence):
            algo = to_algo_order(items[0], answer.evidence) if items else None
        return AlgoLookup(symbol, algo, answer.evidence)

    async def get_open_algo_orders(self, symbol: str) -> tuple[AlgoOrder, ...]:
        return await self._pending({"ordType": "conditional", "instId": symbol})

    async def get_all_open_algo_orders(self) -> tuple[AlgoOrder, ...]:
        """orders-algo-pending without instId: every SWAP conditional, 100 a page."""
        return await self._pending({"ordType": "conditional", "instType": "SWAP"})

    async def _pending(self, params: dict[str, str]) -> tuple[AlgoOrder, ...]:
        found, _ = await read_all(self._rest, PENDING_PATH, params, wire.AlgoOrder,
                                  lambda algo: algo.algo_id)
        algos = []
        for item, evidence in found:
            with protocol_guard("pending algo order", evidence):
                algos.append(to_algo_order(item, evidence))
        return tuple(algos)


def _settled(symbol: str, cid: str, algo: AlgoOrder | None, evidence: EvidenceRef,
             algo_id: str = "") -> AlgoCancelResult:
    # no live algo to cancel: either it is gone (never existed / purged) or already terminal
    if algo is None:
        return AlgoCancelResult(Accepted(algo_id), CancelDisposition.NOT_FOUND, symbol,
                                algo_id, cid, None, evidence)
    return AlgoCancelResult(Accepted(algo.algo_id), CancelDisposition.ALREADY_TERMINAL, symbol,
                            algo.algo_id, cid or algo.client_algo_id, algo, evidence)
