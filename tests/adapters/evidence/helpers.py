"""Builders shared by the evidence sink tests."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.evidence import FileEvidenceSink
from ports.evidence import ExchangeCallRecord
from tests.fakes import FakeClock


def call(n: int = 0, *, request: Mapping[str, Any] | None = None,
         response: Mapping[str, Any] | None = None, **extra: Any) -> ExchangeCallRecord:
    return ExchangeCallRecord(
        kind="http", endpoint="GET /api/v5/trade/order",
        request=request if request is not None else {
            "method": "GET", "path": "/api/v5/trade/order",
            "query": {"instId": "BTC-USDT-SWAP", "clOrdId": f"pxpr{n:04d}"},
            "headers": {"OK-ACCESS-TIMESTAMP": "2025-11-22T02:53:20.000Z"}, "body": ""},
        response=response if response is not None else {
            "status": 200, "body": {"code": "0", "msg": "", "data": [{"state": "live"}]}},
        outcome="ok", wall_ms=1_763_780_000_000 + n, mono_s=1000.25 + n,
        clock_offset_ms=-12, extra=extra)


def make_sink(run_dir: Path, **kw: Any) -> FileEvidenceSink:
    kw.setdefault("labels", {"probe": True})
    return FileEvidenceSink(run_dir, clock=FakeClock(), **kw)


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()
