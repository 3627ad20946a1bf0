"""Both REST adapters hand the sink each record's request half before awaiting the answer
(prepare_call), with the very objects and values the record then carries; where nothing was
awaited the head start is cancelled, and every record is written either way."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.binance import BinanceConfig
from adapters.okx import OkxConfig
from entrypoints.container import binance_venue, okx_venue
from ports.evidence import ExchangeCallRecord
from tests.adapters.binance import mock_binance
from tests.adapters.okx import mock_okx
from tests.adapters.okx.test_headers_and_evidence import private_session, routed
from tests.fakes import FakeClock, InMemoryEvidenceSink


class PreparingSink(InMemoryEvidenceSink):
    def __init__(self) -> None:
        super().__init__(Path("/nonexistent/fake-run"))
        self.prepared: list[tuple[Any, ...]] = []

    def prepare_call(self, kind: str, endpoint: str, request: Any, wall_ms: int,
                     mono_s: float, clock_offset_ms: int) -> None:
        self.prepared.append((kind, endpoint, request, wall_ms, mono_s, clock_offset_ms))


class Suspending(httpx.AsyncBaseTransport):
    """Waits one loop turn before answering, as a real answer does."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        return await self._inner.handle_async_request(request)


def okx_calls(transport: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport],
              sink: PreparingSink) -> None:
    clock = FakeClock()
    mock = routed(clock)

    async def scenario() -> None:
        venue = okx_venue(OkxConfig(rest_url="https://okx.test"), mock_okx.CREDENTIALS, clock,
                          sink, transport=transport(mock.transport), rng=lambda: 0.5)
        async with venue.exchange() as exchange:
            await private_session(exchange)
    asyncio.run(scenario())


def binance_calls(transport: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport],
                  sink: PreparingSink) -> None:
    clock = FakeClock()
    mock = mock_binance.MockBinance(clock)
    mock.default("GET", "/fapi/v3/account", "account_v3")

    async def scenario() -> None:
        venue = binance_venue(BinanceConfig(rest_url="https://fapi.test"),
                              mock_binance.CREDENTIALS, clock, sink,
                              transport=transport(mock.transport), rng=lambda: 0.5)
        async with venue.exchange() as exchange:
            await exchange.get_server_time()
            await exchange.get_balances()
    asyncio.run(scenario())


def fields(record: ExchangeCallRecord) -> tuple[Any, ...]:
    return (record.kind, record.endpoint, record.request, record.wall_ms, record.mono_s,
            record.clock_offset_ms)


@pytest.mark.parametrize("calls", [okx_calls, binance_calls])
def test_each_record_was_prepared_with_its_own_request_object(calls: Any) -> None:
    sink = PreparingSink()
    calls(Suspending, sink)
    records = [r for r in sink.records if r.kind == "rest"]
    assert len(records) >= 2
    assert len(sink.prepared) == len(records)
    for prepared, record in zip(sink.prepared, records, strict=True):
        assert prepared[2] is record.request
        assert prepared == fields(record)


@pytest.mark.parametrize("calls", [okx_calls, binance_calls])
def test_no_head_start_where_the_answer_came_without_a_wait(calls: Any) -> None:
    sink = PreparingSink()
    calls(lambda inner: inner, sink)
    assert sink.prepared == []
    assert len([r for r in sink.records if r.kind == "rest"]) >= 2
