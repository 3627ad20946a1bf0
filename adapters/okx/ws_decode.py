"""OKX WS pushes -> ports.exchange_events. Pure: frames in, events out."""

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from adapters.okx import wire
from adapters.okx.converter import structure_all
from adapters.okx.translate import (
    protocol_guard,
    to_algo_order,
    to_kline,
    to_order_status,
    to_position,
    to_pushed_trade,
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


class PushDecoder:
    """Decodes data pushes; remembers recent tradeIds because OKX may repeat a message and a
    trade must be reported once (the order status is still passed on)."""

    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def decode(self, message: Mapping[str, Any], evidence: EvidenceRef) -> list[ExchangeEvent]:
        """Events of one push ({"arg": {...}, "data": [...]}); [] for channels without one."""
        arg = message.get("arg")
        data = message.get("data")
        if not isinstance(arg, Mapping) or not isinstance(data, list):
            return []
        channel = str(arg.get("channel", ""))
        with protocol_guard(f"{channel} push", evidence):
            if channel == "orders":
                return [self._order(item, evidence)
                        for item in structure_all(data, wire.Order, evidence)]
            if channel == "orders-algo":
                return [AlgoUpdate(to_algo_order(item, evidence), evidence)
                        for item in structure_all(data, wire.AlgoOrder, evidence)]
            if channel == "positions":
                return [PositionUpdate(to_position(item), evidence)
                        for item in structure_all(data, wire.Position, evidence)]
            if channel == "tickers":
                return [PriceUpdate(t.inst_id, "last", t.last, t.ts, evidence)
                        for t in structure_all(data, wire.Ticker, evidence)
                        if t.last is not None]
            if channel == "mark-price":
                return [PriceUpdate(m.inst_id, "mark", m.mark_px, m.ts, evidence)
                        for m in structure_all(data, wire.MarkPrice, evidence)]
            if channel.startswith("candle"):
                bar = channel.removeprefix("candle")
                inst_id = str(arg.get("instId", ""))
                return [CandleUpdate(inst_id, bar, to_kline(row, bar), evidence)
                        for row in structure_all(data, wire.Candle, evidence)]
        return []

    def _order(self, item: wire.Order, evidence: EvidenceRef) -> OrderUpdate:
        trade = to_pushed_trade(item)
        if trade is not None:
            key = (trade.inst_id, trade.trade_id)
            if key in self._seen:
                trade = None
            else:
                self._seen[key] = None
                if len(self._seen) > SEEN_TRADES:
                    self._seen.popitem(last=False)
        return OrderUpdate(to_order_status(item, evidence), trade, evidence)
