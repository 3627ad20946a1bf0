"""WS pushes (shapes from the fact sheet, tests/fixtures/okx/ws) decode to ports events; a
repeated trade is reported once."""

from decimal import Decimal

import pytest

from adapters.okx.ws_decode import PushDecoder
from domain.algo import AlgoState, WorkingType
from domain.evidence import EvidenceRef
from domain.orders import OrderState, PositionSide
from ports.errors import ExchangeProtocolError
from ports.exchange_events import (
    AlgoUpdate,
    CandleUpdate,
    OrderUpdate,
    PositionUpdate,
    PriceUpdate,
)
from tests.adapters.okx.mock_okx import fixture

D = Decimal
REF = EvidenceRef("raw.jsonl", 7)


def test_an_orders_push_carries_the_status_and_the_trade() -> None:
    (update,) = PushDecoder().decode(fixture("orders_partial_fill", "ws"), REF)
    assert isinstance(update, OrderUpdate)
    assert (update.status.state, update.status.acc_fill_sz, update.status.avg_px) == (
        OrderState.PARTIALLY_FILLED, D("1.5"), D("30000.5"))
    trade = update.trade
    assert trade is not None
    assert (trade.trade_id, trade.fill_px, trade.fill_sz, trade.fee, trade.fee_ccy,
            trade.ts_ms) == ("93812", D("30000.5"), D("1.5"), D("-0.09"), "USDT",
                             1763780001234)
    assert update.evidence == REF


def test_a_repeated_trade_is_reported_once_but_the_status_still_flows() -> None:
    decoder = PushDecoder()
    push = fixture("orders_partial_fill", "ws")
    first = decoder.decode(push, REF)[0]
    again = decoder.decode(push, REF)[0]
    assert isinstance(first, OrderUpdate) and isinstance(again, OrderUpdate)
    assert first.trade is not None and again.trade is None
    assert again.status == first.status


def test_algo_position_price_and_candle_pushes() -> None:
    decoder = PushDecoder()
    (algo,) = decoder.decode(fixture("orders_algo_live", "ws"), REF)
    assert isinstance(algo, AlgoUpdate)
    assert (algo.algo_order.state, algo.algo_order.client_algo_id,
            algo.algo_order.working_type) == (AlgoState.LIVE, "pxSL0intent1a00",
                                              WorkingType.MARK_PRICE)
    (position,) = decoder.decode(fixture("positions_event", "ws"), REF)
    assert isinstance(position, PositionUpdate)
    assert (position.snapshot.side, position.snapshot.qty) == (PositionSide.LONG, D("1.5"))
    (last,) = decoder.decode(fixture("tickers", "ws"), REF)
    (mark,) = decoder.decode(fixture("mark_price", "ws"), REF)
    assert isinstance(last, PriceUpdate) and isinstance(mark, PriceUpdate)
    assert (last.kind, last.price, mark.kind, mark.price) == ("last", D("30010.1"), "mark",
                                                              D("30008.9"))
    (candle,) = decoder.decode(fixture("candle1m", "ws"), REF)
    assert isinstance(candle, CandleUpdate)
    assert (candle.inst_id, candle.interval, candle.bar.close, candle.bar.confirmed) == (
        "BTC-USDT-SWAP", "1m", D("30010.1"), False)


def test_channels_without_an_event_type_decode_to_nothing() -> None:
    assert PushDecoder().decode(fixture("account_snapshot", "ws"), REF) == []
    assert PushDecoder().decode(fixture("login_ok", "ws"), REF) == []


def test_a_push_of_the_wrong_shape_is_a_protocol_error() -> None:
    push = fixture("orders_partial_fill", "ws")
    push["data"][0]["state"] = "exploded"
    with pytest.raises(ExchangeProtocolError, match="orders push"):
        PushDecoder().decode(push, REF)
