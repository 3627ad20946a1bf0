"""Binance WebSocket streams: market streams and user-data streams on one hub.

Paths (legacy and 2026 routed): raw `/ws/<stream>` and `/ws`, combined `/stream?streams=a/b`,
the same under `/public/` and `/market/` (market data) and `/private/` (user data:
`/private/ws?listenKey=<k>&events=E1,E2` or a listenKey subscribed as a stream name).
Market streams: `<symbol>@markPrice[@1s]`, `<symbol>@kline_<interval>`, `<symbol>@bookTicker`.
A listenKey as a stream name carries ORDER_TRADE_UPDATE, ACCOUNT_UPDATE, ALGO_UPDATE and
listenKeyExpired. Combined connections wrap each message as {"stream", "data"}.
"""

import asyncio
import json
from collections import Counter
from typing import TYPE_CHECKING

from simulator.binance.market import INTERVALS
from simulator.binance.views import algo_update, order_update, position_update
from simulator.core.models import AlgoOrder, OrderEvent, Position
from simulator.core.numbers import fmt
from simulator.runtime import SimRuntime

if TYPE_CHECKING:
    from simulator.binance.stream_conn import StreamConn

USER_CHANNELS = ("orders", "positions", "orders-algo", "algo-triggering", "algo-child-done")
MARKET_CHANNELS = {"markPrice": "mark-price", "bookTicker": "tickers", "kline": "candle"}


def market_channel(stream: str) -> tuple[str, str] | None:
    """(core channel, symbol) a market stream name listens to; None if not one."""
    symbol, _, kind = stream.partition("@")
    if not symbol or not kind:
        return None
    if kind in ("markPrice", "markPrice@1s"):
        return "mark-price", symbol.upper()
    if kind == "bookTicker":
        return "tickers", symbol.upper()
    if kind.startswith("kline_") and kind[len("kline_"):] in INTERVALS:
        return "candle", symbol.upper()
    return None


class BinanceHub:
    """EventSink for the Binance face: renders core events as Binance events at once (under
    the core's lock) and fans them out on the server's loop."""

    def __init__(self, runtime: SimRuntime) -> None:
        self.rt = runtime
        self.conns: dict[int, StreamConn] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.counts: Counter[str] = Counter()
        self._next = 0

    def new_conn_id(self) -> int:
        self._next += 1
        return self._next

    def subscribed(self, channel: str, delta: int) -> None:
        self.counts[channel] += delta

    # -- EventSink ------------------------------------------------------------------------
    def wants(self, channel: str) -> bool:
        if channel in USER_CHANNELS:
            return self.counts.get("user", 0) > 0
        return self.counts.get(channel, 0) > 0

    def push(self, channel: str, key: str, subject: object) -> None:
        if self.loop is None or self.loop.is_closed():
            return
        event = self._render(channel, subject)
        if event is not None:
            self.loop.call_soon_threadsafe(self._dispatch, channel, key, event)

    def _render(self, channel: str, subject: object) -> dict[str, object] | None:
        state = self.rt.core.state
        if isinstance(subject, OrderEvent):
            return order_update(state, subject.order, subject.fill)
        if isinstance(subject, Position):
            return position_update(state, subject)
        if isinstance(subject, AlgoOrder):
            status = "TRIGGERING" if channel == "algo-triggering" else None
            if channel == "algo-child-done" and subject.state != "effective":
                return None
            return algo_update(state, subject, status)
        if channel == "mark-price":
            return self._mark(str(subject))
        if channel == "tickers":
            return self._book(str(subject))
        if channel == "candle":
            return {"symbol": str(subject)}  # rendered per interval when dispatched
        return None

    def _mark(self, symbol: str) -> dict[str, object]:
        state = self.rt.core.state
        quote, inst, now = state.quotes[symbol], state.instruments[symbol], state.now()
        funding = (now // 28_800_000 + 1) * 28_800_000
        return {"e": "markPriceUpdate", "E": now, "s": symbol, "p": fmt(quote.mark),
                "i": fmt(quote.index), "P": fmt(quote.index), "r": fmt(inst.funding_rate),
                "T": funding}

    def _book(self, symbol: str) -> dict[str, object]:
        state = self.rt.core.state
        last, tick, now = state.quotes[symbol].last, state.instruments[symbol].tick_sz, state.now()
        return {"e": "bookTicker", "u": now, "s": symbol, "b": fmt(last - tick), "B": "9.5",
                "a": fmt(last + tick), "A": "12", "T": now, "E": now}

    # -- on the loop ----------------------------------------------------------------------
    def _dispatch(self, channel: str, key: str, event: dict[str, object]) -> None:
        for conn in list(self.conns.values()):
            conn.deliver(channel, key, event)

    def kline(self, symbol: str, interval: str) -> dict[str, object]:
        rows = self.rt.core.candle_rows(symbol, INTERVALS[interval], 1)
        row = rows[0]
        opened = int(row[0])
        now = self.rt.core.now_ms()
        span = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
        closes = opened + int(interval[:-1]) * span[interval[-1]] - 1
        return {"e": "kline", "E": now, "s": symbol, "k": {
            "t": opened, "T": closes, "s": symbol, "i": interval, "f": 0, "L": 0,
            "o": row[1], "c": row[4], "h": row[2], "l": row[3], "v": row[5], "n": 0,
            "x": row[8] == "1", "q": row[7], "V": "0", "Q": "0", "B": "0"}}

    def expire(self, keys: list[str]) -> None:
        """Tell the connections on these listen keys, then close them (on the loop)."""
        now = self.rt.core.now_ms()
        for conn in list(self.conns.values()):
            for key in keys:
                conn.listen_key_expired(key, {"e": "listenKeyExpired", "E": now,
                                              "listenKey": key})

    def disconnect(self, service: str) -> int:
        victims = [c for c in self.conns.values() if service in ("*", c.service)]
        for conn in victims:
            conn.abort()
        return len(victims)


def encode(stream: str, event: dict[str, object], combined: bool) -> str:
    return json.dumps({"stream": stream, "data": event} if combined else event)
