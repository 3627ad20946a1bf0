"""Account-wide reads on Binance (issue 14 P4) against the simulator's Binance face: openAlgoOrders,
openOrders and premiumIndex without a symbol, each item naming its symbol."""

from decimal import Decimal

from domain.algo import AlgoOrder
from domain.orders import OrderStatus, Side
from domain.outcome import Accepted
from ports.exchange import ExchangeAdapter
from ports.exchange_types import PriceReading
from simulator.embedded import EmbeddedSimulator
from tests.adapters.binance.sim_support import BTC, run

D = Decimal
ETH = "ETHUSDC"
Reads = tuple[tuple[AlgoOrder, ...], tuple[OrderStatus, ...], tuple[PriceReading, ...]]


def test_open_orders_algos_and_marks_of_every_symbol_in_one_request_each(
        sim: EmbeddedSimulator) -> None:
    async def test(ex: ExchangeAdapter) -> Reads:
        for symbol, qty, stop, mark in ((BTC, "0.01", "29000", "30000"),
                                        (ETH, "0.1", "1900", "2000")):
            sim.set_price(symbol, D(mark))
            placed = await ex.place_algo_stop(
                symbol=symbol, side=Side.SELL, qty=D(qty), stop_price=D(stop),
                reduce_only=True, client_algo_id=f"pxSLall{symbol[:3]}00",
                working_type="MARK_PRICE")
            assert isinstance(placed.outcome, Accepted)
        resting = await ex.place_limit_postonly(symbol=ETH, side=Side.BUY, qty=D("0.1"),
                                                price=D("1500"), tif="gtc", reduce_only=False,
                                                client_order_id="pxENallETH00")
        assert isinstance(resting.outcome, Accepted)
        return (await ex.get_all_open_algo_orders(), await ex.get_all_open_orders(),
                await ex.get_mark_prices())

    algos, orders, marks = run(sim, test)
    assert {(a.inst_id, a.client_algo_id) for a in algos} == {
        (BTC, "pxSLallBTC00"), (ETH, "pxSLallETH00")}
    assert [(o.inst_id, o.client_order_id) for o in orders] == [
        (ETH, "pxENallETH00")]
    by_symbol = {m.inst_id: m.price for m in marks}
    assert by_symbol[BTC] == D("30000") and by_symbol[ETH] == D("2000")
    sent = {(str(r["path"]), str(r["query"])) for r in sim.requests()
            if str(r["path"]) in ("/fapi/v1/openAlgoOrders", "/fapi/v1/openOrders",
                                  "/fapi/v1/premiumIndex")}
    assert sent and all("symbol=" not in query for _, query in sent)
