"""OKX WebSocket streams: one connection per service; on every (re)connect it logs in,
subscribes, keeps alive with text pings, and after any gap tells subscribers to resync."""

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from adapters.common.frames import FrameRecorder
from adapters.common.hub import EventHub, within
from adapters.common.ws_connect import websockets_connect
from adapters.okx.config import OkxConfig
from adapters.okx.credentials import OkxCredentials
from adapters.okx.rest import OkxRest
from adapters.okx.signing import ws_login_args
from adapters.okx.ws_decode import PushDecoder
from adapters.okx.ws_frames import StreamSpec, arg_key, redact_frame, stream_specs
from domain.evidence import EvidenceRef
from ports.clock import Clock
from ports.errors import ExchangeProtocolError, ExchangeUnavailable
from ports.evidence import EvidenceSink
from ports.exchange_events import EventSubscription, ResyncNeeded

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

MAX_FRAME = 4 * 1024 * 1024
log = logging.getLogger(__name__)


class LoginRefused(Exception):
    """The exchange answered the login with an error event."""


class SubscribeRefused(Exception):
    """The exchange answered a subscription with an error event."""


@attrs.frozen
class ExchangeClock:
    """What the streams need of the REST side's clock sync (login timestamps are signed)."""

    offset_ms: Callable[[], int]
    ensure_synced: Callable[[], Awaitable[None]]
    resync: Callable[[], Awaitable[None]]


def exchange_clock_of(rest: OkxRest) -> ExchangeClock:
    """The REST side's view of the exchange clock, for the streams' login signatures."""
    return ExchangeClock(lambda: rest.offset_ms, rest.ensure_synced, rest.resync_quietly)


