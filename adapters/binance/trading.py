"""Regular orders on /fapi/v1/order: place (LIMIT or MARKET only), cancel (with the lookup that
makes a refused cancel conclusive), query. A conditional type never goes here: protective
stops are the Algo Service's (algos.py), and Binance refuses them here anyway (-4120)."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.binance import wire
from adapters.binance.account import BinanceAccount
from adapters.binance.converter import structure_list, structure_one
from adapters.binance.errors import (
    CANCEL_REJECTED,
    DUPLICATE_CLIENT_ID,
    ORDER_NOT_FOUND,
    Verdict,
    write_outcome,
)
from adapters.binance.rest import BinanceRest, WriteAnswer
from adapters.binance.translate import SIDE_TEXT, protocol_guard, to_order_status, to_trade
from adapters.binance.units import price_text, to_quantity
from adapters.common.cancel_lookup import settle_refused_cancel
from domain.errors import InvalidIntent
from domain.orders import (
    ExchangeTrade,
    Fill,
    OrderIntent,
    OrderStatus,
    OrdType,
    Side,
    validate_client_id,
)
from domain.outcome import Accepted, Rejected, Unknown
from ports.errors import ExchangeError, ExchangeProtocolError, ExchangeRejected
from ports.exchange_types import (
    CancelDisposition,
    CancelResult,
    DeadManSwitch,
    Executions,
    Fills,
    OrderLookup,
    OrderPlacement,
)

ORDER_PATH = "/fapi/v1/order"
DEAD_MAN_PATH = "/fapi/v1/countdownCancelAll"
# the only order types this module sends; a conditional type here is a programming error
REGULAR_TYPES = frozenset({"LIMIT", "MARKET"})
# the domain's order types -> Binance's timeInForce
INTENT_TIF = {OrdType.LIMIT: "GTC", OrdType.POST_ONLY: "GTX", OrdType.IOC: "IOC",
              OrdType.FOK: "FOK"}
CANCEL_LOOKUP_CODES = frozenset({CANCEL_REJECTED, ORDER_NOT_FOUND})
TRADES_PAGE = 1000
MAX_TRADE_PAGES = 20


def text(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value)


def position_side_for(side: Side, reduce_only: bool) -> str:
    """Hedge mode: open long = BUY+LONG, close long = SELL+LONG, and the mirror for short."""
    opens_long = side is Side.BUY and not reduce_only
    closes_long = side is Side.SELL and reduce_only
    return "LONG" if opens_long or closes_long else "SHORT"


def order_params(symbol: str, side: Side, kind: str, tif: str | None, qty: Decimal,
                 price: Decimal | None, reduce_only: bool, cid: str,
                 hedged: bool) -> dict[str, str]:
    if kind not in REGULAR_TYPES:
        raise InvalidIntent(f"{kind} is not a regular order type: conditional orders go "
                            "through the Algo Service")
    params = {"symbol": symbol, "side": SIDE_TEXT[side], "type": kind}
    if tif is not None:
        params["timeInForce"] = tif
    params["quantity"] = to_quantity(qty)
    if price is not None:
        params["price"] = price_text(price)
    if hedged:
        params["positionSide"] = position_side_for(side, reduce_only)
    else:
        params["reduceOnly"] = "true" if reduce_only else "false"
    # a MARKET order's RESULT answer is its state after matching (filled, expired), the
    # exchange's own record of its fill one round trip before a status read could say it
    answer_type = "RESULT" if kind == "MARKET" else "ACK"
    return params | {"newClientOrderId": cid, "newOrderRespType": answer_type}


def result_status(answer: WriteAnswer) -> OrderStatus | None:
    """The order a RESULT answer shows; None when its body cannot be read as one (the order
    was still accepted: its status is then read as after an ACK)."""
    try:
        item = structure_one(answer.payload, wire.Order, answer.evidence)
        with protocol_guard("placed order", answer.evidence):
            return to_order_status(item, answer.evidence)
    except ExchangeProtocolError:
        return None


class BinanceTrading:
    account_wide_cost = 40  # openOrders weighs 1 with a symbol, 40 without
    def __init__(self, rest: BinanceRest, account: BinanceAccount) -> None:
        self._rest = rest
        self._account = account

    async def submit_order(self, intent: OrderIntent) -> OrderPlacement:
        """LIMIT (GTC, GTX post-only, IOC, FOK) or MARKET; the intent was checked against the
        instrument when it was built."""
        market = intent.ord_type is OrdType.MARKET
        return await self._place(intent.inst_id, intent.side, "MARKET" if market else "LIMIT",
                                 None if market else INTENT_TIF[intent.ord_type], intent.size,
                                 intent.price, intent.reduce_only, intent.client_order_id)

    async def _place(self, symbol: str, side: Side, kind: str, tif: str | None, qty: Decimal,
                     price: Decimal | None, reduce_only: bool, cid: str) -> OrderPlacement:
        validate_client_id(cid)
        try:
            hedged = await self._account.hedged()
        except ExchangeError as exc:
            evidence = self._rest.evidence_of(exc, f"POST {ORDER_PATH}")
            return OrderPlacement(Rejected("pos_mode_unknown", f"order not sent: {exc}"),
                                  symbol, cid, "", evidence)
        params = order_params(symbol, side, kind, tif, qty, price, reduce_only, cid, hedged)
        answer = await self._rest.write("POST", ORDER_PATH, params)
        judgement = answer.judgement
        order_id = text(answer.payload, "orderId")
        outcome = write_outcome(judgement, answer.http_status, order_id)
        if judgement.verdict is Verdict.REJECTED and judgement.code == DUPLICATE_CLIENT_ID:
            outcome, order_id = await self._already_placed(symbol, cid, answer)
        shown = result_status(answer) \
            if isinstance(outcome, Accepted) and params["newOrderRespType"] == "RESULT" else None
        return OrderPlacement(outcome, symbol, cid, order_id, answer.evidence,
                              answer.exp_time_ms, judgement.code, judgement.message,
                              order_status=shown)

    async def _already_placed(self, symbol: str, cid: str,
                              answer: WriteAnswer) -> tuple[Accepted | Unknown, str]:
        """-4116: an open order already has this client id, i.e. an earlier send of this very
        request arrived. Only a lookup says which order it is."""
        try:
            found = await self.get_order_status(symbol=symbol, order_id=None,
                                                client_order_id=cid)
        except ExchangeError as exc:
            return Unknown(f"duplicate client id, lookup failed: {exc}"), ""
        if found.status is None:
            return Unknown("duplicate client id, but no order found by it"), ""
        return Accepted(found.status.order_id), found.status.order_id

    async def cancel_order(self, *, symbol: str, order_id: str | None,
                           client_order_id: str | None) -> CancelResult:
        if not order_id and not client_order_id:
            raise InvalidIntent("cancel needs an order_id or a client_order_id")
        params = {"symbol": symbol}
        params |= {"orderId": order_id} if order_id else \
            {"origClientOrderId": client_order_id or ""}
        answer = await self._rest.write("DELETE", ORDER_PATH, params)
        judgement = answer.judgement
        oid = text(answer.payload, "orderId") or order_id or ""
        cid = text(answer.payload, "clientOrderId") or client_order_id or ""
        if judgement.verdict is Verdict.OK:
            item = structure_one(answer.payload, wire.Order, answer.evidence)
            with protocol_guard("canceled order", answer.evidence):
                status = to_order_status(item, answer.evidence)
            return CancelResult(Accepted(oid), CancelDisposition.CANCEL_ACCEPTED, symbol, oid,
                                cid, status, answer.evidence)
        if judgement.verdict is Verdict.REJECTED and judgement.code in CANCEL_LOOKUP_CODES:
            return await self._settle_refused(symbol, order_id, client_order_id, answer)
        return CancelResult(write_outcome(judgement, answer.http_status, oid), None, symbol,
                            oid, cid, None, answer.evidence)

    async def _settle_refused(self, symbol: str, order_id: str | None, cid: str | None,
                              answer: WriteAnswer) -> CancelResult:
        # -2011 "Unknown order sent.": filled, canceled or never there; only a lookup says
        return await settle_refused_cancel(
            lambda: self.get_order_status(symbol=symbol, order_id=order_id,
                                          client_order_id=cid),
            answer, symbol=symbol, order_id=order_id, cid=cid)

    async def get_order_status(self, *, symbol: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        if not order_id and not client_order_id:
            raise InvalidIntent("an order lookup needs an order_id or a client_order_id")
        params = {"symbol": symbol}
        params |= {"orderId": order_id} if order_id else \
            {"origClientOrderId": client_order_id or ""}
        try:
            answer = await self._rest.read("GET", ORDER_PATH, params)
        except ExchangeRejected as exc:
            if exc.code == ORDER_NOT_FOUND:
                return OrderLookup(symbol, None, self._rest.evidence_of(exc, ORDER_PATH))
            raise
        item = structure_one(answer.payload, wire.Order, answer.evidence)
        with protocol_guard("order", answer.evidence):
            status = to_order_status(item, answer.evidence)
        return OrderLookup(symbol, status, answer.evidence)

    async def get_open_orders(self, symbol: str) -> tuple[OrderStatus, ...]:
        return await self._open({"symbol": symbol})

    async def get_all_open_orders(self) -> tuple[OrderStatus, ...]:
        """openOrders without a symbol: every symbol's, one request (weight 40)."""
        return await self._open({})

    async def _open(self, params: dict[str, str]) -> tuple[OrderStatus, ...]:
        answer = await self._rest.read("GET", "/fapi/v1/openOrders", params)
        items = structure_list(answer.payload, wire.Order, answer.evidence)
        with protocol_guard("open order", answer.evidence):
            return tuple(to_order_status(item, answer.evidence) for item in items)

    async def arm_dead_man(self, *, symbols: tuple[str, ...], timeout_s: int) -> DeadManSwitch:
        """Binance's countdownCancelAll, one per symbol (countdownTime in ms; 0 stops it). It
        cancels open orders of the symbol; Algo Service conditionals are a separate book."""
        armed, whys, answer = True, [], None
        for symbol in symbols:
            answer = await self._rest.write("POST", DEAD_MAN_PATH, {
                "symbol": symbol, "countdownTime": str(timeout_s * 1000)})
            if answer.judgement.verdict is not Verdict.OK:
                armed = False
                whys.append(f"{symbol}: {answer.judgement.code} {answer.judgement.message}")
        if answer is None:
            raise ValueError("arm_dead_man needs at least one symbol on Binance")
        return DeadManSwitch(armed, timeout_s, "; ".join(whys), answer.evidence,
                             f"per symbol: every open order of {', '.join(symbols)} on this "
                             "Binance account, this engine's or any other software's")

    async def get_executions(self, *, symbol: str, since_ms: int) -> Executions:
        """Our executions on one symbol from since_ms on (userTrades by startTime, then by
        trade id), oldest first. Binance's rows carry no client id: the caller joins them to
        its orders by order id."""
        trades: list[ExchangeTrade] = []
        params = {"symbol": symbol, "startTime": str(since_ms), "limit": str(TRADES_PAGE)}
        for _ in range(MAX_TRADE_PAGES):
            answer = await self._rest.read("GET", "/fapi/v1/userTrades", params)
            items = structure_list(answer.payload, wire.UserTrade, answer.evidence)
            with protocol_guard("fill", answer.evidence):
                trades += [to_trade(item) for item in items]
            if len(items) < TRADES_PAGE:
                ordered = sorted(trades, key=lambda t: (t.ts_ms, int(t.trade_id)))
                return Executions(symbol, tuple(ordered), answer.evidence)
            params = {"symbol": symbol, "limit": str(TRADES_PAGE),
                      "fromId": str(max(item.id for item in items) + 1)}
        raise ExchangeProtocolError(f"userTrades: still more after {MAX_TRADE_PAGES} pages",
                                    answer.evidence)

    async def get_fills(self, *, symbol: str, order_id: str) -> Fills:
        """Executions of one order, every page of userTrades (followed by trade id)."""
        fills: list[Fill] = []
        params = {"symbol": symbol, "orderId": order_id, "limit": str(TRADES_PAGE)}
        for _ in range(MAX_TRADE_PAGES):
            answer = await self._rest.read("GET", "/fapi/v1/userTrades", params)
            items = structure_list(answer.payload, wire.UserTrade, answer.evidence)
            with protocol_guard("fill", answer.evidence):
                fills += [Fill.from_trade(to_trade(item), answer.evidence) for item in items
                          if str(item.order_id) == order_id]
            if len(items) < TRADES_PAGE:
                return Fills(symbol, tuple(fills), answer.evidence)
            params = params | {"fromId": str(max(item.id for item in items) + 1)}
        raise ExchangeProtocolError(f"userTrades: still more after {MAX_TRADE_PAGES} pages",
                                    answer.evidence)
