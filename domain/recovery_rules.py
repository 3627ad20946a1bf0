"""Pure rules for protection recovery (seed §1.5 recover_protection): is an existing stop good
enough, and what to do with a position the engine has no plan for."""

import enum
from collections.abc import Sequence
from decimal import Decimal

from domain.actions import EmergencyFlatten, PlaceProtection
from domain.algo import AlgoOrder
from domain.errors import InvalidIntent
from domain.instrument import InstrumentSpec
from domain.orders import PositionSide
from domain.params import Params, UnknownPositionPolicy
from domain.state import PositionState


def stop_within_tolerance(actual: Decimal, desired: Decimal, spec: InstrumentSpec,
                          params: Params) -> bool:
    """True when the triggers differ by at most protection.stop_deviation_ticks ticks."""
    return abs(actual - desired) <= spec.tick_sz * params.protection.stop_deviation_ticks


def stop_problem(observed: AlgoOrder | None, *, position_side: PositionSide, qty: Decimal,
                 stop_price: Decimal, spec: InstrumentSpec, params: Params) -> str | None:
    """Why the observed stop cannot protect this position (None: it can, keep it)."""
    if observed is None:
        return "no stop among the open algo orders"
    if not observed.state.is_open:
        return f"stop {observed.client_algo_id} is {observed.state.value}, not open"
    if observed.side is not position_side.exit_side:
        return f"stop side {observed.side.value} does not close a {position_side.value} position"
    if not (observed.reduce_only or observed.close_position):
        return "stop is not reduce-only"
    if not observed.close_position and observed.size != qty:
        return f"stop size {observed.size} differs from the position's {qty}"
    if observed.stop_price is None:
        return "stop has no trigger price"
    if not stop_within_tolerance(observed.stop_price, stop_price, spec, params):
        ticks = params.protection.stop_deviation_ticks
        return (f"trigger {observed.stop_price} is more than {ticks} ticks from the desired "
                f"{stop_price}")
    return None


def default_stop_price(position_side: PositionSide, entry_price: Decimal, mark_price: Decimal,
                       spec: InstrumentSpec, params: Params) -> Decimal:
    """A stop for a position without a plan: unknown_position_stop_fraction beyond the worse of
    entry and mark, so it never sits on the wrong side of the market."""
    fraction = params.protection.unknown_position_stop_fraction
    if position_side is PositionSide.LONG:
        base = min(entry_price, mark_price)
        return spec.price_floor(base * (1 - fraction))
    if position_side is PositionSide.SHORT:
        base = max(entry_price, mark_price)
        return spec.price_ceil(base * (1 + fraction))
    raise InvalidIntent("a flat position needs no stop")


def adopt_unknown_position(*, symbol: str, intent_id: str, position_side: PositionSide,
                           qty: Decimal, entry_price: Decimal, mark_price: Decimal,
                           spec: InstrumentSpec,
                           params: Params) -> PlaceProtection | EmergencyFlatten:
    """Per protection.unknown_position_policy: protect it with a default stop, or flatten it."""
    if params.protection.unknown_position_policy is UnknownPositionPolicy.FLATTEN:
        return EmergencyFlatten(symbol, intent_id, position_side, qty,
                                "unknown position: policy is flatten")
    stop = default_stop_price(position_side, entry_price, mark_price, spec, params)
    return PlaceProtection(symbol, intent_id, position_side.exit_side, qty, stop,
                           "unknown position: default stop")


def protection_gap(position_side: PositionSide, qty: Decimal,
                   stops: Sequence[AlgoOrder]) -> str:
    """Why a position is not protected by exactly one open stop of ours ("" when it is).

    stops are our open algo orders of the symbol. A stop larger than the position still closes
    all of it (reduce-only), so it protects; one smaller leaves a part unprotected.
    """
    if position_side is PositionSide.NONE or qty <= 0:
        return f"{len(stops)} stop(s) of ours without a position" if stops else ""
    if not stops:
        return f"{position_side.value} {qty} has no stop"
    if len(stops) > 1:
        return f"{position_side.value} {qty} has {len(stops)} stops: " + \
            ", ".join(s.client_algo_id for s in stops)
    (stop,) = stops
    if stop.side is not position_side.exit_side or not (stop.reduce_only or stop.close_position):
        return f"stop {stop.client_algo_id} does not close the {position_side.value} position"
    if not stop.close_position and (stop.size or Decimal(0)) < qty:
        return f"stop {stop.client_algo_id} covers {stop.size} of {qty}"
    return ""


class MissingStopRepair(enum.Enum):
    RECREATE = "recreate"
    FLATTEN = "flatten"


def missing_stop_repair(pos: PositionState) -> tuple[MissingStopRepair, str]:
    """A held position whose stop is not among the open algo orders at recovery.

    Seed 001 §3 makes an invisible stop a P0 emergency flatten. The one exception: the store
    proves the position was protected until the engine went down (its stop was confirmed
    visible and is named), so the gap opened while we were away and re-creating the stop
    closes it; without that proof the position is flattened as the seed says.
    """
    stop = pos.sl_algo.client_algo_id
    if pos.sl_confirmed and stop:
        return MissingStopRepair.RECREATE, (f"stop {stop} was confirmed before the engine "
                                            "stopped: re-create it")
    return MissingStopRepair.FLATTEN, ("no confirmed stop on record for this position "
                                       "(seed 001 §3: flatten)")
