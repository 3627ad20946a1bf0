"""Every ExchangeAdapter method over loopback against the simulator, then the faults that matter:
an order accepted but its answer lost, clock skew, a fill racing a cancel, a late algo."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import attrs

from adapters.clock import SystemClock
from domain.algo import AlgoState, AlgoStopIntent, WorkingType
from domain.instrument import InstrumentSpec
from domain.orders import OrderIntent, OrderState, OrdType, PositionSide, Side
from domain.outcome import Accepted
from ports.exchange import ExchangeAdapter
from ports.exchange_events import AlgoUpdate, OrderUpdate, PriceUpdate
from ports.exchange_types import CancelDisposition
from simulator.embedded import EmbeddedSimulator
from tests.fakes import InMemoryEvidenceSink
from tests.integration.conftest import BTC, CREDENTIALS, adapter

D = Decimal


def run(sim: EmbeddedSimulator, test: Callable[[ExchangeAdapter], Awaitable[Any]],
        sink: InMemoryEvidenceSink | None = None, **config: Any) -> Any:
    async def scenario() -> Any:
        async with adapter(sim, sink, **config) as exchange:
            return await test(exchange)
    return asyncio.run(asyncio.wait_for(scenario(), 30))


async def until_status(ex: ExchangeAdapter, cid: str, state: OrderState) -> Any:
    for _ in range(100):
        found = await ex.get_order_status(symbol=BTC, order_id=None, client_order_id=cid)
        if found.status is not None and found.status.state is state:
            return found.status
        await asyncio.sleep(0.02)
    raise AssertionError(f"{cid} never reached {state}")


async def market_data(ex: ExchangeAdapter, spec_out: list[InstrumentSpec]) -> None:
    instruments = await ex.get_instruments()
    btc = instruments.find(BTC)
    assert btc is not None and btc.is_live
    spec_out.append(btc)
    assert (await ex.get_ticker(BTC)).last == D("30000")
    assert (await ex.get_last_price(BTC)).price == D("30000")
    assert (await ex.get_mark_price(BTC)).price == D("30000")
    band = await ex.get_price_limit(BTC)
    assert band.sell_limit < D("30000") < band.buy_limit
    await ex.get_funding_rate(BTC)
    await ex.get_open_interest(BTC)
    assert len((await ex.get_kline(BTC, "1m", 5)).bars) == 5
    assert abs((await ex.get_server_time()).ts_ms - SystemClock().now_ms()) < 5000


async def account(ex: ExchangeAdapter) -> None:
    assert (await ex.set_position_mode_one_way()).value == "net_mode"
    assert (await ex.get_account_config()).pos_mode == "net_mode"
    assert (await ex.get_balances()).total_equity > 0
    assert (await ex.get_balance_equity("USDT")).field_used == "details[ccy=USDT].eq"
    assert (await ex.set_leverage(BTC, 5)).value == "5"
    assert (await ex.get_positions()).by_symbol == {}


async def resting_order(ex: ExchangeAdapter) -> None:
    placed = await ex.place_limit_postonly(symbol=BTC, side=Side.BUY, qty=D("1"),
                                           price=D("29000"), tif="post_only",
                                           reduce_only=False, client_order_id="pxEN0it1a00")
    assert isinstance(placed.outcome, Accepted)
    assert [o.client_order_id for o in await ex.get_open_orders(BTC)] == ["pxEN0it1a00"]
    cancel = await ex.cancel_order(symbol=BTC, order_id=placed.order_id, client_order_id=None)
    assert cancel.disposition is CancelDisposition.CANCEL_ACCEPTED
    await until_status(ex, "pxEN0it1a00", OrderState.CANCELED)


async def position_with_stops(ex: ExchangeAdapter, btc: InstrumentSpec) -> None:
    entry = await ex.submit_order(OrderIntent(btc, Side.BUY, OrdType.MARKET, D("1"), None,
                                              False, "pxEN0it2a00"))
    assert isinstance(entry.outcome, Accepted)
    filled = await until_status(ex, "pxEN0it2a00", OrderState.FILLED)
    fills = await ex.get_fills(symbol=BTC, order_id=filled.order_id)
    assert sum(f.size for f in fills.fills) == D("1")
    held = (await ex.get_positions()).by_symbol[BTC]
    assert (held.side, held.qty) == (PositionSide.LONG, D("1"))
    stop = await ex.place_algo_stop(symbol=BTC, side=Side.SELL, qty=D("1"),
                                    stop_price=D("29000"), reduce_only=True,
                                    client_algo_id="pxSL0it2a00", working_type="MARK_PRICE")
    assert isinstance(stop.outcome, Accepted)
    assert [a.client_algo_id for a in await ex.get_open_algo_orders(BTC)] == ["pxSL0it2a00"]
    cancel = await ex.cancel_algo(symbol=BTC, algo_id=None, client_algo_id="pxSL0it2a00")
    assert cancel.disposition is CancelDisposition.CANCEL_ACCEPTED
    gone = await ex.get_algo_order(symbol=BTC, algo_id=stop.algo_id, client_algo_id=None)
    assert gone.algo_order is not None and gone.algo_order.state is AlgoState.CANCELED
    whole = await ex.submit_algo_stop(AlgoStopIntent(btc, Side.SELL, None, D("28000"),
                                                     "pxSL0it2a01", WorkingType.LAST_PRICE,
                                                     close_position=True))
    assert isinstance(whole.outcome, Accepted)
    cancel = await ex.cancel_algo(symbol=BTC, algo_id=whole.algo_id, client_algo_id=None)
    assert isinstance(cancel.outcome, Accepted)
    flat = await ex.place_market(symbol=BTC, side=Side.SELL, qty=D("1"), reduce_only=True,
                                 client_order_id="pxFL0it2a00")
    assert isinstance(flat.outcome, Accepted)
    await until_status(ex, "pxFL0it2a00", OrderState.FILLED)
    assert (await ex.get_positions()).by_symbol == {}


def test_every_adapter_method_over_loopback(sim: EmbeddedSimulator) -> None:
    sink = InMemoryEvidenceSink()

    async def test(ex: ExchangeAdapter) -> list[Any]:
        events = ex.subscribe()
        await ex.ws_start()
        btc: list[InstrumentSpec] = []
        await market_data(ex, btc)
        await account(ex)
        await resting_order(ex)
        await position_with_stops(ex, btc[0])
        seen = []
        while (event := await events.get(0.3)) is not None:
            seen.append(event)
        await ex.ws_stop()
        return seen

    seen = run(sim, test, sink, ws_symbols=(BTC,))
    kinds = {type(e) for e in seen}
    assert {OrderUpdate, AlgoUpdate, PriceUpdate} <= kinds
    assert any(isinstance(e, OrderUpdate) and e.trade is not None for e in seen)
    text = json.dumps([attrs.asdict(r) for r in sink.records], default=str)
    for value in CREDENTIALS.values():
        assert value not in text
    assert not [r for r in sink.records if r.outcome.startswith(("error", "unknown"))]
