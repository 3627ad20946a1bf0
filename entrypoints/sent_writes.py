"""An evidence sink decorator that counts the trade requests a command sent.

The CLI's error boundary uses the count: an error that ends a command after an order or cancel
left is never reported as a plain failure, because what it changed at the exchange is unknown.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain.evidence import EvidenceRef
from ports.evidence import (
    EvidenceSink,
    ExchangeCallRecord,
    JsonValue,
    PackageManifest,
    SeedDocument,
)

TRADE_PATH = "/api/v5/trade/"
# Binance USDⓈ-M: what places or cancels orders (a cancel is a DELETE there)
BINANCE_TRADE_PATHS = frozenset({"/fapi/v1/order", "/fapi/v1/batchOrders",
                                 "/fapi/v1/algoOrder", "/fapi/v1/allOpenOrders",
                                 "/fapi/v1/algoOpenOrders", "/fapi/v1/countdownCancelAll"})


def is_trade_write(endpoint: str) -> bool:
    """A request that may have placed or cancelled an order ("METHOD /path")."""
    method, _, path = endpoint.partition(" ")
    if method == "POST" and TRADE_PATH in path:
        return True
    return method in ("POST", "DELETE", "PUT") and path in BINANCE_TRADE_PATHS


class CountingSink:
    def __init__(self, inner: EvidenceSink) -> None:
        self._inner = inner
        self.trade_writes = 0

    def __getattr__(self, name: str) -> Any:
        # FileEvidenceSink's optional head start, which the adapters look up with getattr when
        # they are built: hidden here, no record of a command would be encoded ahead
        if name == "prepare_call":
            return getattr(self._inner, name)
        raise AttributeError(name)

    @property
    def run_dir(self) -> Path:
        return self._inner.run_dir

    def record_call(self, record: ExchangeCallRecord) -> EvidenceRef:
        # a request decided against before it left (banned, paced) changed nothing
        unsent = record.request.get("sent") is False
        if is_trade_write(record.endpoint) and not unsent:
            self.trade_writes += 1
        return self._inner.record_call(record)

    def write_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        return self._inner.write_document(name, document)

    def append_document(self, name: SeedDocument, document: JsonValue) -> EvidenceRef:
        return self._inner.append_document(name, document)

    def write_text(self, name: SeedDocument, text: str) -> EvidenceRef:
        return self._inner.write_text(name, text)

    def flush(self) -> None:
        self._inner.flush()

    def read_back(self, ref: EvidenceRef) -> bool:
        return self._inner.read_back(ref)

    def package(self) -> PackageManifest:
        return self._inner.package()

    def finish(self, outcome: Mapping[str, Any] | None) -> None:
        finish = getattr(self._inner, "finish", None)
        if finish is not None:
            finish(outcome)
        else:
            self.close()

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()
