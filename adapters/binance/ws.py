"""BinanceStreams: the set of stream connections the config calls for, started and stopped
together; frames are recorded with every listen key masked."""

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from adapters.binance.config import BinanceConfig
from adapters.binance.decode import EventDecoder
from adapters.binance.listen_key import ListenKeys
from adapters.binance.redact import mask_known
from adapters.binance.rest import BinanceRest
from adapters.binance.streams import BinanceStream, stream_specs
from adapters.common.frames import FrameRecorder
from adapters.common.hub import EventHub, within
from ports.clock import Clock
from ports.errors import ExchangeUnavailable
from ports.evidence import EvidenceSink
from ports.exchange_events import EventSubscription


class BinanceStreams:
    def __init__(self, config: BinanceConfig, rest: BinanceRest, clock: Clock,
                 sink: EvidenceSink, hub: EventHub, rng: Callable[[], float],
                 connector: Callable[..., Any] | None = None) -> None:
        self._config, self._clock, self._hub, self._rng = config, clock, hub, rng
        self._connector = connector  # websockets' connect when None (the replay's stand-in)
        self.keys = ListenKeys(rest)
        self._recorder = FrameRecorder(
            sink, clock, lambda: rest.offset_ms,
            redact_frame=lambda frame: mask_known(frame, self.keys.known),
            redact_url=lambda url: mask_known(url, self.keys.known))
        self._decoder = EventDecoder()
        self.streams: list[BinanceStream] = []
        self._tasks: list[asyncio.Task[None]] = []

    def subscribe(self) -> EventSubscription:
        """A new queue of every event from now on (pushes reach it once ws_start ran)."""
        return self._hub.subscribe()

    async def ws_start(self) -> None:
        """Return once every connection is subscribed; raise ExchangeUnavailable otherwise,
        or at once the exchange's refusal of the key (no listen key can ever be made)."""
        if self._tasks:
            return
        with contextlib.suppress(ExchangeUnavailable):  # could not ask: the streams retry
            await self.keys.current()
        self.streams = [BinanceStream(spec, self._config, self._clock, self._recorder,
                                      self._hub, self._decoder, self._rng,
                                      self.keys if spec.service == "user" else None,
                                      connector=self._connector)
                        for spec in stream_specs(self._config, self.keys)]
        self._tasks = [asyncio.create_task(s.run(), name=f"binance-ws-{s.spec.service}")
                       for s in self.streams]
        timeout = self._config.ws_start_timeout_s
        try:
            await within(self._clock, timeout,
                         asyncio.gather(*(s.ready.wait() for s in self.streams)))
        except TimeoutError:
            detail = "; ".join(f"{s.spec.service}: {s.last_error or 'not subscribed'}"
                               for s in self.streams if not s.ready.is_set())
            ref = self._recorder.state("ws://start", "start_timeout", detail)
            await self.ws_stop()
            raise ExchangeUnavailable(f"Binance streams not ready within {timeout} s "
                                      f"({detail})", ref) from None

    async def ws_stop(self) -> None:
        for stream in self.streams:
            await stream.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
