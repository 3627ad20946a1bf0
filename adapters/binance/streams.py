"""Binance WebSocket streams on the 2026 routes: the user-data stream (/private/stream, the
listen key SUBSCRIBEd as a stream name, as Binance's own SDK does) and the market streams
(/market/stream: markPrice@1s and klines). On every (re)connect a stream SUBSCRIBEs and waits
for the ack; after any gap (disconnect, listen key expired or re-created, the 24 h limit) every
subscriber is told to resync. Pings are the WebSocket protocol's (Binance answers ours and we
answer its own).
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import attrs

from adapters.binance.config import MARKET_STREAM_PATH, USER_STREAM_PATH, BinanceConfig
from adapters.binance.decode import LISTEN_KEY_EXPIRED, EventDecoder, event_type
from adapters.binance.listen_key import ListenKeys
from adapters.common.frames import FrameRecorder
from adapters.common.hub import EventHub
from adapters.common.ws_connect import websockets_connect
from ports.clock import Clock
from ports.errors import ExchangeProtocolError
from ports.exchange_events import ResyncNeeded

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

MAX_FRAME = 4 * 1024 * 1024
log = logging.getLogger(__name__)


class SubscribeRefused(Exception):
    """Binance answered SUBSCRIBE with an error (an unknown or expired stream name)."""


@attrs.frozen
class StreamSpec:
    service: str  # "user" | "market"
    url: str
    names: Callable[[], Awaitable[list[str]]]  # the stream names, asked on every connect


class BinanceStream:
    """One stream connection, reconnected with jittered backoff until stop()."""

    def __init__(self, spec: StreamSpec, config: BinanceConfig, clock: Clock,
                 recorder: FrameRecorder, hub: EventHub, decoder: EventDecoder,
                 rng: Callable[[], float], keys: ListenKeys | None = None,
                 connector: Callable[..., Any] | None = None) -> None:
        self.spec = spec
        # websockets' connect, or a stand-in with its `async with` use (the recorded replay)
        self._connect: Callable[..., Any] = connector or websockets_connect
        self._config, self._clock, self._recorder = config, clock, recorder
        self._hub, self._decoder, self._rng, self._keys = hub, decoder, rng, keys
        self.ready = asyncio.Event()
        self.last_error = ""
        self.sessions = 0
        self._stopping = False
        self._live = False
        self._ws: ClientConnection | None = None
        self._ack: asyncio.Future[None] | None = None
        self._ack_id = 0
        self._restart: asyncio.Event | None = None
        self._restart_reason = ""

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            self._live = False
            try:
                await self._session()
            except Exception as exc:  # any end of the stream means: reconnect
                self.last_error = f"{type(exc).__name__}: {exc}"
            if self._stopping:
                break
            ref = self._recorder.state(self.spec.url, "disconnected", self.last_error)
            if self._live:
                self._hub.publish(ResyncNeeded(f"{self.spec.service} stream lost: "
                                               f"{self.last_error}", ref))
            failures = 1 if self._live else failures + 1
            delay = self._backoff(failures)
            (log.warning if self._live else log.info)(
                "Binance stream lost: reconnecting" if self._live else "Binance stream not up "
                "yet: trying again", extra={"service": self.spec.service,
                                            "error": self.last_error, "delay_s": round(delay, 3)})
            await self._clock.sleep(delay)

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()

    def restart(self, reason: str) -> None:
        """End the current connection; the run loop reconnects (and reports the gap)."""
        self._restart_reason = reason
        if self._restart is not None:
            self._restart.set()

    def _backoff(self, failures: int) -> float:
        config = self._config
        ceiling = min(config.ws_reconnect_max_s,
                      config.ws_reconnect_base_s * 2.0 ** (failures - 1))
        return ceiling * (0.5 + 0.5 * self._rng())

    async def _session(self) -> None:
        """One connection's life: raises when it ends, with the reason."""
        names = await self.spec.names()
        self._recorder.state(self.spec.url, "connecting")
        config = self._config
        async with self._connect(self.spec.url, ping_interval=config.ws_ping_interval_s,
                           ping_timeout=config.ws_ping_timeout_s, proxy=None,
                           open_timeout=config.ws_handshake_timeout_s, close_timeout=2,
                           max_size=MAX_FRAME) as ws:
            self._ws = ws
            self._recorder.state(self.spec.url, "connected")
            self._restart = asyncio.Event()
            self._ack = asyncio.get_running_loop().create_future()
            reader = asyncio.create_task(self._read(ws))
            try:
                await self._subscribe(ws, names, reader)
                self._established()
                await self._serve(reader)
            finally:
                self._ws = None
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
                if self._ack.done() and not self._ack.cancelled():
                    self._ack.exception()  # retrieved, so a late refusal is not logged as lost

    async def _subscribe(self, ws: "ClientConnection", names: list[str],
                         reader: asyncio.Task[None]) -> None:
        assert self._ack is not None
        self._ack_id += 1
        await self._send(ws, {"method": "SUBSCRIBE", "params": names, "id": self._ack_id})
        timer = asyncio.ensure_future(self._clock.sleep(self._config.ws_handshake_timeout_s))
        try:
            await asyncio.wait({self._ack, reader, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        if self._ack.done():
            try:
                self._ack.result()
            except SubscribeRefused:
                if self._keys is not None:
                    self._keys.forget()  # an expired key is refused: make a new one
                raise
            return
        if reader.done():
            raise ConnectionError("connection closed before the SUBSCRIBE ack")
        raise TimeoutError(f"no SUBSCRIBE ack within {self._config.ws_handshake_timeout_s} s")

    def _established(self) -> None:
        self._live = True
        self.sessions += 1
        ref = self._recorder.state(self.spec.url, "subscribed", f"session {self.sessions}")
        if self.sessions > 1:
            self._hub.publish(ResyncNeeded(f"{self.spec.service} stream resubscribed after a "
                                           f"gap", ref))
        self.ready.set()

    async def _serve(self, reader: asyncio.Task[None]) -> None:
        assert self._restart is not None
        waits = {reader, asyncio.create_task(self._restart.wait()),
                 asyncio.create_task(self._clock.sleep(self._config.ws_max_session_s))}
        if self._keys is not None:
            waits.add(asyncio.create_task(self._keep_key_alive()))
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits - {reader}:
                task.cancel()
        if reader in done:
            error = None if reader.cancelled() else reader.exception()
            raise ConnectionError(str(error) if error else "closed by the exchange")
        if self._restart.is_set():
            raise ConnectionError(f"reconnecting: {self._restart_reason}")
        raise ConnectionError("reconnecting before Binance's 24 h connection limit")

    async def _keep_key_alive(self) -> None:
        assert self._keys is not None
        await self._keys.keep_alive(
            self._clock, self._config.listen_key_keepalive_s,
            gone=lambda: self.restart("listen key gone (-1125): made a new one"),
            failed=lambda why: self._recorder.state(self.spec.url, "keepalive_failed", why))

    async def _send(self, ws: "ClientConnection", frame: Any) -> None:
        self._recorder.frame("ws_out", self.spec.url, frame)
        await ws.send(json.dumps(frame, separators=(",", ":")))

    async def _read(self, ws: "ClientConnection") -> None:
        async for raw in ws:
            text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
            try:
                message = json.loads(text)
            except ValueError:
                message = None
            ref = self._recorder.frame("ws_in", self.spec.url,
                                       text if message is None else message)
            if not isinstance(message, dict):
                self._hub.publish(ResyncNeeded("undecodable WS frame", ref))
            elif "id" in message and ("result" in message or "error" in message):
                self._on_reply(message)
            else:
                data = message.get("data", message) if "stream" in message else message
                self._on_event(data, ref)

    def _on_reply(self, message: dict[str, Any]) -> None:
        ack = self._ack
        if ack is None or ack.done() or message.get("id") != self._ack_id:
            return
        if message.get("error"):
            ack.set_exception(SubscribeRefused(str(message["error"])))
        else:
            ack.set_result(None)

    def _on_event(self, data: Any, ref: Any) -> None:
        if event_type(data) == LISTEN_KEY_EXPIRED:
            if self._keys is not None:
                self._keys.forget()
            self.restart("listenKeyExpired: making a new listen key")
            return
        try:
            events = self._decoder.decode(data, ref)
        except ExchangeProtocolError as exc:
            self._hub.publish(ResyncNeeded(f"undecodable event: {exc}", ref))
            return
        for event in events:
            self._hub.publish(event)


def stream_specs(config: BinanceConfig, keys: ListenKeys) -> list[StreamSpec]:
    """The user-data stream always; the market streams when symbols are configured."""
    async def user_names() -> list[str]:
        return [await keys.current()]

    specs = [StreamSpec("user", config.stream_url(USER_STREAM_PATH), user_names)]
    names = [f"{s.lower()}@markPrice@1s" for s in config.ws_symbols] + [
        f"{s.lower()}@kline_{interval}" for s in config.ws_symbols
        for interval in config.ws_kline_intervals]
    if names:
        async def market_names() -> list[str]:
            return names
        specs.append(StreamSpec("market", config.stream_url(MARKET_STREAM_PATH), market_names))
    return specs
