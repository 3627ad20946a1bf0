"""halt / resume as pure rules over the exchange's view, and the recovery rule for a missing
stop (seed 001 §3 versus the store's proof)."""

from decimal import Decimal

import attrs
import pytest

from domain.algo import AlgoOrder, AlgoState, WorkingType
from domain.incident import (
    FOREVER,
    FlattenTarget,
    Held,
    halt_symbol,
    plan_halt,
    resume_symbol,
)
from domain.orders import OrderState, OrderStatus, PositionSide, Side
from domain.recovery_rules import MissingStopRepair, missing_stop_repair
from domain.state import CooldownUntil, HaltMark, PositionState, SlAlgo, SymbolState

D = Decimal
NOW = 1_700_000_000
BTC, ETH = "BTC-USDT-SWAP", "ETH-USDT-SWAP"


def order(inst: str, cid: str, oid: str = "o") -> OrderStatus:
    return OrderStatus(inst, oid + cid, cid, OrderState.LIVE, Side.SELL, "limit", D(1), D(100),
                       D(0), None, True, 0)


def algo(inst: str, cid: str, side: Side = Side.SELL, reduce_only: bool = True) -> AlgoOrder:
    return AlgoOrder(inst, "a" + cid, cid, AlgoState.LIVE, side, D(1), False, D(90),
                     WorkingType.MARK_PRICE, reduce_only, 0)


ENTRY = order(BTC, "pxENab00")           # ours, resting entry
TP = order(BTC, "pxT1ab00")              # ours, take-profit
MANUAL = order(ETH, "manual1")           # the operator's own order
STOP = algo(BTC, "pxSLab00")             # ours, protects the long BTC position
STRAY = algo(ETH, "pxSLcd00")            # ours, ETH is flat: protects nothing
FOREIGN_STOP = algo(BTC, "hand1")        # someone's reduce-only stop on the BTC long
FOREIGN_BUY = algo(ETH, "hand2", Side.BUY, reduce_only=False)
HELD = {BTC: Held(PositionSide.LONG, D(3))}
ORDERS, ALGOS = [ENTRY, TP, MANUAL], [STOP, STRAY, FOREIGN_STOP, FOREIGN_BUY]


def test_halt_keeps_positions_under_their_stops_and_cancels_the_rest_of_ours() -> None:
    plan = plan_halt(orders=ORDERS, algos=ALGOS, positions=HELD, all_orders=False,
                     flatten=False)
    assert plan.cancel_orders == (ENTRY, TP)
    assert plan.cancel_algos == (STRAY,)
    assert plan.keep_algos == (STOP, FOREIGN_STOP)
    assert (plan.flatten, plan.cancel_after_flat) == ((), ())
    assert plan.foreign == (f"order o{MANUAL.client_order_id} ({ETH})",
                            f"algo ahand1 ({BTC})", f"algo ahand2 ({ETH})")


def test_all_orders_cancels_foreign_orders_but_still_keeps_protective_stops() -> None:
    plan = plan_halt(orders=ORDERS, algos=ALGOS, positions=HELD, all_orders=True,
                     flatten=False)
    assert plan.cancel_orders == (ENTRY, TP, MANUAL)
    assert plan.cancel_algos == (STRAY, FOREIGN_BUY)
    assert plan.keep_algos == (STOP, FOREIGN_STOP)
    assert plan.foreign == ()


@pytest.mark.parametrize("all_orders", [False, True])
def test_flatten_closes_positions_first_and_drops_their_stops_after(all_orders: bool) -> None:
    held = {**HELD, ETH: Held(PositionSide.SHORT, D(2)), "X-USDT-SWAP": Held(PositionSide.NONE,
                                                                          D(0))}
    plan = plan_halt(orders=ORDERS, algos=ALGOS, positions=held, all_orders=all_orders,
                     flatten=True)
    assert plan.flatten == (FlattenTarget(BTC, PositionSide.LONG, D(3)),
                            FlattenTarget(ETH, PositionSide.SHORT, D(2)))
    # the stops stay until the exchange shows the position flat
    assert STOP in plan.cancel_after_flat and STOP not in plan.cancel_algos
    assert (FOREIGN_STOP in plan.cancel_after_flat) is all_orders
    assert FOREIGN_STOP in plan.keep_algos


def test_a_stop_on_the_wrong_side_or_not_reduce_only_protects_nothing() -> None:
    wrong_side = algo(BTC, "pxSLzz00", Side.BUY)
    opening = algo(BTC, "pxSLyy00", reduce_only=False)
    plan = plan_halt(orders=[], algos=[wrong_side, opening], positions=HELD, all_orders=False,
                     flatten=False)
    assert plan.cancel_algos == (wrong_side, opening) and plan.keep_algos == ()


def test_halt_freezes_until_resume_and_resume_restores_the_freeze_before() -> None:
    state = SymbolState(BTC, cooldown_until=CooldownUntil(freeze=NOW + 100))
    halted = halt_symbol(state, now=NOW, until=None, incident_id="inc1", reason="drill")
    assert halted.cooldown_until.freeze == FOREVER
    assert halted.halt == HaltMark(NOW, FOREVER, NOW + 100, "inc1", "drill")
    again = halt_symbol(halted, now=NOW + 5, until=NOW + 50, incident_id="inc2", reason="x")
    assert again.halt.prior_freeze == NOW + 100 and again.cooldown_until.freeze == FOREVER
    resumed = resume_symbol(halted)
    assert resumed.cooldown_until.freeze == NOW + 100 and not resumed.halt.active
    assert resume_symbol(resumed) == resumed


def test_a_timed_halt_and_a_later_longer_freeze() -> None:
    state = SymbolState(BTC)
    halted = halt_symbol(state, now=NOW, until=NOW + 600, incident_id="i", reason="r")
    assert halted.cooldown_until.freeze == NOW + 600
    # an emergency flatten during the halt froze the symbol beyond the halt's end
    longer = attrs.evolve(halted, cooldown_until=CooldownUntil(freeze=NOW + 1800))
    assert resume_symbol(longer).cooldown_until.freeze == NOW + 1800
    assert resume_symbol(halted).cooldown_until.freeze == 0


def test_a_missing_stop_is_recreated_only_with_the_stores_proof() -> None:
    proven = PositionState(side=PositionSide.LONG, sl_confirmed=True,
                           sl_algo=SlAlgo("a1", "pxSLab00"))
    assert missing_stop_repair(proven)[0] is MissingStopRepair.RECREATE
    assert "pxSLab00 was confirmed" in missing_stop_repair(proven)[1]
    for unproven in (attrs.evolve(proven, sl_confirmed=False),
                     attrs.evolve(proven, sl_algo=SlAlgo())):
        repair, why = missing_stop_repair(unproven)
        assert repair is MissingStopRepair.FLATTEN and "seed 001 §3" in why
