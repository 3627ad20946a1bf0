"""The WS hub: which connection subscribed to what, and turning core events into pushes.

The core calls push() from whatever thread changed it (with its lock held); the hub hops onto
the server's event loop with call_soon_threadsafe and fans the message out there.
"""

import asyncio
import json
from collections import Counter
from typing import TYPE_CHECKING

from simulator.core.errors import ApiError
from simulator.core.market_views import mark_view, ticker_view
from simulator.core.models import AlgoOrder, OrderEvent, Position
from simulator.core.views import algo_view, order_push_view, position_view
from simulator.runtime import SimRuntime

if TYPE_CHECKING:
    from simulator.wire.ws_conn import WsConn

# channel -> (service, needs login, required arg)
CHANNELS: dict[str, tuple[str, bool, str]] = {
    "tickers": ("public", False, "instId"),
    "mark-price": ("public", False, "instId"),
    "funding-rate": ("public", False, "instId"),
    "orders": ("private", True, "instType"),
    "positions": ("private", True, "instType"),
    "account": ("private", True, ""),
    "orders-algo": ("business", True, "instType"),
}
PRIVATE_CHANNELS = ("orders", "positions", "account", "orders-algo")


def channel_spec(channel: str) -> tuple[str, bool, str] | None:
    if channel.startswith("candle"):
        return "business", False, "instId"
    return CHANNELS.get(channel)


def matches(arg: dict[str, str], channel: str, key: str, family: str) -> bool:
    """Does a subscription argument cover an event of this channel for key?"""
    if channel == "candle":
        return arg["channel"].startswith("candle") and arg.get("instId") == key
    if arg["channel"] != channel:
        return False
    if channel == "account":
        return arg.get("ccy", "") in ("", key)
    if channel in ("orders", "positions", "orders-algo"):
        return (arg.get("instType") in ("SWAP", "ANY") and arg.get("instId", key) == key
                and arg.get("instFamily", family) == family)
    return arg.get("instId") == key


class WsHub:
    def __init__(self, runtime: SimRuntime) -> None:
        self.rt = runtime
        self.conns: dict[str, WsConn] = {}
        self.counts: Counter[str] = Counter()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._next = 0

    def new_conn_id(self) -> str:
        self._next += 1
        return f"{self._next:08x}"

    # -- EventSink (called by the core, any thread) ----------------------------------------
    def wants(self, channel: str) -> bool:
        return self.counts[channel] > 0

    def push(self, channel: str, key: str, subject: object) -> None:
        if self.loop is not None and not self.loop.is_closed():
            data = self._render(channel, subject)  # now, under the core's lock
            self.loop.call_soon_threadsafe(self._dispatch, channel, key, data)

    def _render(self, channel: str, subject: object) -> object:
        state = self.rt.core.state
        if isinstance(subject, OrderEvent):
            return order_push_view(subject.order, subject.fill)
        if isinstance(subject, Position):
            return position_view(state, subject)
        if isinstance(subject, AlgoOrder):
            return algo_view(subject, state)
        if channel == "tickers":
            return ticker_view(state, str(subject))
        if channel == "mark-price":
            return mark_view(state, str(subject))
        return subject  # candle: the instId; account: the currency (rendered per subscriber)

    # -- on the loop --------------------------------------------------------------------
    def subscribed(self, arg: dict[str, str], delta: int) -> None:
        name = "candle" if arg["channel"].startswith("candle") else arg["channel"]
        self.counts[name] += delta

    def _dispatch(self, channel: str, key: str, data: object) -> None:
        family = "-".join(key.split("-")[:2])
        for conn in list(self.conns.values()):
            for arg in conn.subs:
                if matches(arg, channel, key, family):
                    conn.enqueue(self.message(arg, channel, data, "event"))

    def message(self, arg: dict[str, str], channel: str, data: object, event: str) -> str | None:
        """The push for one subscription; None when there is nothing to say."""
        if channel == "candle":
            rows = self.rt.core.candle_rows(str(data), arg["channel"][len("candle"):], 1)
            return json.dumps({"arg": arg, "data": rows})
        if channel == "account":
            ccy = arg.get("ccy", "")
            data = self.rt.core.balance({"ccy": ccy} if ccy else {})[0]
        body: dict[str, object] = {"arg": arg, "data": data if isinstance(data, list) else [data]}
        if channel in ("positions", "account"):
            body.update({"eventType": event, "curPage": 1, "lastPage": True})
        return json.dumps(body)

    def snapshot(self, arg: dict[str, str]) -> str | None:
        """What a new subscription gets first (OKX sends market data and positions/account
        at once; the orders and orders-algo channels send nothing until something changes)."""
        channel, core = arg["channel"], self.rt.core
        try:
            if channel.startswith("candle"):
                return self.message(arg, "candle", arg["instId"], "snapshot")
            if channel == "tickers":
                return self.message(arg, channel, core.ticker(arg)[0], "snapshot")
            if channel == "mark-price":
                return self.message(arg, channel, core.mark_price(
                    {"instType": "SWAP", "instId": arg["instId"]}), "snapshot")
            if channel == "funding-rate":
                return self.message(arg, channel, core.funding_rate(arg), "snapshot")
            if channel == "positions":
                query = {"instId": arg["instId"]} if arg.get("instId") else {}
                return self.message(arg, channel, core.positions(query), "snapshot")
            if channel == "account":
                return self.message(arg, channel, None, "snapshot")
        except ApiError:
            return None
        return None

    def disconnect(self, service: str) -> int:
        """Abort every open connection of a service ("*" = all); returns how many."""
        victims = [c for c in self.conns.values() if service in ("*", c.service)]
        for conn in victims:
            conn.abort()
        return len(victims)
