"""Regular orders: place, cancel (with the lookup that makes a refused cancel conclusive), query."""

import contextlib
from decimal import Decimal
from typing import Any

from adapters.common.cancel_lookup import settle_refused_cancel
from adapters.okx import wire
from adapters.okx.account import LONG_SHORT_MODE, OkxAccount
from adapters.okx.config import OkxConfig
from adapters.okx.converter import structure_all, unstructure
from adapters.okx.errors import CANCEL_LOOKUP_CODES, ORDER_NOT_FOUND, Verdict, write_outcome
from adapters.okx.paging import read_all
from adapters.okx.rest import OkxRest, WriteAnswer
from adapters.okx.translate import protocol_guard, to_order_status, to_trade
from adapters.okx.ws_orders import OkxWsOrders, WsNotSent
from domain.errors import InvalidIntent
from domain.orders import Fill, OrderIntent, OrderStatus, Side, validate_client_id
from domain.outcome import Accepted, Rejected
from ports.errors import ExchangeError, ExchangeRejected
from ports.exchange_types import (
    CancelDisposition,
    CancelResult,
    DeadManSwitch,
    Executions,
    Fills,
    OrderLookup,
    OrderPlacement,
)

ORDER_PATH = "/api/v5/trade/order"
CANCEL_PATH = "/api/v5/trade/cancel-order"
DEAD_MAN_PATH = "/api/v5/trade/cancel-all-after"


def pos_side_for(side: Side, reduce_only: bool) -> str:
    """Long/short mode: open long = buy+long, close long = sell+long, and the mirror for short."""
    opens_long = side is Side.BUY and not reduce_only
    closes_long = side is Side.SELL and reduce_only
    return "long" if opens_long or closes_long else "short"


# sent without a tag, the timer covers the whole account (OKX has tag-level timers, which would
# need every order of ours tagged)
OKX_DEAD_MAN_SCOPE = ("account-wide: every pending order on this OKX account, this engine's or "
                      "any other software's (algo orders are not cancelled)")


