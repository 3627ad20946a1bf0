"""The user-data stream's listen key: POST /fapi/v1/listenKey makes one (or returns the one
already active), PUT keeps it alive for another 60 minutes, and -1125 means it is gone and must
be made anew. Key-only calls: the API key header, no signature.

The key is never DELETEd on stop: Binance hands the same active key to every client of the
account, so closing it would cut another process's stream; unused, it expires by itself.
"""

from collections.abc import Callable

from adapters.binance import wire
from adapters.binance.converter import structure_one
from adapters.binance.errors import LISTEN_KEY_MISSING
from adapters.binance.rest import BinanceRest
from ports.clock import Clock
from ports.errors import ExchangeError, ExchangeRejected

LISTEN_KEY_PATH = "/fapi/v1/listenKey"
# after a failed keepalive, try again this soon (the key lives 60 min from the last success)
RETRY_S = 60.0


class ListenKeys:
    def __init__(self, rest: BinanceRest) -> None:
        self._rest = rest
        self.key: str | None = None
        # every key this adapter was handed, so evidence can mask them wherever they appear
        self.known: list[str] = []
        self.created = 0

    async def current(self) -> str:
        """The key to subscribe with, made (or fetched) when there is none."""
        if self.key is None:
            answer = await self._rest.read("POST", LISTEN_KEY_PATH, security="key")
            found = structure_one(answer.payload, wire.ListenKey, answer.evidence).listen_key
            if not found:
                raise ValueError("Binance answered an empty listen key")
            self.key = found
            self.created += 1
            if found not in self.known:
                self.known.append(found)
        return self.key

    async def keepalive(self) -> bool:
        """Extend the key's life; False once Binance says it is gone (the caller re-creates
        it and resubscribes). Other failures raise ports errors."""
        try:
            await self._rest.read("PUT", LISTEN_KEY_PATH, security="key")
        except ExchangeRejected as exc:
            if exc.code != LISTEN_KEY_MISSING:
                raise
            self.key = None
            return False
        return True

    def forget(self) -> None:
        """The key expired (listenKeyExpired) or was refused: make a new one next time."""
        self.key = None

    async def keep_alive(self, clock: Clock, every_s: float, gone: Callable[[], object],
                         failed: Callable[[str], object]) -> None:
        """Keepalive every every_s until the key is gone (then call gone() and return); a
        failed keepalive is reported through failed() and tried again within RETRY_S."""
        wait = every_s
        while True:
            await clock.sleep(wait)
            try:
                alive = await self.keepalive()
            except ExchangeError as exc:
                failed(str(exc))
                wait = min(RETRY_S, every_s)
                continue
            if not alive:
                gone()
                return
            wait = every_s
