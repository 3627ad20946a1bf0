"""The admin read endpoints on the Binance face: the same JSON field names as on OKX, with
Binance symbols and base-asset sizes (see simulator/README.md, "Admin read rows per face")."""

from decimal import Decimal as D

from simulator.embedded import EmbeddedSimulator
from tests.simulator.binance_http import BinanceHttp


def test_admin_reads_show_symbols_and_base_asset_sizes(bnc: BinanceHttp,
                                                       bsim: EmbeddedSimulator) -> None:
    bnc.ok("POST", "/fapi/v1/order", symbol="BTCUSDC", side="BUY", type="MARKET",
           quantity="0.025", newClientOrderId="adm-entry")
    bnc.ok("POST", "/fapi/v1/algoOrder", algoType="CONDITIONAL", symbol="BTCUSDC",
           side="SELL", type="STOP_MARKET", triggerPrice="29000", closePosition="true",
           workingType="MARK_PRICE", clientAlgoId="adm-sl")
    bnc.ok("POST", "/fapi/v1/algoOrder", algoType="CONDITIONAL", symbol="BTCUSDC",
           side="SELL", type="TAKE_PROFIT_MARKET", triggerPrice="31000", quantity="0.01",
           reduceOnly="true", clientAlgoId="adm-tp")
    admin = bnc.http
    [order] = admin.get("/sim/orders", params={"instId": "BTCUSDC"}).json()["orders"]
    assert (order["instId"], order["clOrdId"], order["sz"], order["accFillSz"]) == (
        "BTCUSDC", "adm-entry", "0.025", "0.025")
    algos = {a["algoClOrdId"]: a for a in admin.get("/sim/algos").json()["algos"]}
    assert (algos["adm-sl"]["closeFraction"], algos["adm-sl"]["slTriggerPx"],
            algos["adm-sl"]["slTriggerPxType"], algos["adm-sl"]["slOrdPx"]) == (
        "1", "29000", "mark", "-1")
    assert (algos["adm-tp"]["sz"], algos["adm-tp"]["tpTriggerPx"],
            algos["adm-tp"]["tpTriggerPxType"]) == ("0.01", "31000", "last")
    assert admin.get("/sim/positions").json()["positions"] == [
        {"instId": "BTCUSDC", "pos": "0.025", "avgPx": order["avgPx"], "posSide": "net"}]
    [fill] = admin.get("/sim/fills").json()["fills"]
    assert (fill["fillSz"], D(fill["fillPx"])) == ("0.025", D(order["avgPx"]))
    bsim.set_price("BTCUSDC", D("30000"), mark=D("28990"))
    states = {a["algoClOrdId"]: a["state"] for a in admin.get("/sim/algos").json()["algos"]}
    assert states == {"adm-sl": "effective", "adm-tp": "live"}  # [U]: a qty TP stays NEW
