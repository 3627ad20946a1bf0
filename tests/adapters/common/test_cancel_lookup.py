"""The refused-cancel rule both venues share (adapters/common/cancel_lookup.py): what the
lookup shows decides the result, and the ids and evidence the result carries. The venues'
own tests (tests/adapters/{okx,binance}/test_orders.py) drive it through their wire."""

import asyncio
from decimal import Decimal

import attrs
import pytest

from adapters.common.cancel_lookup import settle_refused_cancel
from adapters.common.judgement import Judgement, Verdict
from domain.evidence import EvidenceRef
from domain.orders import OrderState, OrderStatus, Side
from domain.outcome import Accepted, Rejected, Unknown
from ports.errors import ExchangeUnavailable
from ports.exchange_types import CancelDisposition, CancelResult, OrderLookup

CANCEL_REF = EvidenceRef("evidence.jsonl", 7)
LOOKUP_REF = EvidenceRef("evidence.jsonl", 8)


@attrs.frozen
class Answer:
    judgement: Judgement
    http_status: int | None
    evidence: EvidenceRef


REFUSED = Answer(Judgement(Verdict.REJECTED, "51400", "Cancellation failed"), 200, CANCEL_REF)


def status(state: OrderState, filled: str = "0") -> OrderStatus:
    return OrderStatus("BTC-USDT-SWAP", "900", "pxAbc", state, Side.BUY, "limit", Decimal(2),
                       Decimal(100), Decimal(filled), None, False, 1)


def settle(found: OrderStatus | Exception | None, order_id: str | None = "900",
           cid: str | None = None) -> tuple[CancelResult, int]:
    asked = []

    async def lookup() -> OrderLookup:
        asked.append(1)
        if isinstance(found, Exception):
            raise found
        return OrderLookup("BTC-USDT-SWAP", found, LOOKUP_REF)

    result = asyncio.run(settle_refused_cancel(lookup, REFUSED, symbol="BTC-USDT-SWAP",
                                               order_id=order_id, cid=cid))
    return result, len(asked)


@pytest.mark.parametrize("state", [OrderState.FILLED, OrderState.CANCELED])
def test_an_order_the_lookup_shows_finished_is_done_with_the_lookup(state: OrderState) -> None:
    found = status(state, "2" if state is OrderState.FILLED else "0")
    result, asked = settle(found)
    assert asked == 1
    assert result == CancelResult(Accepted("900"), CancelDisposition.ALREADY_TERMINAL,
                                  "BTC-USDT-SWAP", "900", "pxAbc", found, CANCEL_REF)


def test_an_order_the_exchange_does_not_know_is_done_not_found() -> None:
    result, _ = settle(None, order_id=None, cid="pxAbc")
    assert result == CancelResult(Accepted(""), CancelDisposition.NOT_FOUND, "BTC-USDT-SWAP",
                                  "", "pxAbc", None, CANCEL_REF)


@pytest.mark.parametrize("state", [OrderState.LIVE, OrderState.PARTIALLY_FILLED])
def test_an_order_still_open_keeps_the_refusal(state: OrderState) -> None:
    found = status(state)
    result, _ = settle(found)
    assert result == CancelResult(Rejected("51400", "Cancellation failed", 200), None,
                                  "BTC-USDT-SWAP", "900", "pxAbc", found, CANCEL_REF)


def test_a_failed_lookup_leaves_the_cancel_unknown_and_says_why() -> None:
    result, _ = settle(ExchangeUnavailable("okx unavailable (502)", LOOKUP_REF), cid="pxAbc")
    assert result == CancelResult(
        Unknown("cancel refused 51400, lookup failed: okx unavailable (502)"), None,
        "BTC-USDT-SWAP", "900", "pxAbc", None, CANCEL_REF)