class OkxStream:
    """One WS service connection, reconnected with jittered backoff until stop()."""

    def __init__(self, spec: StreamSpec, config: OkxConfig, credentials: OkxCredentials,
                 clock: Clock, recorder: FrameRecorder, hub: EventHub, decoder: PushDecoder,
                 rng: Callable[[], float], exchange_clock: ExchangeClock,
                 on_reply: Callable[[dict[str, Any], EvidenceRef], None] | None = None,
                 on_down: Callable[[str], None] | None = None,
                 connector: Callable[..., Any] | None = None) -> None:
        self.spec = spec
        # answers to order ops ({"id", "op", "code", "data"}) go here, not to the decoder;
        # on_down hears of every lost connection (ops in flight then have unknown outcomes)
        self._on_reply, self._on_down = on_reply, on_down
        # websockets' connect, or a stand-in with its `async with` use (the recorded replay)
        self._connect: Callable[..., Any] = connector or websockets_connect
        self._config, self._credentials, self._clock = config, credentials, clock
        self._recorder, self._hub, self._decoder = recorder, hub, decoder
        self._rng, self._exchange_clock = rng, exchange_clock
        self.ready = asyncio.Event()
        self.last_error = ""
        self.sessions = 0
        self._stopping = False
        self._live = False
        self._ws: ClientConnection | None = None
        self._login_ack: asyncio.Future[None] | None = None
        self._subs_ack: asyncio.Future[None] | None = None
        self._pending: set[tuple[str, str]] = set()
        self._last_rx = self._last_tx = 0.0
        self._ping_sent_at: float | None = None

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            self._live = False
            refused = False
            try:
                await self._session()
            except Exception as exc:  # any loss of the stream means: reconnect
                self.last_error = f"{type(exc).__name__}: {exc}"
                refused = isinstance(exc, LoginRefused)
            if self._on_down is not None:
                self._on_down(self.last_error)
            if self._stopping:
                break
            ref = self._recorder.state(self.spec.url, "disconnected", self.last_error)
            delay = self._backoff(1 if self._live else failures + 1)
            (log.warning if self._live else log.info)(
                "OKX stream lost: reconnecting" if self._live else "OKX stream not up yet: "
                "trying again", extra={"service": self.spec.service, "error": self.last_error,
                                       "delay_s": round(delay, 3)})
            if self._live or refused:
                self._hub.publish(ResyncNeeded(f"{self.spec.service} stream lost: "
                                               f"{self.last_error}", ref))
            if refused:
                # an expired login timestamp is one cause of a refusal: measure the clock again
                await self._exchange_clock.resync()
            failures = 1 if self._live else failures + 1
            await self._clock.sleep(delay)

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()

    def _backoff(self, failures: int) -> float:
        config = self._config
        ceiling = min(config.ws_reconnect_max_s,
                      config.ws_reconnect_base_s * 2.0 ** (failures - 1))
        return ceiling * (0.5 + 0.5 * self._rng())

    async def _session(self) -> None:
        """One connection's life: raises when it ends, with the reason."""
        self._recorder.state(self.spec.url, "connecting")
        async with self._connect(self.spec.url, ping_interval=None, proxy=None,
                           open_timeout=self._config.ws_handshake_timeout_s,
                           close_timeout=2, max_size=MAX_FRAME) as ws:
            self._ws = ws
            self._recorder.state(self.spec.url, "connected")
            loop = asyncio.get_running_loop()
            self._login_ack, self._subs_ack = loop.create_future(), loop.create_future()
            self._last_rx = self._last_tx = self._clock.monotonic()
            self._ping_sent_at = None
            reader = asyncio.create_task(self._read(ws))
            try:
                await self._handshake(ws, reader)
                self._established()
                await self._serve(ws, reader)
            finally:
                self._ws = None
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
                for ack in (self._login_ack, self._subs_ack):
                    if ack.done() and not ack.cancelled():
                        ack.exception()  # retrieved, so a late refusal is not logged as lost

    async def _handshake(self, ws: "ClientConnection", reader: asyncio.Task[None]) -> None:
        assert self._login_ack is not None and self._subs_ack is not None
        if self.spec.login:
            epoch_s = (self._clock.now_ms() + self._exchange_clock.offset_ms()) // 1000
            await self._send(ws, {"op": "login",
                                  "args": [ws_login_args(self._credentials, epoch_s)]})
            await self._until(self._login_ack, reader, "login ack")
        self._pending = {arg_key(arg) for arg in self.spec.args}
        await self._send(ws, {"id": f"sub{self.sessions + 1}", "op": "subscribe",
                              "args": [dict(arg) for arg in self.spec.args]})
        await self._until(self._subs_ack, reader, "subscribe acks")

    def _established(self) -> None:
        self._live = True
        self.sessions += 1
        ref = self._recorder.state(self.spec.url, "subscribed", f"session {self.sessions}")
        if self.sessions > 1:
            self._hub.publish(ResyncNeeded(f"{self.spec.service} stream resubscribed after "
                                           f"a gap", ref))
        self.ready.set()

    async def _until(self, ack: "asyncio.Future[None]", reader: asyncio.Task[None],
                     what: str) -> None:
        timer = asyncio.ensure_future(self._clock.sleep(self._config.ws_handshake_timeout_s))
        try:
            await asyncio.wait({ack, reader, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        if ack.done():
            ack.result()
            return
        if reader.done():
            raise ConnectionError(f"connection closed before {what}")
        raise TimeoutError(f"no {what} within {self._config.ws_handshake_timeout_s} s")

    async def _serve(self, ws: "ClientConnection", reader: asyncio.Task[None]) -> None:
        keepalive = asyncio.create_task(self._keepalive(ws))
        try:
            await asyncio.wait({reader, keepalive}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            keepalive.cancel()
        if reader.done() and not reader.cancelled() and reader.exception() is not None:
            raise ConnectionError(str(reader.exception()))
        raise ConnectionError(f"closed (code {ws.close_code}, reason {ws.close_reason!r})")

    async def _keepalive(self, ws: "ClientConnection") -> None:
        # OKX drops a connection after 30 s without traffic: ping once either direction has
        # been quiet for ws_ping_idle_s, and give up on the connection if no pong comes back
        config = self._config
        while True:
            now = self._clock.monotonic()
            quiet_since = min(self._last_rx, self._last_tx)
            if self._ping_sent_at is not None:
                if now - self._ping_sent_at >= config.ws_pong_timeout_s:
                    self._recorder.state(self.spec.url, "pong_timeout")
                    await ws.close(code=1000, reason="no pong")
                    return
                # look again by the next ping time at the latest, in case the pong came
                wait = min(self._ping_sent_at + config.ws_pong_timeout_s - now,
                           config.ws_ping_idle_s)
            elif now - quiet_since >= config.ws_ping_idle_s:
                await self._send(ws, "ping")
                self._ping_sent_at = now
                continue
            else:
                wait = quiet_since + config.ws_ping_idle_s - now
            await self._clock.sleep(wait)

    @property
    def up(self) -> bool:
        """Logged in and subscribed, with the connection open."""
        return self._live and self._ws is not None

    async def send_op(self, frame: dict[str, Any]) -> None:
        """Send an op frame on the live connection; ConnectionError when there is none (then
        nothing was sent)."""
        ws = self._ws
        if ws is None or not self._live:
            raise ConnectionError(f"{self.spec.service} stream is not up")
        await self._send(ws, frame)

    async def _send(self, ws: "ClientConnection", frame: Any) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame, separators=(",", ":"))
        self._recorder.frame("ws_out", self.spec.url, frame)
        self._last_tx = self._clock.monotonic()
        await ws.send(text)

    async def _read(self, ws: "ClientConnection") -> None:
        async for raw in ws:
            text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
            self._last_rx = self._clock.monotonic()
            if text == "pong":
                self._recorder.frame("ws_in", self.spec.url, text)
                self._ping_sent_at = None
                continue
            try:
                message = json.loads(text)
            except ValueError:
                message = None
            ref = self._recorder.frame("ws_in", self.spec.url,
                                       text if message is None else message)
            if not isinstance(message, dict):
                self._hub.publish(ResyncNeeded("undecodable WS frame", ref))
            elif "event" in message:
                self._on_event(message)
            elif "op" in message and self._on_reply is not None:
                self._on_reply(message, ref)
            else:
                try:
                    events = self._decoder.decode(message, ref)
                except ExchangeProtocolError as exc:
                    self._hub.publish(ResyncNeeded(f"undecodable push: {exc}", ref))
                    continue
                for event in events:
                    self._hub.publish(event)

    def _on_event(self, message: dict[str, Any]) -> None:
        event, code = message.get("event"), str(message.get("code", ""))
        login, subs = self._login_ack, self._subs_ack
        if event == "login" and login is not None and not login.done():
            if code in ("", "0"):
                login.set_result(None)
            else:
                login.set_exception(LoginRefused(f"{code}: {message.get('msg', '')}"))
        elif event == "subscribe":
            self._pending.discard(arg_key(message.get("arg") or {}))
            if not self._pending and subs is not None and not subs.done():
                subs.set_result(None)
        elif event == "error":
            detail = f"{code}: {message.get('msg', '')}"
            if login is not None and not login.done() and self.spec.login:
                login.set_exception(LoginRefused(detail))
            elif subs is not None and not subs.done():
                subs.set_exception(SubscribeRefused(detail))


class WsOrderEntry(Protocol):
    """What the streams start and stop beside themselves (adapters.okx.ws_orders)."""

    async def start(self, *, wait: bool = True) -> None: ...

    async def stop(self) -> None: ...


class OkxStreams:
    """The set of WS connections the config calls for, started and stopped together."""

    def __init__(self, config: OkxConfig, credentials: OkxCredentials, clock: Clock,
                 sink: EvidenceSink, hub: EventHub, rng: Callable[[], float],
                 exchange_clock: ExchangeClock, ws_orders: "WsOrderEntry | None" = None,
                 connector: Callable[..., Any] | None = None) -> None:
        self._config, self._credentials, self._clock = config, credentials, clock
        self._ws_orders = ws_orders
        self._connector = connector
        self._hub, self._rng, self._exchange_clock = hub, rng, exchange_clock
        self._recorder = FrameRecorder(sink, clock, exchange_clock.offset_ms,
                                       redact_frame=redact_frame)
        self._decoder = PushDecoder()
        self.streams: list[OkxStream] = []
        self._tasks: list[asyncio.Task[None]] = []

    def subscribe(self) -> EventSubscription:
        """A new queue of every event from now on (pushes reach it once ws_start ran)."""
        return self._hub.subscribe()

    async def ws_start(self) -> None:
        """Return once every connection is logged in and subscribed; raise otherwise."""
        if self._tasks:
            return
        await self._exchange_clock.ensure_synced()
        if self._ws_orders is not None:
            # the order-entry socket comes up beside the streams; orders use REST until then
            await self._ws_orders.start(wait=False)
        self.streams = [OkxStream(spec, self._config, self._credentials, self._clock,
                                  self._recorder, self._hub, self._decoder, self._rng,
                                  self._exchange_clock, connector=self._connector)
                        for spec in stream_specs(self._config)]
        self._tasks = [asyncio.create_task(s.run(), name=f"okx-ws-{s.spec.service}")
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
            raise ExchangeUnavailable(f"WS streams not ready within {timeout} s ({detail})",
                                      ref) from None

    async def ws_stop(self) -> None:
        if self._ws_orders is not None:
            await self._ws_orders.stop()
        for stream in self.streams:
            await stream.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
