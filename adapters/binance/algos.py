"""Protective stops through Binance's Algo Service only (seed 001 §0.1, §1.4):
POST /fapi/v1/algoOrder with algoType=CONDITIONAL, type=STOP_MARKET, workingType=MARK_PRICE, a
triggerPrice on the tick (the intent is checked against the instrument), and quantity +
reduceOnly=true (or closePosition=true when configured), keyed by clientAlgoId; visible
through GET /fapi/v1/openAlgoOrders and ALGO_UPDATE."""

from decimal import Decimal

from adapters.binance import wire
from adapters.binance.account import BinanceAccount
from adapters.binance.config import BinanceConfig
from adapters.binance.converter import structure_list, structure_one
from adapters.binance.errors import (
    CANCEL_REJECTED,
    DUPLICATE_CLIENT_ID,
    ORDER_NOT_FOUND,
    Verdict,
    write_outcome,
)
from adapters.binance.rest import BinanceRest, WriteAnswer
from adapters.binance.trading import position_side_for, text
from adapters.binance.translate import (
    SIDE_TEXT,
    WORKING_TYPE_TEXT,
    protocol_guard,
    to_algo_order,
)
from adapters.binance.units import price_text, to_quantity
from domain.algo import AlgoOrder, AlgoStopIntent, WorkingType
from domain.errors import InvalidIntent
from domain.evidence import EvidenceRef
from domain.orders import Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.errors import ExchangeError, ExchangeRejected
from ports.exchange_types import AlgoCancelResult, AlgoLookup, AlgoPlacement, CancelDisposition

ALGO_PATH = "/fapi/v1/algoOrder"
OPEN_PATH = "/fapi/v1/openAlgoOrders"
STOP_TYPE = "STOP_MARKET"
CANCEL_LOOKUP_CODES = frozenset({CANCEL_REJECTED, ORDER_NOT_FOUND})


def stop_params(symbol: str, side: Side, qty: Decimal | None, trigger: Decimal,
                client_algo_id: str, working: WorkingType, close_position: bool,
                hedged: bool) -> dict[str, str]:
    if working not in WORKING_TYPE_TEXT:
        raise InvalidIntent(f"Binance triggers on MARK_PRICE or CONTRACT_PRICE, not {working}")
    params = {"algoType": "CONDITIONAL", "symbol": symbol, "side": SIDE_TEXT[side],
              "type": STOP_TYPE, "triggerPrice": price_text(trigger),
              "workingType": WORKING_TYPE_TEXT[working]}
    if hedged:
        params["positionSide"] = position_side_for(side, True)
    if close_position:
        params["closePosition"] = "true"
    else:
        assert qty is not None
        params["quantity"] = to_quantity(qty)
        if not hedged:  # hedge mode refuses reduceOnly: the position side makes it a close
            params["reduceOnly"] = "true"
    return params | {"clientAlgoId": client_algo_id}


