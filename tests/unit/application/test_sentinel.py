"""The 1-second visibility sentinel, on a virtual clock."""

import asyncio
from decimal import Decimal

from application.sentinel import ensure_algo_visible
from domain.algo import AlgoStopIntent
from domain.orders import Side
from ports.errors import ExchangeUnavailable
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock


def place_stop(exchange: FakeExchange, cid: str = "pxSLabc00") -> None:
    intent = AlgoStopIntent(spec(), Side.SELL, Decimal("0.01"), Decimal("29000"), cid)
    asyncio.run(exchange.algos.submit_algo_stop(intent))


def test_a_stop_visible_at_once_is_confirmed_by_the_first_poll() -> None:
    exchange = FakeExchange(FakeClock())
    place_stop(exchange)
    seen = asyncio.run(ensure_algo_visible(exchange.algos, exchange.clock, symbol="BTC-USDT-SWAP",
                                           client_algo_id="pxSLabc00"))
    assert seen.visible and seen.via == "poll" and seen.polls == 1 and seen.elapsed_ms == 0


def test_a_stop_that_shows_up_after_400_ms_is_confirmed_before_the_deadline() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.algo_visibility_delay_s = 0.4
    place_stop(exchange)
    seen = asyncio.run(ensure_algo_visible(exchange.algos, exchange.clock, symbol="BTC-USDT-SWAP",
                                           client_algo_id="pxSLabc00"))
    assert seen.visible and 400 <= seen.elapsed_ms <= 520


def test_a_stop_hidden_for_1500_ms_is_not_confirmed_and_the_wait_ends_at_1_s() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.algo_visibility_delay_s = 1.5
    place_stop(exchange)
    seen = asyncio.run(ensure_algo_visible(exchange.algos, exchange.clock, symbol="BTC-USDT-SWAP",
                                           client_algo_id="pxSLabc00"))
    assert not seen.visible and 1000 <= seen.elapsed_ms <= 1000
    # polling stays within OKX's 20 requests / 2 s for orders-algo-pending
    assert seen.polls <= 11


def test_a_ws_push_confirms_between_polls() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.push_algo_updates = True
    exchange.script("get_open_algo_orders", ExchangeUnavailable("down"))
    sub = exchange.streams.subscribe()
    place_stop(exchange)
    seen = asyncio.run(ensure_algo_visible(exchange.algos, exchange.clock, symbol="BTC-USDT-SWAP",
                                           client_algo_id="pxSLabc00", subscription=sub))
    assert seen.visible and seen.via == "ws"


def test_another_stop_does_not_count() -> None:
    exchange = FakeExchange(FakeClock())
    place_stop(exchange, "pxSLother00")
    seen = asyncio.run(ensure_algo_visible(exchange.algos, exchange.clock, symbol="BTC-USDT-SWAP",
                                           client_algo_id="pxSLabc00"))
    assert not seen.visible


def test_failing_polls_do_not_count_as_visible() -> None:
    exchange = FakeExchange(FakeClock())
    place_stop(exchange)
    exchange.script("get_open_algo_orders", *[ExchangeUnavailable("down")] * 50)
    seen = asyncio.run(ensure_algo_visible(exchange.algos, exchange.clock, symbol="BTC-USDT-SWAP",
                                           client_algo_id="pxSLabc00"))
    assert not seen.visible