class OkxTrading:
    account_wide_cost = 1  # orders-pending: 60 per 2 s with or without instId
    def __init__(self, rest: OkxRest, account: OkxAccount, config: OkxConfig,
                 ws: OkxWsOrders | None = None) -> None:
        self._rest = rest
        self._account = account
        self._config = config
        self._ws = ws if ws is not None and ws.enabled else None

    async def _write(self, path: str, op: str, body: dict[str, Any], *,
                     deadline: bool) -> WriteAnswer:
        """Over the private WS when it is up, else (nothing sent there) over REST."""
        if self._ws is not None:
            item = {k: v for k, v in body.items() if k != "instId"}
            with contextlib.suppress(WsNotSent):
                return await self._ws.write(op, str(body["instId"]), item, deadline=deadline)
        return await self._rest.write(path, body, deadline=deadline)

    async def submit_order(self, intent: OrderIntent) -> OrderPlacement:
        """The one way an order leaves: an intent already checked against the instrument."""
        return await self._place(intent.inst_id, intent.side, intent.ord_type.value,
                                 intent.size, intent.price, intent.reduce_only,
                                 intent.client_order_id)

    async def _place(self, symbol: str, side: Side, ord_type: str, qty: Decimal,
                     price: Decimal | None, reduce_only: bool, cid: str) -> OrderPlacement:
        validate_client_id(cid)
        try:
            hedged = await self._account.pos_mode() == LONG_SHORT_MODE
        except ExchangeError as exc:
            evidence = self._rest.evidence_of(exc, f"POST {ORDER_PATH}")
            return OrderPlacement(Rejected("pos_mode_unknown", f"order not sent: {exc}"),
                                  symbol, cid, "", evidence)
        body = unstructure(wire.PlaceOrder(
            inst_id=symbol, td_mode=self._config.td_mode, side=side.value, ord_type=ord_type,
            sz=qty, px=price, cl_ord_id=cid,
            pos_side=pos_side_for(side, reduce_only) if hedged else None,
            reduce_only=None if hedged else reduce_only))
        answer = await self._write(ORDER_PATH, "order", body, deadline=True)
        ack = answer.ack
        ord_id = ack.ord_id or ""
        return OrderPlacement(write_outcome(answer.judgement, answer.http_status, ord_id),
                              symbol, cid, ord_id, answer.evidence, answer.exp_time_ms,
                              answer.code, answer.msg, ack.s_code or "", ack.s_msg)

    async def cancel_order(self, *, symbol: str, order_id: str | None,
                           client_order_id: str | None) -> CancelResult:
        if not order_id and not client_order_id:
            raise InvalidIntent("cancel needs an order_id or a client_order_id")
        body = unstructure(wire.CancelOrder(inst_id=symbol, ord_id=order_id or None,
                                            cl_ord_id=None if order_id else client_order_id))
        answer = await self._write(CANCEL_PATH, "cancel-order", body, deadline=False)
        ord_id = answer.ack.ord_id or order_id or ""
        cid = answer.ack.cl_ord_id or client_order_id or ""
        judgement = answer.judgement
        if judgement.verdict is Verdict.OK:
            return CancelResult(Accepted(ord_id), CancelDisposition.CANCEL_ACCEPTED, symbol,
                                ord_id, cid, None, answer.evidence)
        if judgement.verdict is Verdict.REJECTED and judgement.code in CANCEL_LOOKUP_CODES:
            return await self._settle_refused(symbol, order_id, client_order_id, answer)
        return CancelResult(write_outcome(judgement, answer.http_status, ord_id), None, symbol,
                            ord_id, cid, None, answer.evidence)

    async def _settle_refused(self, symbol: str, order_id: str | None, cid: str | None,
                              answer: WriteAnswer) -> CancelResult:
        # "filled, canceled or does not exist": only a lookup says which
        return await settle_refused_cancel(
            lambda: self.get_order_status(symbol=symbol, order_id=order_id,
                                          client_order_id=cid),
            answer, symbol=symbol, order_id=order_id, cid=cid)

    async def get_order_status(self, *, symbol: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        if not order_id and not client_order_id:
            raise InvalidIntent("an order lookup needs an order_id or a client_order_id")
        inst_id = symbol
        params = {"instId": inst_id}
        params |= {"ordId": order_id} if order_id else {"clOrdId": client_order_id or ""}
        try:
            answer = await self._rest.read("GET", ORDER_PATH, params=params, signed=True)
        except ExchangeRejected as exc:
            if exc.code == ORDER_NOT_FOUND:
                return OrderLookup(inst_id, None, self._rest.evidence_of(exc, ORDER_PATH))
            raise
        items = structure_all(answer.items[:1], wire.Order, answer.evidence)
        with protocol_guard("order", answer.evidence):
            status = to_order_status(items[0], answer.evidence) if items else None
        return OrderLookup(inst_id, status, answer.evidence)

    async def get_open_orders(self, symbol: str) -> tuple[OrderStatus, ...]:
        return await self._pending({"instType": "SWAP", "instId": symbol})

    async def get_all_open_orders(self) -> tuple[OrderStatus, ...]:
        """orders-pending without instId: every SWAP order, 100 a page."""
        return await self._pending({"instType": "SWAP"})

    async def _pending(self, params: dict[str, str]) -> tuple[OrderStatus, ...]:
        found, _ = await read_all(self._rest, "/api/v5/trade/orders-pending", params,
                                  wire.Order, lambda order: order.ord_id)
        statuses = []
        for item, evidence in found:
            with protocol_guard("pending order", evidence):
                statuses.append(to_order_status(item, evidence))
        return tuple(statuses)

    async def arm_dead_man(self, *, symbols: tuple[str, ...], timeout_s: int) -> DeadManSwitch:
        """OKX's cancel-all-after: account-wide (symbols unused), timeOut 0 or 10..120 s. OKX
        documents it for pending orders; algo orders are not named, and the simulator leaves
        them (the protective stops stay)."""
        answer = await self._rest.write(DEAD_MAN_PATH, {"timeOut": str(timeout_s)},
                                        deadline=False)
        ok = answer.judgement.verdict is Verdict.OK
        why = "" if ok else f"{answer.code or answer.http_status} {answer.msg}".strip()
        return DeadManSwitch(ok, timeout_s, why, answer.evidence, OKX_DEAD_MAN_SCOPE)

    async def get_executions(self, *, symbol: str, since_ms: int) -> Executions:
        """trade/fills of the last 3 days (OKX's window) from since_ms on, oldest first."""
        found, last = await read_all(self._rest, "/api/v5/trade/fills",
                                     {"instType": "SWAP", "instId": symbol,
                                      "begin": str(since_ms)},
                                     wire.Fill, lambda fill: fill.bill_id)
        trades = []
        for item, evidence in found:
            with protocol_guard("fill", evidence):
                trade = to_trade(item)
            if trade.ts_ms >= since_ms:
                trades.append(trade)
        return Executions(symbol, tuple(sorted(trades, key=lambda t: (t.ts_ms, t.trade_id))),
                          last)

    async def get_fills(self, *, symbol: str, order_id: str) -> Fills:
        inst_id = symbol
        found, last = await read_all(self._rest, "/api/v5/trade/fills",
                               {"instType": "SWAP", "instId": inst_id, "ordId": order_id},
                               wire.Fill, lambda fill: fill.bill_id)
        fills = []
        for item, evidence in found:
            with protocol_guard("fill", evidence):
                fills.append(Fill.from_trade(to_trade(item), evidence))
        return Fills(inst_id, tuple(fills), last)
