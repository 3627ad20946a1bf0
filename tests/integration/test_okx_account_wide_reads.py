"""Account-wide reads on OKX (issue 14 P4) against the simulator: orders-algo-pending and
orders-pending without instId (paged by 100), mark-price for the whole instType."""

from decimal import Decimal

from domain.algo import AlgoOrder
from domain.orders import OrderStatus, Side
from domain.outcome import Accepted
from ports.exchange import ExchangeAdapter
from ports.exchange_types import PriceReading
from simulator.embedded import EmbeddedSimulator
from tests.integration.conftest import BTC
from tests.integration.test_okx_on_simulator import run

D = Decimal
ETH = "ETH-USDT-SWAP"
Reads = tuple[tuple[AlgoOrder, ...], tuple[OrderStatus, ...], tuple[PriceReading, ...]]


def test_open_orders_algos_and_marks_of_every_symbol(sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> Reads:
        for symbol, stop, mark in ((BTC, "29000", "30000"), (ETH, "1900", "2000")):
            sim.set_price(symbol, D(mark))
            placed = await ex.place_algo_stop(
                symbol=symbol, side=Side.SELL, qty=D("1"), stop_price=D(stop),
                reduce_only=True, client_algo_id=f"pxSLall{symbol[:3]}00",
                working_type="MARK_PRICE")
            assert isinstance(placed.outcome, Accepted)
        resting = await ex.place_limit_postonly(symbol=ETH, side=Side.BUY, qty=D("1"),
                                                price=D("1500"), tif="gtc", reduce_only=False,
                                                client_order_id="pxENallETH00")
        assert isinstance(resting.outcome, Accepted)
        return (await ex.get_all_open_algo_orders(), await ex.get_all_open_orders(),
                await ex.get_mark_prices())

    algos, orders, marks = run(sim, test)
    assert {(a.inst_id, a.client_algo_id) for a in algos} == {
        (BTC, "pxSLallBTC00"), (ETH, "pxSLallETH00")}
    assert [(o.inst_id, o.client_order_id) for o in orders] == [(ETH, "pxENallETH00")]
    by_symbol = {m.inst_id: m.price for m in marks}
    assert by_symbol[BTC] == D("30000") and by_symbol[ETH] == D("2000")
    sent = [str(r["query"]) for r in sim.requests()
            if str(r["path"]).endswith(("orders-algo-pending", "orders-pending", "mark-price"))]
    assert len(sent) == 3 and all("instId" not in query for query in sent)


def test_more_open_algo_orders_than_a_page_are_all_read(sim: EmbeddedSimulator) -> None:
    sim.set_price(ETH, D("2000"))
    for n in range(105):  # straight into the exchange: the point is the reading
        (placed,) = sim.core.place_algo({
            "instId": BTC if n % 2 else ETH, "tdMode": "cross", "side": "sell",
            "ordType": "conditional", "sz": "1", "reduceOnly": "true",
            "slTriggerPx": "29000" if n % 2 else "1900", "slOrdPx": "-1",
            "slTriggerPxType": "mark", "algoClOrdId": f"pxSLpage{n:03d}"})
        assert placed["sCode"] == "0", placed

    async def test(ex: ExchangeAdapter) -> tuple[AlgoOrder, ...]:
        return await ex.get_all_open_algo_orders()

    algos = run(sim, test)
    assert sorted(a.client_algo_id for a in algos) == [f"pxSLpage{n:03d}" for n in range(105)]
    pages = [r for r in sim.requests() if str(r["path"]).endswith("orders-algo-pending")]
    assert len(pages) == 2