class BinanceAlgos:
    account_wide_cost = 40  # openAlgoOrders weighs 1 with a symbol, 40 without
    def __init__(self, rest: BinanceRest, account: BinanceAccount,
                 config: BinanceConfig) -> None:
        self._rest = rest
        self._account = account
        self._config = config

    async def submit_algo_stop(self, intent: AlgoStopIntent) -> AlgoPlacement:
        """A reduce-only STOP_MARKET through the Algo Service; the intent was checked against
        the instrument (tick, lot, minimum) when it was built."""
        symbol, cid = intent.inst_id, intent.client_algo_id
        whole = intent.close_position or self._config.stop_close_position
        try:
            hedged = await self._account.hedged()
        except ExchangeError as exc:
            evidence = self._rest.evidence_of(exc, f"POST {ALGO_PATH}")
            return AlgoPlacement(Rejected("pos_mode_unknown", f"stop not sent: {exc}"), symbol,
                                 cid, "", evidence)
        params = stop_params(symbol, intent.side, None if whole else intent.size,
                             intent.stop_price, cid, intent.working_type, whole, hedged)
        answer = await self._rest.write("POST", ALGO_PATH, params)
        judgement = answer.judgement
        algo_id = text(answer.payload, "algoId")
        outcome = write_outcome(judgement, answer.http_status, algo_id)
        if judgement.verdict is Verdict.REJECTED and judgement.code == DUPLICATE_CLIENT_ID:
            outcome, algo_id = await self._already_placed(symbol, cid)
        return AlgoPlacement(outcome, symbol, cid, algo_id, answer.evidence)

    async def _already_placed(self, symbol: str, cid: str) -> tuple[Accepted | Unknown, str]:
        """-4116: an open algo already has this clientAlgoId (an earlier send arrived)."""
        try:
            found = await self.get_algo_order(symbol=symbol, algo_id=None, client_algo_id=cid)
        except ExchangeError as exc:
            return Unknown(f"duplicate clientAlgoId, lookup failed: {exc}"), ""
        if found.algo_order is None:
            return Unknown("duplicate clientAlgoId, but no algo found by it"), ""
        return Accepted(found.algo_order.algo_id), found.algo_order.algo_id

    async def cancel_algo(self, *, symbol: str, algo_id: str | None,
                          client_algo_id: str | None) -> AlgoCancelResult:
        """Cancel by algoId or clientAlgoId; a refusal counts as done only once a lookup shows
        the algo is not open (and the lookup is returned)."""
        if not algo_id and not client_algo_id:
            raise InvalidIntent("cancel needs an algo_id or a client_algo_id")
        params = {"symbol": symbol}
        params |= {"algoId": algo_id} if algo_id else {"clientAlgoId": client_algo_id or ""}
        answer = await self._rest.write("DELETE", ALGO_PATH, params)
        judgement = answer.judgement
        aid = text(answer.payload, "algoId") or algo_id or ""
        cid = text(answer.payload, "clientAlgoId") or client_algo_id or ""
        if judgement.verdict is Verdict.OK:
            return AlgoCancelResult(Accepted(aid), CancelDisposition.CANCEL_ACCEPTED, symbol,
                                    aid, cid, None, answer.evidence)
        if judgement.verdict is Verdict.REJECTED and judgement.code in CANCEL_LOOKUP_CODES:
            return await self._settle_refused(symbol, algo_id, client_algo_id, answer)
        return AlgoCancelResult(write_outcome(judgement, answer.http_status, aid), None,
                                symbol, aid, cid, None, answer.evidence)

    async def _settle_refused(self, symbol: str, algo_id: str | None, cid: str | None,
                              answer: WriteAnswer) -> AlgoCancelResult:
        code, msg = answer.judgement.code, answer.judgement.message
        try:
            found = await self.get_algo_order(symbol=symbol, algo_id=algo_id,
                                              client_algo_id=cid)
        except ExchangeError as exc:
            return AlgoCancelResult(Unknown(f"cancel refused {code}, lookup failed: {exc}"),
                                    None, symbol, algo_id or "", cid or "", None,
                                    answer.evidence)
        algo = found.algo_order
        if algo is not None and algo.state.is_open:
            return AlgoCancelResult(Rejected(code, msg, answer.http_status), None, symbol,
                                    algo.algo_id, algo.client_algo_id, algo, answer.evidence)
        return _settled(symbol, algo_id or "", cid or "", algo, answer.evidence)

    async def get_algo_order(self, *, symbol: str, algo_id: str | None,
                             client_algo_id: str | None) -> AlgoLookup:
        if not algo_id and not client_algo_id:
            raise InvalidIntent("an algo lookup needs an algo_id or a client_algo_id")
        params = {"algoId": algo_id} if algo_id else {"clientAlgoId": client_algo_id or ""}
        try:
            answer = await self._rest.read("GET", ALGO_PATH, params)
        except ExchangeRejected as exc:
            if exc.code == ORDER_NOT_FOUND:
                return AlgoLookup(symbol, None, self._rest.evidence_of(exc, ALGO_PATH))
            raise
        item = structure_one(answer.payload, wire.AlgoOrder, answer.evidence)
        with protocol_guard("algo order", answer.evidence):
            algo = to_algo_order(item, answer.evidence)
        return AlgoLookup(symbol, algo, answer.evidence)

    async def get_open_algo_orders(self, symbol: str) -> tuple[AlgoOrder, ...]:
        """Armed conditional orders of one symbol (openAlgoOrders answers a bare array)."""
        return await self._open({"algoType": "CONDITIONAL", "symbol": symbol})

    async def get_all_open_algo_orders(self) -> tuple[AlgoOrder, ...]:
        """openAlgoOrders without a symbol: every symbol's, one request (weight 40)."""
        return await self._open({"algoType": "CONDITIONAL"})

    async def _open(self, params: dict[str, str]) -> tuple[AlgoOrder, ...]:
        answer = await self._rest.read("GET", OPEN_PATH, params)
        items = structure_list(answer.payload, wire.AlgoOrder, answer.evidence)
        with protocol_guard("open algo order", answer.evidence):
            return tuple(to_algo_order(item, answer.evidence) for item in items)


def _settled(symbol: str, algo_id: str, cid: str, algo: AlgoOrder | None,
             evidence: EvidenceRef) -> AlgoCancelResult:
    # no open algo to cancel: either it is gone (never existed / purged) or already final
    if algo is None:
        return AlgoCancelResult(Accepted(algo_id), CancelDisposition.NOT_FOUND, symbol,
                                algo_id, cid, None, evidence)
    return AlgoCancelResult(Accepted(algo.algo_id), CancelDisposition.ALREADY_TERMINAL, symbol,
                            algo.algo_id, cid or algo.client_algo_id, algo, evidence)
