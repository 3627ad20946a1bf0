"""BinanceRest: one keep-alive httpx client; signing, pacing, clock sync, retries and evidence.

Reads return the payload or raise ports.errors; a read refused with -1021 (timestamp outside
recvWindow) is re-sent once after a fresh clock measurement. Writes return the judged reply and
are never re-sent (a -1021 only re-measures the clock for the next request).
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from typing import Any, Literal
from urllib.parse import urlencode

import attrs
import httpx

from adapters.binance import wire
from adapters.binance.config import BinanceConfig
from adapters.binance.converter import structure_one
from adapters.binance.credentials import BinanceCredentials
from adapters.binance.errors import (
    Judgement,
    Verdict,
    judge_read,
    judge_write,
    limited,
    read_error,
)
from adapters.binance.pacing import PacerRefused, WeightPacer
from adapters.binance.redact import mask_listen_keys
from adapters.binance.signing import KEY_HEADER, sign
from adapters.common.http import (
    Outgoing,
    Reply,
    deliver,
    http_transport,
    origin_of,
    response_doc,
)
from adapters.common.timesync import ClockOffset
from domain.evidence import EvidenceRef
from ports.clock import Clock
from ports.errors import ExchangeError, ExchangeUnavailable
from ports.evidence import EvidenceSink, ExchangeCallRecord

REDACTED = "[redacted]"
TIME_PATH = "/fapi/v1/time"
log = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"
# answer headers worth keeping in the evidence (how much of each budget Binance counted)
KEPT_HEADERS = ("x-mbx-used-weight-1m", "x-mbx-order-count-10s", "x-mbx-order-count-1m",
                "retry-after")
Security = Literal["public", "key", "signed"]
Params = Mapping[str, str]


@attrs.frozen
class Answer:
    """A successful read: the payload and when (local ms) the request went and came back."""

    payload: Any
    evidence: EvidenceRef
    sent_ms: int
    received_ms: int


@attrs.frozen
class WriteAnswer:
    judgement: Judgement
    http_status: int | None
    evidence: EvidenceRef
    # the exchange-clock time after which Binance refuses this request (timestamp +
    # recvWindow); None when it was never sent
    exp_time_ms: int | None
    payload: Mapping[str, Any]


@attrs.frozen
class _Call:
    reply: Reply
    judgement: Judgement
    evidence: EvidenceRef
    sent_ms: int
    received_ms: int
    exp_time_ms: int | None


_SECRET_HEADERS = frozenset({KEY_HEADER.lower()})


def _kept(reply: Reply) -> dict[str, str]:
    return {name: value for name in KEPT_HEADERS
            if (value := reply.header(name)) is not None}


class BinanceRest:
    """Built synchronously; call aclose() when done."""

    def __init__(self, config: BinanceConfig, credentials: BinanceCredentials, clock: Clock,
                 sink: EvidenceSink, *, transport: httpx.AsyncBaseTransport | None = None,
                 rng: Callable[[], float] | None = None) -> None:
        self._config = config
        self._credentials = credentials
        self._clock = clock
        self._sink = sink
        # FileEvidenceSink.prepare_call, where the sink has it (adapters/okx/rest.py)
        self._prepare: Callable[..., None] | None = getattr(sink, "prepare_call", None)
        self._rng: Callable[[], float] = rng or random.Random().random
        self._offset = ClockOffset()
        self._pacer = WeightPacer(clock, self.exchange_now_ms, enabled=config.pacing,
                                  share=config.limit_share,
                                  max_wait_s=config.max_retry_after_s)
        self._sync_lock = asyncio.Lock()
        self._sync_tried = False
        # the same stack as OKX (adapters/okx/rest.py): requests built here in full go straight
        # to the transport, aiohttp's pool by default (BENCHMARKS.md, issue 14 P1)
        self._transport: httpx.AsyncBaseTransport = transport or http_transport(
            config.http_stack, config.rest_url)
        self._base = httpx.URL(config.rest_url)
        self._prefix = self._base.raw_path.decode("ascii").rstrip("/")  # a host may sit on a path
        self._timeout = httpx.Timeout(config.request_timeout_s,
                                      connect=config.connect_timeout_s).as_dict()
        self._host = self._base.netloc.decode("ascii")
        self._origin = origin_of(self._base)

    async def aclose(self) -> None:
        await self._transport.aclose()

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def pacer(self) -> WeightPacer:
        return self._pacer

    @property
    def offset_ms(self) -> int:
        return self._offset.value_ms

    def exchange_now_ms(self) -> int:
        return self._clock.now_ms() + self._offset.value_ms

    async def read(self, method: str, path: str, params: Params | None = None, *,
                   security: Security = "signed") -> Answer:
        """Ask; transient failures are retried with jittered backoff, then raised."""
        resynced = False
        attempt = 0
        while True:
            attempt += 1
            try:
                call = await self._call(method, path, params or {}, security, write=False,
                                        attempt=attempt)
            except PacerRefused as refused:
                raise ExchangeUnavailable(str(refused), self.record_unsent(
                    f"{method} {path}", params, refused.reason)) from None
            verdict = call.judgement.verdict
            if verdict is Verdict.OK:
                return Answer(call.judgement.items[0], call.evidence, call.sent_ms,
                              call.received_ms)
            if verdict is Verdict.RESYNC and security == "signed" and not resynced:
                resynced = True
                log.info("Binance said the timestamp is off: measuring the clock again",
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

    async def write(self, method: str, path: str, params: Params) -> WriteAnswer:
        """Send one signed write once; never raises ports errors. A request the pacer refuses
        (banned, or told to wait too long) is not sent and comes back Rejected."""
        try:
            call = await self._call(method, path, params, "signed", write=True)
        except PacerRefused as refused:
            evidence = self.record_unsent(f"{method} {path}", params, refused.reason)
            return WriteAnswer(Judgement(Verdict.REJECTED, refused.reason, str(refused)), None,
                               evidence, None, {})
        if call.judgement.verdict is Verdict.RESYNC:
            await self.resync_quietly()  # for the next request; this one stays refused
        payload = call.reply.payload if isinstance(call.reply.payload, Mapping) else {}
        return WriteAnswer(call.judgement, call.reply.http_status, call.evidence,
                           call.exp_time_ms, payload)

    def record_unsent(self, endpoint: str, params: Params | None, reason: str) -> EvidenceRef:
        """Evidence of a request decided against before sending."""
        return self._sink.record_call(ExchangeCallRecord(
            "rest", endpoint, {"params": dict(params or {}), "sent": False}, None,
            f"error:not_sent:{reason}", self._clock.now_ms(), self._clock.monotonic(),
            self._offset.value_ms))

    def evidence_of(self, exc: ExchangeError, endpoint: str) -> EvidenceRef:
        """The evidence a failure carries (every failure here does; this is the typed way)."""
        return exc.evidence or self.record_unsent(endpoint, None, type(exc).__name__)

    # --- the exchange clock ---------------------------------------------------------------
    async def server_time(self) -> tuple[wire.ServerTime, Answer]:
        """GET /fapi/v1/time; every answer also becomes a clock-offset sample."""
        answer = await self.read("GET", TIME_PATH, security="public")
        found = structure_one(answer.payload, wire.ServerTime, answer.evidence)
        self._offset.add(found.server_time, answer.sent_ms, answer.received_ms)
        return found, answer

    async def sync_clock(self, *, fresh: bool = False) -> int:
        """Measure the exchange clock offset (median of samples); fresh drops older samples."""
        async with self._sync_lock:
            await self._sample(fresh)
        log.info("exchange clock measured", extra={"venue": "binance",
                                                   "offset_ms": self._offset.value_ms})
        return self._offset.value_ms

    async def _sample(self, fresh: bool) -> None:
        if fresh:
            self._offset.clear()
        self._sync_tried = True
        for _ in range(self._config.clock_samples):
            await self.server_time()

    async def resync_quietly(self) -> None:
        """Measure afresh; a failure is only recorded (the next call shows what Binance says)."""
        with contextlib.suppress(ExchangeError):
            await self.sync_clock(fresh=True)

    async def ensure_synced(self) -> None:
        """Measure once before the first signed request."""
        if self._sync_tried or self._offset.measured:
            return
        async with self._sync_lock:
            if not (self._sync_tried or self._offset.measured):
                with contextlib.suppress(ExchangeError):
                    await self._sample(fresh=False)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._config.retry_max_s, self._config.retry_base_s * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self._rng())

    # --- one request ----------------------------------------------------------------------
    async def _call(self, method: str, path: str, params: Params, security: Security, *,
                    write: bool, attempt: int = 1) -> _Call:
        endpoint = f"{method} {path}"
        if security == "signed":
            await self.ensure_synced()
        await self._pacer.admit(endpoint, params)
        fields = dict(params)
        exp_time_ms = None
        if security == "signed":
            stamp = self.exchange_now_ms()
            fields |= {"recvWindow": str(self._config.recv_window_ms), "timestamp": str(stamp)}
            exp_time_ms = stamp + self._config.recv_window_ms
        request = self._build(method, path, fields, security)
        shown = mask_listen_keys({
            "method": method, "path": path,
            "params": {**fields, "signature": REDACTED} if security == "signed" else fields,
            "headers": request.headers_doc(_SECRET_HEADERS)})
        sent_ms, started = self._clock.now_ms(), self._clock.monotonic()
        # the record's request half is encoded while the answer is in flight (as on OKX)
        ahead = self._prepare and asyncio.get_running_loop().call_soon(
            self._prepare, "rest", endpoint, shown, sent_ms, started, self._offset.value_ms)
        reply = await deliver(self._transport, request)
        if ahead:
            ahead.cancel()  # not run yet (nothing was awaited): record_call does it all
        elapsed_ms = (self._clock.monotonic() - started) * 1000
        self._pacer.observe(reply.headers)
        refusal = limited(reply)
        if refusal is not None:
            self._pacer.limited(refusal)
        judgement = judge_write(reply) if write else judge_read(reply)
        record = ExchangeCallRecord(
            "rest", endpoint, shown,
            mask_listen_keys(response_doc(reply, elapsed_ms, _kept(reply))),
            judgement.evidence_outcome, sent_ms, started, self._offset.value_ms,
            {"attempt": attempt, "exp_time_ms": exp_time_ms})
        evidence = self._sink.record_call(record)
        return _Call(reply, judgement, evidence, sent_ms, self._clock.now_ms(), exp_time_ms)

    def _build(self, method: str, path: str, fields: dict[str, str],
               security: Security) -> Outgoing:
        # serialized once: these exact bytes are both signed and sent
        text = urlencode(fields)
        if security == "signed":
            text += "&signature=" + sign(self._credentials.secret, text)
        headers = {"Host": self._host}
        if security != "public":
            headers[KEY_HEADER] = self._credentials.api_key.reveal()
        # the URL is made from the base directly: the client's build_request merges URLs and
        # default headers, which doubles the cost of a request here (no cookies, no auth);
        # no Accept-Encoding: answers come uncompressed
        body = method not in ("GET", "DELETE")
        target = path if body or not text else f"{path}?{text}"
        if body:
            headers["Content-Type"] = FORM
        data = text.encode("ascii") if body else b""
        if body:
            headers["Content-Length"] = str(len(data))
        return Outgoing(method, self._base, self._origin, self._prefix + target, headers, data,
                        self._timeout)
