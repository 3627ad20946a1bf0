"""Order entry over OKX's private WebSocket: `order`, `cancel-order` and `amend-order` ops.

One logged-in private connection of its own (subscribed to the `orders` channel, whose pushes
come to subscribe() without polling). Since 2026 OKX names the instrument by its integer
instIdCode on these ops, read once from public/instruments of the same environment.

What a caller gets is the same WriteAnswer a REST write gives, judged by the same rules: the
op's answer has the REST envelope's shape. Failure stays failure:
- the socket is not up (or the symbol has no instIdCode): WsNotSent, nothing went out, and the
  caller sends over REST instead (evidenced as a ws_state "rest_fallback" record);
- the op went out and no answer came (timeout, connection lost): an Unknown outcome, never
  a fallback (that could place the order twice); the caller resolves it by client id.
Every frame out and in is evidence in the same chain as the REST calls (FrameRecorder).
Algo orders stay on REST: OKX offers them there only.
"""

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from typing import Any

from adapters.common.frames import FrameRecorder
from adapters.common.http import Reply
from adapters.common.hub import EventHub, within
from adapters.okx.config import OkxConfig
from adapters.okx.credentials import OkxCredentials
from adapters.okx.errors import judge_write, write_receipt
from adapters.okx.rest import OkxRest, WriteAnswer
from adapters.okx.ws import OkxStream, exchange_clock_of
from adapters.okx.ws_decode import PushDecoder
from adapters.okx.ws_frames import StreamSpec, redact_frame
from domain.evidence import EvidenceRef
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.evidence import EvidenceSink
from ports.exchange_events import EventSubscription

ORDERS_ARG = {"channel": "orders", "instType": "SWAP"}
INSTRUMENTS_PATH = "/api/v5/public/instruments"


class WsNotSent(Exception):
    """The op was not sent (no live socket, no instIdCode): send it over REST."""


class OkxWsOrders:
    """Started with the streams (OkxStreams.ws_start) without waiting: orders go over REST
    until the socket is up, so no order ever waits for a connection."""

    def __init__(self, config: OkxConfig, credentials: OkxCredentials, clock: Clock,
                 sink: EvidenceSink, rest: OkxRest, rng: Callable[[], float],
                 hub: EventHub) -> None:
        self.enabled = config.ws_orders_on
        self._config, self._clock, self._rest = config, clock, rest
        # its own hub: the streams' private connection publishes the same orders pushes
        self._hub = hub
        self._recorder = FrameRecorder(sink, clock, lambda: rest.offset_ms,
                                       redact_frame=redact_frame)
        self._url = config.ws_endpoint("private")
        self._stream = OkxStream(
            StreamSpec("private", self._url, True, (ORDERS_ARG,)), config, credentials, clock,
            self._recorder, self._hub, PushDecoder(), rng, exchange_clock_of(rest),
            on_reply=self._on_reply, on_down=self._on_down)
        self._codes: dict[str, int] = {}
        self._waiting: dict[str, asyncio.Future[tuple[dict[str, Any], EvidenceRef]]] = {}
        self._ids = itertools.count(1)
        self._task: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._stream.up

    def subscribe(self) -> EventSubscription:
        """Order updates pushed on this connection's `orders` channel, from now on."""
        return self._hub.subscribe()

    async def start(self, *, wait: bool = True) -> None:
        """Read the instIdCodes and open the connection; wait=True returns once it is up
        (raises TimeoutError after ws_start_timeout_s)."""
        if not self.enabled:
            return
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="okx-ws-orders")
        if wait:
            await within(self._clock, self._config.ws_start_timeout_s,
                         self._stream.ready.wait())

    async def stop(self) -> None:
        if self._task is None:
            return
        await self._stream.stop()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        self._task = None
        self._on_down("stopped")

    async def _run(self) -> None:
        while not self._codes:
            try:
                await self._load_codes()
            except ExchangeError as exc:
                self._recorder.state(self._url, "inst_id_codes_unavailable", str(exc))
                await self._clock.sleep(self._config.ws_reconnect_max_s)
        await self._rest.ensure_synced()  # the login is signed with the exchange's clock
        await self._stream.run()

    async def _load_codes(self) -> None:
        answer = await self._rest.read("GET", INSTRUMENTS_PATH, params={"instType": "SWAP"},
                                       signed=False)
        for item in answer.items:
            code = item.get("instIdCode") if isinstance(item, dict) else None
            if isinstance(code, int | str) and str(code).isdigit():
                self._codes[str(item["instId"])] = int(code)

    def inst_id_code(self, symbol: str) -> int | None:
        return self._codes.get(symbol)

    async def write(self, op: str, symbol: str, item: dict[str, Any], *,
                    deadline: bool) -> WriteAnswer:
        """Send one op for symbol (item without instId); raises WsNotSent when not sent."""
        code = self._codes.get(symbol)
        if self._task is None:
            raise WsNotSent("not started")  # the engine runs without streams: REST only
        if not self.up or code is None:
            why = "socket not up" if code is not None or not self._codes else "no instIdCode"
            self._recorder.state(self._url, "rest_fallback", f"{op} {symbol}: {why}")
            raise WsNotSent(why)
        exp_time_ms = self._rest.exchange_now_ms() + self._config.write_deadline_ms \
            if deadline else None
        req_id = f"{op.replace('-', '')[:6]}{next(self._ids)}"
        frame: dict[str, Any] = {"id": req_id, "op": op,
                                 "args": [{"instIdCode": code, **item}]}
        if exp_time_ms is not None:
            frame["expTime"] = str(exp_time_ms)
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[req_id] = waiter
        try:
            try:
                await self._stream.send_op(frame)
            except ConnectionError as exc:
                self._recorder.state(self._url, "rest_fallback", f"{op} {symbol}: {exc}")
                raise WsNotSent(str(exc)) from exc
            try:
                message, evidence = await within(self._clock, self._config.request_timeout_s,
                                                 asyncio.shield(waiter))
                reply = Reply(200, message, "")
            except TimeoutError:
                reply = Reply(None, None, "", "timeout")
                evidence = self._recorder.state(self._url, "op_unanswered", f"{req_id}: timeout")
            except ConnectionError as exc:
                reply = Reply(None, None, "", f"transport:ws_closed ({exc})")
                evidence = self._recorder.state(self._url, "op_unanswered", f"{req_id}: {exc}")
        finally:
            self._waiting.pop(req_id, None)
        code_s, msg, ack = write_receipt(reply.payload)
        return WriteAnswer(judge_write(reply), reply.http_status, evidence, exp_time_ms,
                           code_s, msg, ack)

    def _on_reply(self, message: dict[str, Any], evidence: EvidenceRef) -> None:
        waiter = self._waiting.get(str(message.get("id", "")))
        if waiter is not None and not waiter.done():
            waiter.set_result((message, evidence))

    def _on_down(self, reason: str) -> None:
        # an op in flight on a lost connection has an unknown outcome: fail its wait now
        for waiter in self._waiting.values():
            if not waiter.done():
                waiter.set_exception(ConnectionError(reason or "connection lost"))
