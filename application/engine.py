"""ExecutionEngine: seed 000 §3's contracted API as one object — the public interface the
PROBE orchestrates through (§6: the main program calls these, never an endpoint, and never
writes evidence itself).

Each contract method returns the contract's tuple with the path of its evidence; the matching
`*_step` method returns the same call's typed step (what the probe reads its facts from).
"""

from decimal import Decimal
from typing import Any

from application import contract_calls as calls
from application.order_path import OrderPath
from domain.orders import OrderIntent, OrderStatus
from ports.account import Account
from ports.evidence import EvidenceSink
from ports.market import MarketData
from ports.orders import Orders


class ExecutionEngine:
    def __init__(self, market: MarketData, account: Account, orders: Orders, path: OrderPath,
                 sink: EvidenceSink) -> None:
        self._market = market
        self._account = account
        self._orders = orders
        self._path = path
        self._sink = sink

    # --- typed steps
    async def instruments_step(self, inst_type: str) -> calls.InstrumentsStep:
        return await calls.public_instruments(self._market, self._sink, inst_type)

    async def ticker_step(self, inst_id: str) -> calls.TickerStep:
        return await calls.public_ticker(self._market, self._sink, inst_id)

    async def account_config_step(self) -> calls.AccountConfigStep:
        return await calls.read_account_config(self._account, self._sink)

    async def submit_step(self, intent: OrderIntent) -> calls.SubmitStep:
        return await calls.submit_order(self._path, self._sink, intent)

    async def status_step(self, inst_id: str, *, ord_id: str | None,
                          cl_ord_id: str) -> calls.StatusStep:
        return await calls.get_order_status(self._orders, self._sink, inst_id=inst_id,
                                            order_id=ord_id, client_order_id=cl_ord_id)

    async def cancel_step(self, inst_id: str, *, ord_id: str | None,
                          cl_ord_id: str | None) -> calls.CancelStep:
        return await calls.cancel_order(self._orders, self._sink, inst_id=inst_id,
                                        order_id=ord_id, client_order_id=cl_ord_id)

    # --- seed 000 §3's contract
    async def public_instruments(self, inst_type: str
                                 ) -> tuple[bool, str, list[dict[str, str]]]:
        """(ok, evidence_path, [{instId, state, instType}, …])"""
        return (await self.instruments_step(inst_type)).as_tuple()

    async def public_ticker(self, inst_id: str) -> tuple[bool, str, dict[str, Any]]:
        """(ok, evidence_path, {instId, last, bidPx, askPx, ts})"""
        step = await self.ticker_step(inst_id)
        return step.ok, step.evidence_path, dict(step.parsed_minimal)

    async def read_account_config(self) -> tuple[bool, str, str]:
        """(ok, posMode, evidence_path)"""
        return (await self.account_config_step()).as_tuple()

    async def read_balance_equity_usdt(self) -> tuple[bool, Decimal | None, str, str]:
        """(ok, equity, field_used, evidence_path)"""
        return (await calls.read_balance_equity_usdt(self._account, self._sink)).as_tuple()

    async def submit_order(self, intent: OrderIntent) -> tuple[bool, str, str, str]:
        """(ok, clOrdId, ordId, ack_evidence_path); ok means acknowledged, never filled."""
        return (await self.submit_step(intent)).as_tuple()

    async def get_order_status(self, inst_id: str, *, ord_id: str | None = None,
                               cl_ord_id: str | None = None
                               ) -> tuple[bool, OrderStatus | None, str]:
        """(ok, status, evidence_path); status None when the exchange has no such order."""
        return (await self.status_step(inst_id, ord_id=ord_id,
                                       cl_ord_id=cl_ord_id or "")).as_tuple()

    async def cancel_order(self, inst_id: str, *, ord_id: str | None = None,
                           cl_ord_id: str | None = None) -> tuple[bool, str]:
        """(ok, cancel_evidence_path)"""
        return (await self.cancel_step(inst_id, ord_id=ord_id, cl_ord_id=cl_ord_id)).as_tuple()
