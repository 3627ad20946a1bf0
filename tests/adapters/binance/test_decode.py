"""Stream events -> port events, from fixture frames (sources in each file). A triggered stop's
fill is taken from its child order's ORDER_TRADE_UPDATE only, once, whether it arrives before or
after ALGO_UPDATE."""

import copy
from decimal import Decimal
from typing import Any

import pytest

from adapters.binance.decode import EventDecoder
from domain.algo import AlgoState
from domain.evidence import EvidenceRef
from domain.orders import OrderState, PositionSide, Side
from ports.errors import ExchangeProtocolError
from ports.exchange_events import (
    AlgoUpdate,
    CandleUpdate,
    ExchangeEvent,
    OrderUpdate,
    PositionUpdate,
    PriceUpdate,
)
from tests.adapters.binance.mock_binance import fixture

D = Decimal
REF = EvidenceRef("raw.jsonl", 9)


def frames(name: str) -> list[dict[str, Any]]:
    return [frame["data"] for frame in fixture(name, "ws")["frames"]]


def decode_all(events: list[dict[str, Any]]) -> list[ExchangeEvent]:
    decoder = EventDecoder()
    return [out for event in events for out in decoder.decode(event, REF)]


def trades(events: list[ExchangeEvent]) -> list[tuple[str, str, Decimal, Decimal]]:
    return [(e.trade.order_id, e.trade.trade_id, e.trade.fill_sz, e.trade.fill_px)
            for e in events if isinstance(e, OrderUpdate) and e.trade is not None]


def test_an_entry_and_a_triggered_stop_as_recorded() -> None:
    events = decode_all(frames("user_entry_and_stop_trigger"))
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["OrderUpdate", "OrderUpdate", "PositionUpdate", "AlgoUpdate",
                     "AlgoUpdate", "OrderUpdate", "AlgoUpdate", "OrderUpdate",
                     "PositionUpdate", "AlgoUpdate"]
    entry_new, entry_fill = events[0], events[1]
    assert isinstance(entry_new, OrderUpdate) and entry_new.status.state is OrderState.LIVE
    assert isinstance(entry_fill, OrderUpdate) and entry_fill.trade is not None
    assert (entry_fill.status.client_order_id, entry_fill.status.state,
            entry_fill.trade.side) == ("pxENintent1a00", OrderState.FILLED, Side.BUY)
    opened = events[2]
    assert isinstance(opened, PositionUpdate)
    assert (opened.snapshot.side, opened.snapshot.qty) == (PositionSide.LONG, D("0.01"))
    algo_states = [(e.algo_order.state, e.algo_order.child_order_id) for e in events
                   if isinstance(e, AlgoUpdate)]
    child = algo_states[-1][1]
    assert algo_states == [(AlgoState.LIVE, ""), (AlgoState.EFFECTIVE, ""),
                           (AlgoState.EFFECTIVE, child), (AlgoState.EFFECTIVE, child)]
    # two fills in all: the entry's and the stop's child's (never one from ALGO_UPDATE)
    fills = trades(events)
    assert len(fills) == 2 and fills[1][0] == child
    closed = events[8]
    assert isinstance(closed, PositionUpdate) and closed.snapshot.side is PositionSide.NONE


def test_the_childs_fill_arriving_before_the_algo_update_is_still_reported_once() -> None:
    recorded = frames("user_entry_and_stop_trigger")
    stop_part = recorded[3:]
    child_fill = next(f for f in stop_part if f["e"] == "ORDER_TRADE_UPDATE"
                      and f["o"]["x"] == "TRADE")
    reordered = [child_fill] + [f for f in stop_part if f is not child_fill]
    events = decode_all(reordered)
    fills = trades(events)
    assert len(fills) == 1 and fills[0][0] == str(child_fill["o"]["i"])
    finished = [e for e in events if isinstance(e, AlgoUpdate)][-1]
    assert finished.algo_order.child_order_id == str(child_fill["o"]["i"])


def test_a_repeated_trade_is_reported_once_but_its_status_is_passed_on() -> None:
    fill = next(f for f in frames("user_entry_and_stop_trigger")
                if f["e"] == "ORDER_TRADE_UPDATE" and f["o"]["x"] == "TRADE")
    events = decode_all([fill, copy.deepcopy(fill)])
    assert len(events) == 2 and len(trades(events)) == 1


def test_fees_are_negative_when_charged_as_in_the_domain() -> None:
    fill = next(f for f in frames("user_entry_and_stop_trigger")
                if f["e"] == "ORDER_TRADE_UPDATE" and f["o"]["x"] == "TRADE")
    (event,) = decode_all([fill])
    assert isinstance(event, OrderUpdate) and event.trade is not None
    assert event.trade.fee == -D(fill["o"]["n"]) and event.trade.fee_ccy == "USDC"


def test_market_events_mark_price_klines_and_the_last_price() -> None:
    events = decode_all(frames("market"))
    marks = [e for e in events if isinstance(e, PriceUpdate) and e.kind == "mark"]
    candles = [e for e in events if isinstance(e, CandleUpdate)]
    lasts = [e for e in events if isinstance(e, PriceUpdate) and e.kind == "last"]
    assert marks and candles and lasts
    assert (candles[0].inst_id, candles[0].interval) == ("BTCUSDC", "1m")
    assert lasts[0].price == candles[0].bar.close


def test_events_the_engine_does_not_use_are_ignored() -> None:
    assert decode_all([{"e": "MARGIN_CALL", "E": 1}, {"e": "TRADE_LITE", "E": 1},
                       {"result": None, "id": 1}]) == []


@pytest.mark.parametrize("broken", [
    {"e": "ORDER_TRADE_UPDATE", "E": 1, "o": {"s": "BTCUSDC"}},
    {"e": "ALGO_UPDATE", "E": 1, "o": {"aid": 1, "o": "STOP_MARKET", "s": "BTCUSDC",
                                        "S": "SELL", "X": "SLEEPING"}},
    {"e": "markPriceUpdate", "E": 1, "s": "BTCUSDC", "p": 1.5}])
def test_an_event_of_the_wrong_shape_is_a_protocol_error(broken: dict[str, Any]) -> None:
    with pytest.raises(ExchangeProtocolError):
        decode_all([broken])
