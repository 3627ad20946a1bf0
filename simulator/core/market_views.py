"""OKX-shaped market data and account summaries computed from the core's state."""

from decimal import Decimal

from simulator.core.candles import DAY_MS, UTC8_MS, Bar
from simulator.core.models import ZERO
from simulator.core.numbers import ceil_to, floor_to, fmt
from simulator.core.state import ExchangeState

FUNDING_PERIOD_MS = 8 * 3600 * 1000
BASE_OPEN_INTEREST = Decimal(250_000)


def ticker_view(state: ExchangeState, inst_id: str) -> dict[str, object]:
    inst = state.instruments[inst_id]
    quote = state.quotes[inst_id]
    now = state.now()
    book = state.candles[inst_id]
    book.roll(now, quote.last)
    day = book.window(now - DAY_MS)
    vol = sum((bar[5] for bar in day), ZERO)
    return {
        "instType": "SWAP", "instId": inst_id, "last": fmt(quote.last), "lastSz": "1",
        "askPx": fmt(quote.last + inst.tick_sz), "askSz": "120",
        "bidPx": fmt(quote.last - inst.tick_sz), "bidSz": "95",
        "open24h": fmt(day[0][1]), "high24h": fmt(max(bar[2] for bar in day)),
        "low24h": fmt(min(bar[3] for bar in day)), "volCcy24h": fmt(vol * inst.ct_val),
        "vol24h": fmt(vol), "sodUtc0": fmt(_open_since(book.window(now // DAY_MS * DAY_MS))),
        "sodUtc8": fmt(_open_since(book.window(
            (now + UTC8_MS) // DAY_MS * DAY_MS - UTC8_MS))), "ts": str(now),
    }


def _open_since(bars: list[Bar]) -> Decimal | None:
    return Decimal(bars[0][1]) if bars else None


def mark_view(state: ExchangeState, inst_id: str) -> dict[str, object]:
    return {"instType": "SWAP", "instId": inst_id,
            "markPx": fmt(state.quotes[inst_id].mark), "ts": str(state.now())}


def price_band(state: ExchangeState, inst_id: str) -> tuple[Decimal, Decimal]:
    """(buyLmt, sellLmt): the highest price a buy may carry, the lowest a sell may carry."""
    tick = state.instruments[inst_id].tick_sz
    mark = state.quotes[inst_id].mark
    band = state.config.band_pct
    return floor_to(mark * (1 + band), tick), ceil_to(mark * (1 - band), tick)


def price_limit_view(state: ExchangeState, inst_id: str) -> dict[str, object]:
    buy, sell = price_band(state, inst_id)
    return {"instType": "SWAP", "instId": inst_id, "buyLmt": fmt(buy), "sellLmt": fmt(sell),
            "ts": str(state.now()), "enabled": True}


def funding_view(state: ExchangeState, inst_id: str) -> dict[str, object]:
    inst = state.instruments[inst_id]
    now = state.now()
    funding_time = (now // FUNDING_PERIOD_MS + 1) * FUNDING_PERIOD_MS
    return {
        "instType": "SWAP", "instId": inst_id, "method": "current_period",
        "formulaType": "noRate", "fundingRate": fmt(inst.funding_rate),
        "nextFundingRate": "", "fundingTime": str(funding_time),
        "nextFundingTime": str(funding_time + FUNDING_PERIOD_MS),
        "minFundingRate": "-0.0075", "maxFundingRate": "0.0075", "interestRate": "0.0001",
        "impactValue": "20000", "settState": "settled", "settFundingRate": fmt(inst.funding_rate),
        "premium": "0.0001", "sign": "", "ts": str(now),
    }


def open_interest_view(state: ExchangeState, inst_id: str) -> dict[str, object]:
    inst = state.instruments[inst_id]
    held = sum((abs(p.pos) for p in state.account.open_positions() if p.inst_id == inst_id),
               ZERO)
    oi = BASE_OPEN_INTEREST + held
    oi_ccy = oi * inst.ct_val
    return {"instType": "SWAP", "instId": inst_id, "oi": fmt(oi), "oiCcy": fmt(oi_ccy),
            "oiUsd": fmt(oi_ccy * state.quotes[inst_id].mark), "ts": str(state.now())}
