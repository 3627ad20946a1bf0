"""Small builders for domain tests: an instrument, a trade plan and entries, event replays."""

from collections.abc import Iterable
from decimal import Decimal

from domain.events import (
    EntryFilled,
    PositionEvent,
    StopConfirmed,
    StopMoved,
    Tp1Filled,
    Tp2Filled,
)
from domain.instrument import InstrumentSpec
from domain.orders import PositionSide
from domain.params import Params
from domain.plan import TradePlan
from domain.stage_machine import Decision, transition
from domain.state import PositionState

D = Decimal
SYMBOL = "BTC-USDC-SWAP"
NOW = 1_700_000_000
INTENT = "abc123"
PARAMS = Params()


def spec(tick: str = "0.1", lot: str = "1", min_sz: str = "1") -> InstrumentSpec:
    return InstrumentSpec(SYMBOL, "SWAP", "live", D(tick), D(lot), D(min_sz), D("0.01"), D(1),
                          "USDC")


SPEC = spec()


def long_entry(*, qty: str = "10", price: str = "100", stop: str = "90", tp1: str = "110",
               tp1_qty: str = "4", tp2: str = "120", tp2_qty: str = "4",
               tier: str = "A") -> EntryFilled:
    plan = TradePlan(PositionSide.LONG, D(qty), D(stop), D(tp1), D(tp1_qty), D(tp2),
                     D(tp2_qty), INTENT, tier)  # type: ignore[arg-type]
    return EntryFilled(plan, D(price), "ord1", "pxENabc12300")


def short_entry(*, qty: str = "10", price: str = "100", stop: str = "110", tp1: str = "90",
                tp1_qty: str = "4", tp2: str = "80", tp2_qty: str = "4",
                tier: str = "A") -> EntryFilled:
    plan = TradePlan(PositionSide.SHORT, D(qty), D(stop), D(tp1), D(tp1_qty), D(tp2),
                     D(tp2_qty), INTENT, tier)  # type: ignore[arg-type]
    return EntryFilled(plan, D(price), "ord1", "pxENabc12300")


CONFIRM = StopConfirmed(D(90), "algo1", "pxSLabc12300")


def step(state: PositionState, event: PositionEvent, *, now: int = NOW,
         params: Params = PARAMS, instrument: InstrumentSpec = SPEC) -> Decision:
    return transition(state, event, symbol=SYMBOL, now=now, params=params, spec=instrument)


def replay(events: Iterable[PositionEvent], state: PositionState | None = None) -> Decision:
    decision = Decision(state or PositionState())
    for event in events:
        decision = step(decision.state, event)
    return decision


def kinds(decision: Decision) -> list[str]:
    return [type(action).__name__ for action in decision.actions]


TP1 = Tp1Filled(D(4), D(110), "ord2", "pxT1abc12300")
TP2 = Tp2Filled(D(4), D(120), "ord3", "pxT2abc12300")
MOVED_BE = StopMoved(D(100), "algo2", "pxSLabc12301")
MOVED_TP1 = StopMoved(D(110), "algo3", "pxSLabc12302")


def pre_tp1() -> PositionState:
    return replay([long_entry(), CONFIRM]).state


def between() -> PositionState:
    return replay([TP1, MOVED_BE], pre_tp1()).state


def runner() -> PositionState:
    return replay([TP2, MOVED_TP1], between()).state
