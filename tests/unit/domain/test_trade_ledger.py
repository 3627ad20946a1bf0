"""From the exchange's fills and order statuses to trades, limit exits and execution records."""

from decimal import Decimal

import pytest

from domain.health import realised_r
from domain.orders import ExchangeTrade, OrderState, OrderStatus, PositionSide, Side
from domain.records import ExitKind, LimitExit
from domain.trade_ledger import (
    LedgerError,
    closed_trade,
    exec_fills,
    limit_exits,
    limit_order_record,
    trade_fills,
)
from tests.unit.domain.builders import SPEC

D = Decimal
SYM = SPEC.inst_id
BUY, SELL = Side.BUY, Side.SELL


def fill(tid: str, oid: str, cid: str, side: Side, px: str, sz: str, ts: int,
         fee: str = "0") -> ExchangeTrade:
    return ExchangeTrade(SYM, tid, oid, cid, side, D(px), D(sz), D(fee), "USDC", ts)


def order(oid: str, cid: str, state: OrderState, *, ord_type: str = "limit",
          px: str | None = "100", size: str = "1", filled: str = "0",
          ts: int = 0) -> OrderStatus:
    return OrderStatus(SYM, oid, cid, state, SELL, ord_type, D(size),
                       None if px is None else D(px), D(filled), None, True, ts)


def test_only_terminal_limit_orders_become_records() -> None:
    done = order("o1", "c1", OrderState.CANCELED, size="10", filled="4", ts=77)
    record = limit_order_record(done, bid=D(99), ask=D(101))
    assert record is not None
    assert (record.order_id, record.size, record.filled, record.done_ms, record.bid) == (
        "o1", D(10), D(4), 77, D(99))
    assert limit_order_record(order("o2", "c", OrderState.LIVE), bid=None, ask=None) is None
    market = order("o3", "c", OrderState.FILLED, ord_type="market", px=None, filled="1")
    assert limit_order_record(market, bid=None, ask=None) is None
    post = order("o4", "c", OrderState.FILLED, ord_type="post_only", filled="1")
    assert limit_order_record(post, bid=None, ask=None) is not None


FILLS = [
    fill("t0", "old", "x", SELL, "90", "1", 0),             # an earlier trade's exit
    fill("t1", "e1", "pxENab00", BUY, "100", "2", 10),
    fill("t2", "e1", "pxENab00", BUY, "101", "2", 11),
    fill("t3", "tp1", "pxT1ab00", SELL, "110", "2", 20, "-0.1"),
    fill("t4", "sl", "", SELL, "95", "2", 30, "-0.2"),
    fill("t5", "e2", "pxENcd00", BUY, "96", "1", 40),        # the next trade starts
]


def test_a_trade_is_the_run_of_fills_from_the_entry_to_flat() -> None:
    run = trade_fills(FILLS, entry_order_ids=frozenset({"e1"}), side=PositionSide.LONG)
    assert [f.trade_id for f in run] == ["t1", "t2", "t3", "t4"]
    shuffled = list(reversed(FILLS))
    assert trade_fills(shuffled, entry_order_ids=frozenset({"e1"}),
                       side=PositionSide.LONG) == run


def test_an_open_or_missing_trade_is_not_a_closed_one() -> None:
    with pytest.raises(LedgerError, match="still open: 2"):
        trade_fills(FILLS[:4], entry_order_ids=frozenset({"e1"}), side=PositionSide.LONG)
    with pytest.raises(LedgerError, match="no fill of the entry"):
        trade_fills(FILLS, entry_order_ids=frozenset({"nope"}), side=PositionSide.LONG)


def test_a_short_trade() -> None:
    fills = [fill("a", "e", "pxENab00", SELL, "100", "3", 1),
             fill("b", "x", "pxFLab00", BUY, "104", "3", 2, "-0.3")]
    trade = closed_trade(fills, [], intent_id="ab", template="T", side=PositionSide.SHORT,
                         risk_per_unit=D(4), spec=SPEC, entry_order_ids=frozenset({"e"}))
    # -4 x 3 contracts x 0.01 = -0.12, fee -0.3: -0.42 over R 4 x 3 x 0.01 = 0.12
    assert realised_r(trade) == D("-3.5")
    assert trade.closed_ts == 0 and trade.template == "T"


def test_closed_trade_from_the_exchange_reports() -> None:
    orders = [order("tp1", "pxT1ab00", OrderState.FILLED, filled="2"),
              order("tp2", "pxT2ab00", OrderState.CANCELED)]
    trade = closed_trade(FILLS, orders, intent_id="ab", template="brk", side=PositionSide.LONG,
                         risk_per_unit=D(10), spec=SPEC, entry_order_ids=frozenset({"e1"}))
    assert [f.order_id for f in trade.fills] == ["e1", "e1", "tp1", "sl"]
    assert trade.limit_exits == (LimitExit(ExitKind.TP1, "pxT1ab00", False),)
    assert trade.contract_value == D("0.01") and trade.settle_ccy == "USDC"
    # (220 + 190 - 200 - 202) x 0.01 - 0.3 = -0.22 over 10 x 4 x 0.01 = 0.4
    assert realised_r(trade) == D("-0.55")


@pytest.mark.parametrize(("orders", "expected"), [
    ([order("r", "pxRLab00", OrderState.FILLED, filled="1")],
     (LimitExit(ExitKind.RUNNER, "pxRLab00", False),)),
    ([order("r", "pxRLab00", OrderState.CANCELED),
      order("m", "pxRMab00", OrderState.FILLED, ord_type="market", px=None, filled="1")],
     (LimitExit(ExitKind.RUNNER, "pxRLab00", True),)),
    # a regime exit goes to market at once: not a limit-first exit
    ([order("m", "pxRMab00", OrderState.FILLED, ord_type="market", px=None, filled="1")], ()),
    ([order("t", "pxT2ab00", OrderState.FILLED, filled="1"),
      order("o", "pxT1zz00", OrderState.FILLED, filled="1")],     # another intent's TP
     (LimitExit(ExitKind.TP2, "pxT2ab00", False),)),
])
def test_limit_first_exits(orders: list[OrderStatus], expected: tuple[LimitExit, ...]) -> None:
    assert limit_exits(orders, "ab") == expected


def test_execution_records_carry_the_price_meant() -> None:
    orders = [order("rl", "pxRLab00", OrderState.CANCELED, px="120"),
              order("rm", "pxRMab00", OrderState.FILLED, ord_type="market", px=None),
              order("t1", "pxT1ab00", OrderState.FILLED, px="110"),
              order("fl", "pxFLab00", OrderState.FILLED, ord_type="market", px=None)]
    fills = [fill("a", "t1", "pxT1ab00", SELL, "110", "1", 1),
             fill("b", "rm", "pxRMab00", SELL, "119", "1", 2),
             fill("c", "fl", "pxFLab00", SELL, "98", "1", 3),
             fill("d", "sl", "", SELL, "89", "1", 4)]
    got = exec_fills(fills, orders, intended={"pxFLab00": D(100), "sl": D(90)},
                     trade_risk=D(20))
    assert [(f.trade_id, f.intended_px, f.market_fallback, f.slippage_r) for f in got] == [
        ("a", D(110), False, D(0)), ("b", D(120), True, D("0.05")),
        ("c", D(100), False, D("0.1")), ("d", D(90), False, D("0.05"))]
    unknown = exec_fills(fills[2:], orders, intended={}, trade_risk=D(20))
    assert unknown == ()
