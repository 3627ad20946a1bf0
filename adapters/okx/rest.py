"""OkxRest: one keep-alive httpx client; signing, pacing, retries and evidence for every call.

Reads return the reply's data items or raise ports.errors; writes return the judged reply and
are never retried, except once after 50102 (timestamp expired: not executed) with a fresh clock.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx

from adapters.common.http import (
    Outgoing,
    Reply,
    deliver,
    http_transport,
    json_body,
    origin_of,
    query_string,
    response_doc,
)
from adapters.common.timesync import ClockOffset
from adapters.okx import wire
from adapters.okx.config import OkxConfig
from adapters.okx.converter import structure_all
from adapters.okx.credentials import OkxCredentials
from adapters.okx.errors import (
    Judgement,
    Verdict,
    judge_read,
    judge_write,
    read_error,
    write_receipt,
)
from adapters.okx.pacing import Pacer
from adapters.okx.signing import rest_headers, rest_timestamp
from domain.evidence import EvidenceRef
from ports.clock import Clock
from ports.errors import ExchangeError
from ports.evidence import EvidenceSink, ExchangeCallRecord

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"ok-access-key", "ok-access-sign", "ok-access-passphrase"})
TIME_PATH = "/api/v5/public/time"
log = logging.getLogger(__name__)
Params = Mapping[str, str]


@attrs.frozen
class Answer:
    """A successful read: the data items and when (local ms) the request went and came back."""

    items: tuple[Any, ...]
    evidence: EvidenceRef
    sent_ms: int
    received_ms: int


@attrs.frozen
class WriteAnswer:
    judgement: Judgement
    http_status: int | None
    evidence: EvidenceRef
    exp_time_ms: int | None
    # the envelope's code/msg and the data item, empty when no envelope came back
    code: str
    msg: str
    ack: wire.WriteAck


@attrs.frozen
class _Call:
    reply: Reply
    judgement: Judgement
    evidence: EvidenceRef
    sent_ms: int
    received_ms: int
    exp_time_ms: int | None


class OkxRest:
    """Built synchronously; call aclose() when done."""

    def __init__(self, config: OkxConfig, credentials: OkxCredentials, clock: Clock,
                 sink: EvidenceSink, *, transport: httpx.AsyncBaseTransport | None = None,
                 rng: Callable[[], float] | None = None) -> None:
        self._config = config
        self._credentials = credentials
        self._clock = clock
        self._sink = sink
        # FileEvidenceSink.prepare_call, where the sink has it (other sinks need no head start)
        self._prepare: Callable[..., None] | None = getattr(sink, "prepare_call", None)
        self._rng: Callable[[], float] = rng or random.Random().random
        self._pacer = Pacer(clock, config.pacing)
        self._offset = ClockOffset()
        self._sync_lock = asyncio.Lock()
        self._sync_tried = False
        # requests go straight to the transport (adapters.common.http.send): built here in full
        self._transport = transport or http_transport(config.http_stack, config.rest_url)
        self._base = httpx.URL(config.rest_url)
        self._origin = origin_of(self._base)
        self._prefix = self._base.raw_path.decode("ascii").rstrip("/")  # a host may sit on a path
        self._timeout = httpx.Timeout(config.request_timeout_s,
                                      connect=config.connect_timeout_s).as_dict()
        self._fixed = {"Host": self._base.netloc.decode("ascii")}
        if config.demo:
            self._fixed["x-simulated-trading"] = "1"

    async def aclose(self) -> None:
        await self._transport.aclose()

    @property
    def pacer(self) -> Pacer:
        return self._pacer

    @property
    def offset_ms(self) -> int:
        return self._offset.value_ms

    def exchange_now_ms(self) -> int:
        return self._clock.now_ms() + self._offset.value_ms

    async def read(self, method: str, path: str, *, params: Params | None = None,
                   body: Any = None, signed: bool) -> Answer:
        """Ask; transient failures are retried with jittered backoff, then raised."""
        resynced = False
        attempt = 0
        while True:
            attempt += 1
            call = await self._call(method, path, params, body, signed=signed, write=False,
                                    attempt=attempt)
            verdict = call.judgement.verdict
            if verdict is Verdict.OK:
                return Answer(call.judgement.items, call.evidence, call.sent_ms,
                              call.received_ms)
            if verdict is Verdict.RESYNC and signed and not resynced:
                resynced = True
                log.info("OKX said the timestamp is off: measuring the clock again",
                         extra={"endpoint": f"{method} {path}", "code": call.judgement.code})
                await self.resync_quietly()
                continue
            if verdict is Verdict.TRANSIENT and attempt < self._config.read_attempts:
                delay = self._backoff(attempt)
                log.info("retrying a read after a transient failure", extra={
                    "endpoint": f"{method} {path}", "attempt": attempt, "delay_s": round(delay, 3),
                    "outcome": call.judgement.evidence_outcome})
                await self._clock.sleep(delay)
                continue
            raise read_error(call.judgement, call.reply.http_status, call.evidence)

    async def write(self, path: str, body: Any, *, deadline: bool) -> WriteAnswer:
        """Send one signed POST once (plus once more after 50102); never raises ports errors."""
        resynced = False
        while True:
            call = await self._call("POST", path, None, body, signed=True, write=True,
                                    deadline=deadline)
            if call.judgement.verdict is Verdict.RESYNC and not resynced:
                resynced = True
                log.info("OKX said the timestamp is off: measuring the clock again, then "
                         "sending the write once more", extra={"endpoint": f"POST {path}",
                                                               "code": call.judgement.code})
                await self.resync_quietly()
                continue
            if call.judgement.verdict is Verdict.OK:
                # judge_write read the envelope and its item already: the receipt is those
                code, msg = call.judgement.code, call.judgement.message
                ack = call.judgement.items[0]
            else:
                code, msg, ack = write_receipt(call.reply.payload)
            return WriteAnswer(call.judgement, call.reply.http_status, call.evidence,
                               call.exp_time_ms, code, msg, ack)

    def record_unsent(self, endpoint: str, body: Any, reason: str) -> EvidenceRef:
        """Evidence of a request decided against before sending (e.g. position mode unknown)."""
        return self._sink.record_call(ExchangeCallRecord(
            "rest", endpoint, {"body": body, "sent": False}, None, f"error:not_sent:{reason}",
            self._clock.now_ms(), self._clock.monotonic(), self._offset.value_ms))

    def evidence_of(self, exc: ExchangeError, endpoint: str) -> EvidenceRef:
        """The evidence a failure carries (every failure here does; this is the typed way)."""
        return exc.evidence or self.record_unsent(endpoint, None, type(exc).__name__)

    async def server_time(self) -> tuple[wire.ServerTime, Answer]:
        """GET public/time; every answer also becomes a clock-offset sample."""
        answer = await self.read("GET", TIME_PATH, signed=False)
        found = structure_all(answer.items[:1], wire.ServerTime, answer.evidence)
        if not found:
            raise read_error(Judgement(Verdict.PROTOCOL, "0", "public/time returned no data"),
                             200, answer.evidence)
        self._offset.add(found[0].ts, answer.sent_ms, answer.received_ms)
        return found[0], answer

    async def sync_clock(self, *, fresh: bool = False) -> int:
        """Measure the exchange clock offset (median of samples); fresh drops older samples."""
        async with self._sync_lock:
            await self._sample(fresh)
        log.info("exchange clock measured", extra={"venue": "okx",
                                                   "offset_ms": self._offset.value_ms})
        return self._offset.value_ms

    async def _sample(self, fresh: bool) -> None:
        if fresh:
            self._offset.clear()
        self._sync_tried = True
        for _ in range(self._config.clock_samples):
            await self.server_time()

    async def resync_quietly(self) -> None:
        """Measure afresh; a failure is only recorded (the next call shows what OKX says)."""
        with contextlib.suppress(ExchangeError):
            await self.sync_clock(fresh=True)

    async def ensure_synced(self) -> None:
        """Measure once before the first signed request (REST or WS login)."""
        if self._sync_tried or self._offset.measured:
            return
        async with self._sync_lock:
            # concurrent first calls: only the first one measures
            if not (self._sync_tried or self._offset.measured):
                with contextlib.suppress(ExchangeError):
                    await self._sample(fresh=False)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._config.retry_max_s, self._config.retry_base_s * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self._rng())

    async def _call(self, method: str, path: str, params: Params | None, body: Any, *,
                    signed: bool, write: bool, deadline: bool = False,
                    attempt: int = 1) -> _Call:
        endpoint = f"{method} {path}"
        fields = params if params is not None else body if isinstance(body, Mapping) else {}
        if signed and not (self._sync_tried or self._offset.measured):
            await self.ensure_synced()
        async with self._pacer.slot(endpoint, self._pacer.scope_of(endpoint, dict(fields))):
            exp_time_ms = self.exchange_now_ms() + self._config.write_deadline_ms \
                if deadline else None
            request = self._build(method, path, params, body, signed, exp_time_ms)
            query = dict(params or {})
            made: list[dict[str, Any]] = []
            sent_ms, started = self._clock.now_ms(), self._clock.monotonic()
            # the record's request half is made and encoded while the answer is in flight:
            # the callback runs once deliver() waits for the answer (adapters/evidence)
            ahead = self._prepare and asyncio.get_running_loop().call_soon(
                self._ahead, made, endpoint, query, body, request, sent_ms, started,
                self._offset.value_ms)
            reply = await deliver(self._transport, request)
            if ahead:
                ahead.cancel()  # not run yet (nothing was awaited): record_call does it all
        elapsed_ms = (self._clock.monotonic() - started) * 1000
        judgement = judge_write(reply) if write else judge_read(reply)
        shown = made[0] if made else _shown(endpoint, query, body, request)
        record = ExchangeCallRecord(
            "rest", endpoint, shown, response_doc(reply, elapsed_ms),
            judgement.evidence_outcome, sent_ms, started, self._offset.value_ms,
            {"attempt": attempt, "exp_time_ms": exp_time_ms})
        evidence = self._sink.record_call(record)
        return _Call(reply, judgement, evidence, sent_ms, self._clock.now_ms(), exp_time_ms)

    def _ahead(self, made: list[dict[str, Any]], endpoint: str, query: dict[str, str],
               body: Any, request: Outgoing, sent_ms: int, started: float,
               offset_ms: int) -> None:
        shown = _shown(endpoint, query, body, request)
        made.append(shown)
        assert self._prepare is not None
        self._prepare("rest", endpoint, shown, sent_ms, started, offset_ms)

    def _build(self, method: str, path: str, params: Params | None, body: Any, signed: bool,
               exp_time_ms: int | None) -> Outgoing:
        query = query_string(params) if params else ""
        # serialized once: these exact bytes are both signed and sent
        data = b"" if body is None else json_body(body)
        text = data.decode()
        target = f"{self._prefix}{path}?{query}" if query else f"{self._prefix}{path}"
        headers = dict(self._fixed)
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["Content-Length"] = str(len(data))
        if exp_time_ms is not None:
            headers["expTime"] = str(exp_time_ms)
        if signed:
            stamp = rest_timestamp(self.exchange_now_ms())
            headers.update(rest_headers(self._credentials, stamp, method, target, text))
        return Outgoing(method, self._base, self._origin, target, headers, data, self._timeout)


def _shown(endpoint: str, query: dict[str, str], body: Any, request: Outgoing) -> dict[str, Any]:
    """The request half of the evidence record (credential headers redacted)."""
    method, _, path = endpoint.partition(" ")
    return {"method": method, "path": path, "query": query,
            "headers": request.headers_doc(SECRET_HEADERS), "body": body}
