"""Hypothesis strategies for the exchange-observed records of the rolling blocks."""

from decimal import Decimal

from hypothesis import strategies as st

from domain.orders import OrderState, PositionSide, Side
from domain.records import (
    ClosedTrade,
    ExecFill,
    ExitKind,
    KlineClose,
    LimitExit,
    LimitOrderRecord,
    PriceObservation,
    TradeFill,
)

D = Decimal
prices = st.integers(min_value=1, max_value=200_000).map(lambda c: D(c) / 100)
sizes = st.integers(min_value=1, max_value=500).map(D)
times = st.integers(min_value=0, max_value=10_000)


@st.composite
def limit_orders(draw: st.DrawFn) -> LimitOrderRecord:
    size = draw(sizes)
    state = draw(st.sampled_from([OrderState.FILLED, OrderState.CANCELED,
                                  OrderState.MMP_CANCELED]))
    filled = size if state is OrderState.FILLED else D(draw(st.integers(0, int(size))))
    bid = draw(st.none() | prices)
    ask = None if bid is None else bid + draw(st.integers(0, 500).map(lambda c: D(c) / 100))
    return LimitOrderRecord(f"o{draw(times)}", "c", state, size, filled, draw(prices), bid, ask,
                            draw(times))


@st.composite
def exec_fills(draw: st.DrawFn) -> ExecFill:
    return ExecFill("t", "o", "c", draw(prices), draw(prices), draw(sizes),
                    draw(st.integers(1, 10_000).map(D)), draw(st.booleans()), draw(times))


@st.composite
def closed_trades(draw: st.DrawFn) -> ClosedTrade:
    side = draw(st.sampled_from([PositionSide.LONG, PositionSide.SHORT]))
    qty = draw(sizes)
    cut = D(draw(st.integers(0, int(qty))))
    entry, exits = side.entry_side, side.exit_side
    fees = st.integers(-500, 50).map(lambda c: D(c) / 100)
    fills = [TradeFill("e", "ce", entry, draw(prices), qty, draw(fees), "USDC", 0)]
    for part in (cut, qty - cut):
        if part > 0:
            fills.append(TradeFill("x", "cx", exits, draw(prices), part, draw(fees), "USDC", 1))
    limit = draw(st.lists(st.builds(LimitExit, st.sampled_from(list(ExitKind)), st.just("c"),
                                    st.booleans()), max_size=3))
    return ClosedTrade("BTC-USDC-SWAP", draw(st.sampled_from(["T", "U", ""])), side,
                       draw(st.integers(1, 5000).map(lambda c: D(c) / 100)),
                       draw(st.sampled_from([D("0.01"), D(1), D("0.1")])), "USDC",
                       tuple(fills), tuple(limit), draw(times))


def kline_series(start_ms: int) -> st.SearchStrategy[list[KlineClose]]:
    """Mostly consecutive 1-minute bars, with some gaps and the odd repeated bar."""
    steps = st.lists(st.sampled_from([1, 1, 1, 1, 2, 0]), min_size=80, max_size=120)
    closes = st.lists(st.integers(9_000, 11_000).map(D), min_size=121, max_size=121)

    def build(pair: tuple[list[int], list[Decimal]]) -> list[KlineClose]:
        gaps, values = pair
        ts, out = start_ms, []
        for gap, close in zip([1, *gaps], values, strict=False):
            ts += gap * 60_000
            out.append(KlineClose(ts, close))
        return out
    return st.tuples(steps, closes).map(build)


def observations() -> st.SearchStrategy[list[PriceObservation]]:
    return st.lists(st.builds(PriceObservation, st.integers(0, 400_000),
                              st.integers(9_000, 11_000).map(D)), min_size=0, max_size=40)


SIDES = (Side.BUY, Side.SELL)
