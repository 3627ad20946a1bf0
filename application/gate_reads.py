"""The exchange reads OpenPosition's gate needs, sent together (issue 14 P2).

Each read starts at once and is awaited where the gate used to ask for it, so the checks run in
the same order and the first one to fail is the same one as when the reads went one after
another; only the waiting overlaps. A read whose answer the gate never needs (an earlier check
failed) is still awaited to its end before OpenPosition returns: no request is left in flight
with its evidence unwritten, and none is cancelled half-sent.

Every read goes out in one batch, the equity one included: it asks for every currency's equity
(one account read), and the settlement currency's is picked once the instrument has answered.
"""

import asyncio
from collections.abc import Awaitable, Coroutine
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

from domain.errors import InvalidIntent
from domain.instrument import InstrumentSpec
from ports.account import Account
from ports.errors import ExchangeError
from ports.exchange_types import Equity, Instruments, Leverage, PriceReading, Ticker
from ports.market import MarketData

T = TypeVar("T")


def live_spec(found: Instruments, symbol: str) -> InstrumentSpec:
    """The listed, live spec of symbol; InvalidIntent saying why there is none."""
    spec = found.find(symbol)
    if spec is None:
        raise InvalidIntent(found.missing(symbol))
    if not spec.is_live:
        raise InvalidIntent(f"{symbol} is {spec.state}, not live")
    return spec


class GateReads:
    """Use as `async with GateReads(...) as reads:`; leaving waits for every read started."""

    def __init__(self, market: MarketData, account: Account, symbol: str,
                 intent_lookup: Coroutine[Any, Any, str]) -> None:
        self._symbol = symbol
        self._tasks: list[asyncio.Task[Any]] = []
        self._instrument = self._start(market.get_instrument(symbol))
        self._mark = self._start(market.get_mark_price(symbol))
        self._ticker = self._start(market.get_ticker(symbol))
        self._reused = self._start(intent_lookup)
        self._leverage = self._start(account.get_leverage(symbol))
        self._equities = self._start(account.get_equities())

    def _start(self, coro: Coroutine[Any, Any, T]) -> "asyncio.Task[T]":
        task = asyncio.ensure_future(coro)
        self._tasks.append(task)
        return task

    async def __aenter__(self) -> "GateReads":
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if kind is not None and issubclass(kind, asyncio.CancelledError):
            for task in self._tasks:  # the command is being stopped: so are its reads
                task.cancel()
        await self.settle()

    async def settle(self) -> None:
        """Wait for every read still in flight; their failures were (or are) reported where
        they are awaited, or do not matter because an earlier check already failed."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def spec(self) -> InstrumentSpec:
        return live_spec(await self._instrument, self._symbol)

    def mark(self) -> Awaitable[PriceReading]:
        return self._mark

    def ticker(self) -> Awaitable[Ticker]:
        return self._ticker

    def intent_reused(self) -> Awaitable[str]:
        return self._reused

    async def equity(self) -> Equity:
        """The equity in the instrument's settlement currency, as the exchange listed it."""
        spec = await self.spec()
        return (await self._equities).of(spec.settle_ccy)

    async def leverage_differs(self, wanted: int) -> bool:
        """Whether set-leverage must be sent: the exchange holds another leverage for the
        symbol, or its leverage could not be read (then it is set, as before this read)."""
        try:
            held: Leverage = await self._leverage
        except ExchangeError:
            return True
        return held.leverage is None or held.leverage != Decimal(wanted)
