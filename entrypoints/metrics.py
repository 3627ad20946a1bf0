"""Prometheus metrics with the official prometheus_client, fed from outside the hexagon:

- every exchange call already passes the evidence sink, so `MetricsSink` (a sink decorator)
  counts order placements (sent / rejected / unknown by venue, type and code), times requests
  per endpoint, counts WS reconnects and evidence records;
- fsync latency: the file sink's fsync function is wrapped (`timed_fsync`);
- stop confirmation latency: the use-cases log each confirmation (application.order_path,
  event=stop_confirmed, elapsed_ms); `StopConfirmations` is a logging handler that observes it;
- positions, unprotected positions and locked symbols are read from the state store when the
  endpoint is scraped (`watch_store`).

`watch --metrics-port` serves the registry on 127.0.0.1; an embedder passes its own registry
(`EngineMetrics(prometheus_client.REGISTRY)`) and installs the same pieces.
"""

import logging
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from domain.evidence import EvidenceRef
from domain.gate import check_open_gate
from domain.state import PositionStage
from ports.clock import Clock
from ports.evidence import (
    EvidenceSink,
    ExchangeCallRecord,
    JsonValue,
    PackageManifest,
    SeedDocument,
)
from ports.state import StateStore

# placements: where the order type is in the request (OKX: body ordType; Binance: type)
PLACEMENTS = {"POST /api/v5/trade/order": "ordType", "POST /api/v5/trade/order-algo": "ordType",
              "POST /fapi/v1/order": "type", "POST /fapi/v1/algoOrder": "type"}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FSYNC_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
STOP_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0)


