"""Instrument specs and the two catalogues: OKX swaps (sizes in contracts of ct_val base each)
and Binance USDⓈ-M perpetuals (sizes in the base asset: ct_val 1)."""

from dataclasses import dataclass, replace
from decimal import Decimal

from simulator.core.numbers import fmt

TRADABLE_STATES = ("live",)
# listTime of the catalogue (2019-12-11, roughly when OKX listed USDT swaps)
LIST_TIME_MS = 1576060800000


@dataclass(slots=True)
class Instrument:
    inst_id: str
    inst_id_code: int
    settle_ccy: str
    ct_val: Decimal
    lot_sz: Decimal
    min_sz: Decimal
    tick_sz: Decimal
    max_lever: int
    start_price: Decimal
    state: str = "live"
    list_time: int = LIST_TIME_MS
    max_lmt_sz: Decimal = Decimal("100000000")
    max_mkt_sz: Decimal = Decimal("10000")
    funding_rate: Decimal = Decimal("0.0001")
    base: str = ""                    # base asset, when the id does not say it (BTCUSDC)
    min_notional: Decimal = Decimal(0)  # smallest order value (0: no such rule)
    max_orders: int = 0                 # open orders per instrument (0: no cap modelled)
    max_algos: int = 0                  # open conditional orders per instrument

    @property
    def base_ccy(self) -> str:
        return self.base or self.inst_id.split("-")[0]

    @property
    def inst_family(self) -> str:
        return "-".join(self.inst_id.split("-")[:2])

    def to_wire(self) -> dict[str, object]:
        return {
            "instType": "SWAP", "instId": self.inst_id, "instIdCode": self.inst_id_code,
            "uly": self.inst_family, "instFamily": self.inst_family, "baseCcy": "",
            "quoteCcy": "", "settleCcy": self.settle_ccy, "ctVal": fmt(self.ct_val),
            "ctMult": "1", "ctValCcy": self.base_ccy, "ctType": "linear", "optType": "",
            "stk": "", "listTime": str(self.list_time), "contTdSwTime": str(self.list_time),
            "expTime": "", "lever": str(self.max_lever), "tickSz": fmt(self.tick_sz),
            "lotSz": fmt(self.lot_sz), "minSz": fmt(self.min_sz), "alias": "",
            "state": self.state, "ruleType": "normal", "category": "1",
            "maxLmtSz": fmt(self.max_lmt_sz), "maxMktSz": fmt(self.max_mkt_sz),
            "maxLmtAmt": "20000000", "maxMktAmt": "", "maxTwapSz": fmt(self.max_lmt_sz),
            "maxIcebergSz": fmt(self.max_lmt_sz), "maxTriggerSz": fmt(self.max_lmt_sz),
            "maxStopSz": fmt(self.max_mkt_sz), "openType": "", "futureSettlement": False,
            "tradeQuoteCcyList": [], "instCategory": "1",
        }


def _swap(inst_id: str, code: int, ct_val: str, tick: str, lever: int, price: str,
          state: str = "live") -> Instrument:
    settle = inst_id.split("-")[1]
    return Instrument(inst_id=inst_id, inst_id_code=code, settle_ccy=settle,
                      ct_val=Decimal(ct_val), lot_sz=Decimal("0.01"), min_sz=Decimal("0.01"),
                      tick_sz=Decimal(tick), max_lever=lever, start_price=Decimal(price),
                      state=state)


def default_instruments(now_ms: int) -> list[Instrument]:
    """The catalogue: four live USDT/USDC swaps, one suspended, one not yet listed."""
    preopen = _swap("ZRO-USDT-SWAP", 10107, "1", "0.001", 20, "4.2", state="preopen")
    return [
        _swap("BTC-USDT-SWAP", 10101, "0.01", "0.1", 100, "30000"),
        _swap("ETH-USDT-SWAP", 10102, "0.1", "0.01", 100, "2000"),
        _swap("BTC-USDC-SWAP", 10103, "0.0001", "0.1", 100, "30000"),
        _swap("ETH-USDC-SWAP", 10104, "0.001", "0.01", 100, "2000"),
        _swap("LTC-USDT-SWAP", 10105, "1", "0.01", 50, "70", state="suspend"),
        replace(preopen, list_time=now_ms + 7 * 24 * 3600 * 1000),
    ]


def _perp(symbol: str, quote: str, tick: str, step: str, price: str, lever: int,
          notional: str, max_qty: str, max_market: str, state: str = "live") -> Instrument:
    return Instrument(inst_id=symbol, inst_id_code=0, settle_ccy=quote, ct_val=Decimal(1),
                      lot_sz=Decimal(step), min_sz=Decimal(step), tick_sz=Decimal(tick),
                      max_lever=lever, start_price=Decimal(price), state=state,
                      max_lmt_sz=Decimal(max_qty), max_mkt_sz=Decimal(max_market),
                      base=symbol[: -len(quote)], min_notional=Decimal(notional),
                      max_orders=200, max_algos=10)


def binance_instruments(now_ms: int) -> list[Instrument]:
    """USDC-margined perpetuals, two USDT ones, one settling and one not yet trading."""
    pending = _perp("ZROUSDC", "USDC", "0.001", "0.1", "4.2", 20, "5", "100000", "20000",
                    state="preopen")
    return [
        _perp("BTCUSDC", "USDC", "0.1", "0.001", "30000", 125, "5", "1000", "120"),
        _perp("ETHUSDC", "USDC", "0.01", "0.001", "2000", 100, "5", "10000", "2000"),
        _perp("SOLUSDC", "USDC", "0.01", "0.01", "150", 75, "5", "100000", "20000"),
        _perp("BNBUSDC", "USDC", "0.01", "0.01", "600", 75, "5", "10000", "2000"),
        _perp("XRPUSDC", "USDC", "0.0001", "0.1", "0.6", 75, "5", "10000000", "1000000"),
        _perp("BTCUSDT", "USDT", "0.1", "0.001", "30000", 125, "100", "1000", "120"),
        _perp("ETHUSDT", "USDT", "0.01", "0.001", "2000", 100, "20", "10000", "2000"),
        _perp("LTCUSDC", "USDC", "0.01", "0.001", "70", 50, "5", "10000", "2000",
              state="suspend"),
        replace(pending, list_time=now_ms + 7 * 24 * 3600 * 1000),
    ]


def catalogue(exchange: str, now_ms: int) -> list[Instrument]:
    if exchange == "binance":
        return binance_instruments(now_ms)
    return default_instruments(now_ms)
