"""Binance stream events -> ports.exchange_events. Pure: events in, port events out.

A triggered stop's fill is its child order's ORDER_TRADE_UPDATE (linked to the algo by
ALGO_UPDATE's `ai`, the child's order id), which may arrive before ALGO_UPDATE FINISHED: fills are
taken from ORDER_TRADE_UPDATE only, never from ALGO_UPDATE's executed quantity, so a stop's fill
is reported once whatever the order of the two.
"""

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from adapters.binance import wire_events as ev
from adapters.binance.converter import structure_one
from adapters.binance.translate import (
    protocol_guard,
    pushed_algo_order,
    pushed_kline,
    pushed_order_status,
    pushed_position,
    pushed_trade,
)
from domain.evidence import EvidenceRef
from ports.exchange_events import (
    AlgoUpdate,
    CandleUpdate,
    ExchangeEvent,
    OrderUpdate,
    PositionUpdate,
    PriceUpdate,
)

SEEN_TRADES = 10_000
LISTEN_KEY_EXPIRED = "listenKeyExpired"


def event_type(data: Any) -> str:
    return str(data.get("e", "")) if isinstance(data, Mapping) else ""


class EventDecoder:
    """Remembers recent trade ids: a reconnect may deliver an event twice, and a trade must be
    reported once (the order status is still passed on)."""

    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def decode(self, data: Mapping[str, Any], evidence: EvidenceRef) -> list[ExchangeEvent]:
        """The port events of one stream event; [] for kinds the engine does not use."""
        kind = event_type(data)
        with protocol_guard(f"{kind or 'unnamed'} event", evidence):
            if kind == "ORDER_TRADE_UPDATE":
                update = structure_one(data, ev.OrderTradeUpdate, evidence)
                return [self._order(update, evidence)]
            if kind == "ALGO_UPDATE":
                algo = structure_one(data, ev.AlgoUpdate, evidence)
                return [AlgoUpdate(pushed_algo_order(algo.algo, algo.event_time, evidence),
                                   evidence)]
            if kind == "ACCOUNT_UPDATE":
                account = structure_one(data, ev.AccountUpdate, evidence)
                return [PositionUpdate(pushed_position(p), evidence)
                        for p in account.account.positions]
            if kind == "markPriceUpdate":
                mark = structure_one(data, ev.MarkPriceUpdate, evidence)
                return [PriceUpdate(mark.symbol, "mark", mark.mark_price, mark.event_time,
                                    evidence)]
            if kind == "kline":
                return self._kline(structure_one(data, ev.KlineEvent, evidence), evidence)
        return []

    def _order(self, update: ev.OrderTradeUpdate, evidence: EvidenceRef) -> OrderUpdate:
        trade = pushed_trade(update.order)
        if trade is not None:
            key = (trade.inst_id, trade.trade_id)
            if key in self._seen:
                trade = None
            else:
                self._seen[key] = None
                if len(self._seen) > SEEN_TRADES:
                    self._seen.popitem(last=False)
        status = pushed_order_status(update.order, update.event_time, evidence)
        return OrderUpdate(status, trade, evidence)

    @staticmethod
    def _kline(event: ev.KlineEvent, evidence: EvidenceRef) -> list[ExchangeEvent]:
        # a kline's close is the last trade price: it also serves as the "last" price stream
        bar = pushed_kline(event.kline)
        return [CandleUpdate(event.symbol, event.kline.interval, bar, evidence),
                PriceUpdate(event.symbol, "last", bar.close, event.event_time, evidence)]