class EngineMetrics:
    """The engine's metrics in one registry (a fresh one unless given)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.orders_sent = Counter("prometheus_exec_orders_sent",
                                   "Order and stop placements sent to the exchange",
                                   ["venue", "type"], registry=r)
        self.orders_rejected = Counter("prometheus_exec_orders_rejected",
                                       "Placements the exchange rejected, by its code",
                                       ["venue", "type", "code"], registry=r)
        self.orders_unknown = Counter("prometheus_exec_orders_unknown",
                                      "Placements whose answer was lost (outcome unknown)",
                                      ["venue", "type"], registry=r)
        self.request_seconds = Histogram("prometheus_exec_request_seconds",
                                         "Exchange REST request latency", ["venue", "endpoint"],
                                         buckets=LATENCY_BUCKETS, registry=r)
        self.stop_confirmation_seconds = Histogram(
            "prometheus_exec_stop_confirmation_seconds",
            "From placing a stop to seeing it at the exchange", ["venue"],
            buckets=STOP_BUCKETS, registry=r)
        self.positions = Gauge("prometheus_exec_positions", "Open positions (state store)",
                               ["venue"], registry=r)
        self.unprotected = Gauge("prometheus_exec_unprotected_positions",
                                 "Open positions without a confirmed stop (should be 0)",
                                 ["venue"], registry=r)
        self.locked = Gauge("prometheus_exec_locked_symbols",
                            "Symbols the open gate refuses now (cooldowns, freezes, halts)",
                            ["venue"], registry=r)
        self.ws_reconnects = Counter("prometheus_exec_ws_reconnects",
                                     "WebSocket connections lost and reconnected",
                                     ["venue", "stream"], registry=r)
        self.evidence_records = Counter("prometheus_exec_evidence_records",
                                        "Evidence records and documents written", ["venue"],
                                        registry=r)
        self.fsync_seconds = Histogram("prometheus_exec_evidence_fsync_seconds",
                                       "fsync latency of evidence files",
                                       buckets=FSYNC_BUCKETS, registry=r)

    def observe_call(self, venue: str, record: ExchangeCallRecord) -> None:
        self.evidence_records.labels(venue).inc()
        if record.kind == "ws_state" and record.outcome == "disconnected":
            self.ws_reconnects.labels(venue, record.endpoint.removeprefix("WS ")).inc()
            return
        if record.kind != "rest" or record.request.get("sent") is False:
            return
        response = record.response or {}
        elapsed = response.get("elapsed_ms")
        if isinstance(elapsed, int | float):
            self.request_seconds.labels(venue, record.endpoint).observe(elapsed / 1000)
        field = PLACEMENTS.get(record.endpoint)
        if field is None:
            return
        kind = _order_type(record.request, field)
        self.orders_sent.labels(venue, kind).inc()
        outcome, _, code = record.outcome.partition(":")
        if outcome == "rejected":
            self.orders_rejected.labels(venue, kind, code or "?").inc()
        elif outcome == "unknown":
            self.orders_unknown.labels(venue, kind).inc()

    def timed_fsync(self, fsync: Callable[[int], None] = os.fsync) -> Callable[[int], None]:
        def timed(fd: int) -> None:
            started = time.perf_counter()
            fsync(fd)
            self.fsync_seconds.observe(time.perf_counter() - started)
        return timed

    def watch_store(self, venue: str, store: StateStore, clock: Clock) -> None:
        """Positions, unprotected positions and locked symbols, read at each scrape."""
        def count(test: Callable[[Any, int], bool]) -> Callable[[], float]:
            def read() -> float:
                now = clock.now_ms() // 1000
                return float(sum(1 for s in store.symbols()
                                 if test(store.get_symbol_state(s), now)))
            return read
        self.positions.labels(venue).set_function(count(
            lambda st, _now: st.position_state.stage is not PositionStage.FLAT))
        self.unprotected.labels(venue).set_function(count(
            lambda st, _now: st.position_state.stage is not PositionStage.FLAT
            and not st.position_state.sl_confirmed))
        self.locked.labels(venue).set_function(count(
            lambda st, now: not check_open_gate(st, now=now).allowed))

    def serve(self, port: int, addr: str = "127.0.0.1") -> Any:
        """Serve /metrics on a loopback port (a thread); returns (server, thread)."""
        return start_http_server(port, addr=addr, registry=self.registry)


def _order_type(request: Mapping[str, Any], field: str) -> str:
    for part in ("body", "query", "params"):
        found = request.get(part)
        if isinstance(found, Mapping) and field in found:
            return str(found[field]).lower()
    return "unknown"


class StopConfirmations(logging.Handler):
    """Observes the use-cases' stop confirmations (their log records) as a latency."""

    LOGGER = "application.order_path"

    def __init__(self, metrics: EngineMetrics, venue: str) -> None:
        super().__init__(logging.INFO)
        self._metrics, self._venue = metrics, venue

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) == "stop_confirmed":
            elapsed = getattr(record, "elapsed_ms", None)
            if isinstance(elapsed, int | float):
                self._metrics.stop_confirmation_seconds.labels(self._venue).observe(
                    elapsed / 1000)

    def install(self) -> None:
        source = logging.getLogger(self.LOGGER)
        source.addHandler(self)
        if source.getEffectiveLevel() > logging.INFO:
            source.setLevel(logging.INFO)  # the CLI's stderr handler keeps its own level

    def remove(self) -> None:
        logging.getLogger(self.LOGGER).removeHandler(self)


class MetricsSink:
    """An evidence sink decorator: every record also updates the metrics."""

    def __init__(self, inner: EvidenceSink, metrics: EngineMetrics, venue: str) -> None:
        self._inner, self._metrics, self._venue = inner, metrics, venue

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # trade_writes, finish, close, begin_run, ...

    @property
    def run_dir(self) -> Path:
        return self._inner.run_dir

    def record_call(self, record: ExchangeCallRecord) -> EvidenceRef:
        ref = self._inner.record_call(record)
        self._metrics.observe_call(self._venue, record)
        return ref

    def write_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        self._metrics.evidence_records.labels(self._venue).inc()
        return self._inner.write_document(name, document)

    def append_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        self._metrics.evidence_records.labels(self._venue).inc()
        return self._inner.append_document(name, document)

    def write_text(self, name: SeedDocument, text: str) -> EvidenceRef:
        return self._inner.write_text(name, text)

    def flush(self) -> None:
        self._inner.flush()

    def read_back(self, ref: EvidenceRef) -> bool:
        # spelled out, not left to __getattr__: Python 3.12+ checks a runtime Protocol with
        # getattr_static, which does not see delegated names (the container's check failed)
        return self._inner.read_back(ref)

    def package(self) -> PackageManifest:
        return self._inner.package()
