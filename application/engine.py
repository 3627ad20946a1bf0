"""ExecutionEngine: seed 000 §3's contracted API as one object, for callers wanting that shape.

Each method returns the contract's tuple, with the path of its evidence. The main program
orchestrates through these and never writes evidence files or calls endpoints itself (§6).
"""

from decimal import Decimal
from typing import Any

from application import contract_calls as calls
from domain.orders import OrderIntent, OrderStatus
from ports.evidence import EvidenceSink
from ports.exchange import ExchangeAdapter


class ExecutionEngine:
    def __init__(self, exchange: ExchangeAdapter, sink: EvidenceSink) -> None:
        self._exchange = exchange
        self._sink = sink

    async def public_instruments(self, inst_type: str
                                 ) -> tuple[bool, str, list[dict[str, str]]]:
        """(ok, evidence_path, [{instId, state, instType}, …])"""
        return (await calls.public_instruments(self._exchange, self._sink, inst_type)).as_tuple()

    async def public_ticker(self, inst_id: str) -> tuple[bool, str, dict[str, Any]]:
        """(ok, evidence_path, {instId, last, bidPx, askPx, ts})"""
        step = await calls.public_ticker(self._exchange, self._sink, inst_id)
        return step.ok, step.evidence_path, dict(step.parsed_minimal)

    async def read_account_config(self) -> tuple[bool, str, str]:
        """(ok, posMode, evidence_path)"""
        return (await calls.read_account_config(self._exchange, self._sink)).as_tuple()

    async def read_balance_equity_usdt(self) -> tuple[bool, Decimal | None, str, str]:
        """(ok, equity, field_used, evidence_path)"""
        return (await calls.read_balance_equity_usdt(self._exchange, self._sink)).as_tuple()

    async def submit_order(self, intent: OrderIntent) -> tuple[bool, str, str, str]:
        """(ok, clOrdId, ordId, ack_evidence_path); ok means acknowledged, never filled."""
        return (await calls.submit_order(self._exchange, self._sink, intent)).as_tuple()

    async def get_order_status(self, inst_id: str, *, ord_id: str | None = None,
                               cl_ord_id: str | None = None
                               ) -> tuple[bool, OrderStatus | None, str]:
        """(ok, status, evidence_path); status None when the exchange has no such order."""
        step = await calls.get_order_status(self._exchange, self._sink, inst_id=inst_id,
                                            order_id=ord_id, client_order_id=cl_ord_id or "")
        return step.as_tuple()

    async def cancel_order(self, inst_id: str, *, ord_id: str | None = None,
                           cl_ord_id: str | None = None) -> tuple[bool, str]:
        """(ok, cancel_evidence_path)"""
        step = await calls.cancel_order(self._exchange, self._sink, inst_id=inst_id,
                                        order_id=ord_id, client_order_id=cl_ord_id)
        return step.as_tuple()
