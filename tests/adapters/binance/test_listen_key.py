"""The listen key's life: made once, kept alive every 30 minutes, made anew once Binance says
it is gone (-1125); a failed keepalive is tried again within a minute."""

import asyncio
from typing import Any

import pytest

from ports.errors import ExchangeRejected
from ports.exchange import ExchangeAdapter
from tests.adapters.binance.mock_binance import MockBinance, build, fixture, streams_of
from tests.fakes import FakeClock

PATH = "/fapi/v1/listenKey"


def keep_alive(mock: MockBinance, rounds: int | None = None) -> dict[str, Any]:
    """Run the keepalive loop until the key is gone (or the test stops it)."""
    seen: dict[str, Any] = {"gone": 0, "failed": []}

    async def scenario() -> None:
        exchange, _ = build(mock)
        async with exchange:
            keys = streams_of(exchange).keys
            await keys.current()
            task = asyncio.create_task(keys.keep_alive(
                mock.clock, 1800.0, gone=lambda: seen.__setitem__("gone", seen["gone"] + 1),
                failed=seen["failed"].append))
            while not task.done() and (rounds is None or len(mock.seen("PUT", PATH)) < rounds):
                await asyncio.sleep(0)
            task.cancel()
            seen["key"] = keys.key

    asyncio.run(asyncio.wait_for(scenario(), 5))
    return seen


def test_the_key_is_kept_alive_every_thirty_minutes_until_binance_says_it_is_gone() -> None:
    clock = FakeClock()
    mock = MockBinance(clock)
    mock.on("POST", PATH, "listen_key")
    mock.on("PUT", PATH, "keepalive_ok", "keepalive_ok", "error_1125_listen_key")
    seen = keep_alive(mock)
    assert clock.sleeps[-3:] == [1800.0, 1800.0, 1800.0]
    assert len(mock.seen("PUT", PATH)) == 3
    assert seen["gone"] == 1 and seen["key"] is None  # the next connect makes a new one
    put = mock.seen("PUT", PATH)[0]
    assert "X-MBX-APIKEY" in put.headers and b"signature" not in put.url.query


def test_a_failed_keepalive_is_reported_and_tried_again_within_a_minute() -> None:
    clock = FakeClock()
    mock = MockBinance(clock)
    mock.on("POST", PATH, "listen_key")
    failing = ["error_1000_500"] * 3  # a read: three attempts, then ExchangeUnavailable
    mock.on("PUT", PATH, *failing, "keepalive_ok")
    seen = keep_alive(mock, rounds=4)
    assert seen["gone"] == 0 and len(seen["failed"]) == 1
    assert 60.0 in clock.sleeps
    assert seen["key"] == fixture("listen_key")["body"]["listenKey"]


def test_a_second_current_does_not_ask_again_and_forget_makes_a_new_key() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", PATH, "listen_key", {"status": 200, "body": {"listenKey": "k2" * 32}})

    async def scenario(ex: ExchangeAdapter) -> list[str]:
        keys = streams_of(ex).keys
        first, again = await keys.current(), await keys.current()
        keys.forget()
        return [first, again, await keys.current(), str(keys.created), str(len(keys.known))]

    async def run() -> list[str]:
        exchange, _ = build(mock)
        async with exchange:
            return await scenario(exchange)

    first, again, third, created, known = asyncio.run(run())
    assert first == again != third
    assert (created, known) == ("2", "2")


@pytest.mark.parametrize("body", [{"listenKey": ""}, {"other": "x"}])
def test_an_answer_without_a_key_is_refused(body: dict[str, str]) -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", PATH, {"status": 200, "body": body})

    async def run() -> None:
        exchange, _ = build(mock)
        async with exchange:
            await streams_of(exchange).keys.current()

    with pytest.raises(Exception, match="listen"):
        asyncio.run(run())


def test_ws_start_fails_at_once_when_binance_refuses_the_key() -> None:
    mock = MockBinance(FakeClock())
    mock.on("POST", PATH, {"status": 401, "body": {
        "code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}})

    async def run() -> None:
        exchange, _ = build(mock, ws_url="ws://127.0.0.1:9")
        async with exchange:
            await exchange.ws_start()

    with pytest.raises(ExchangeRejected) as refused:
        asyncio.run(run())
    assert refused.value.code == "-2015"
    assert len(mock.seen("POST", PATH)) == 1  # a refusal is not retried like a lost answer
