"""The incident STOP of seed 000 §6 as pure rules: what `halt` cancels, keeps and flattens, the
freeze it sets and how `resume` lifts it.

Decided from the exchange's view alone (open orders, open algos, positions), so it works when
the state store cannot be read. "Ours" is a client id the engine allocated (domain/ids.py);
--all-orders widens every cancel to orders that are not ours.

- Without --flatten, positions stay under their stops: an algo that would close a held position
  (exit side, reduce-only or close-position) is kept, whoever placed it; every other working
  order and algo of ours (all, with --all-orders) is cancelled.
- With --flatten, each position is closed reduce-only at market first, while its stops still
  stand; the stops are cancelled only once the exchange shows the position flat.
- The freeze: cooldown_until.freeze is raised to the halt's end (FOREVER until `resume`), and
  the freeze it replaced is remembered, so resume restores it unless another lock moved the
  freeze past the halt's in the meantime.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from domain.algo import AlgoOrder
from domain.ids import parse_client_id
from domain.orders import OrderStatus, PositionSide
from domain.state import HaltMark, SymbolState

FOREVER = 253_402_300_799  # 9999-12-31T23:59:59Z: frozen until resume


@attrs.frozen
class Held:
    """A position the exchange shows."""

    side: PositionSide
    qty: Decimal


@attrs.frozen
class FlattenTarget:
    symbol: str
    side: PositionSide
    qty: Decimal


@attrs.frozen
class HaltPlan:
    cancel_orders: tuple[OrderStatus, ...]
    cancel_algos: tuple[AlgoOrder, ...]
    keep_algos: tuple[AlgoOrder, ...]
    flatten: tuple[FlattenTarget, ...]
    # stops cancelled only once their position is confirmed flat
    cancel_after_flat: tuple[AlgoOrder, ...]
    # orders and algos left alone because they are not ours (no --all-orders)
    foreign: tuple[str, ...]


def is_ours(client_id: str) -> bool:
    return parse_client_id(client_id) is not None


def protects(algo: AlgoOrder, held: Held | None) -> bool:
    """Would this algo close (part of) the held position?"""
    if held is None or held.side is PositionSide.NONE or held.qty <= 0:
        return False
    return algo.side is held.side.exit_side and (algo.reduce_only or algo.close_position)


def plan_halt(*, orders: Sequence[OrderStatus], algos: Sequence[AlgoOrder],
              positions: Mapping[str, Held], all_orders: bool, flatten: bool) -> HaltPlan:
    cancel_orders = tuple(o for o in orders if all_orders or is_ours(o.client_order_id))
    foreign = [f"order {o.order_id} ({o.inst_id})" for o in orders if o not in cancel_orders]
    mine = [a for a in algos if all_orders or is_ours(a.client_algo_id)]
    foreign += [f"algo {a.algo_id} ({a.inst_id})" for a in algos if a not in mine]
    guarding = [a for a in algos if protects(a, positions.get(a.inst_id))]
    targets = tuple(FlattenTarget(symbol, held.side, held.qty)
                    for symbol, held in sorted(positions.items())
                    if flatten and held.side is not PositionSide.NONE and held.qty > 0)
    if flatten:
        after = tuple(a for a in mine if a in guarding)
        now = tuple(a for a in mine if a not in guarding)
        return HaltPlan(cancel_orders, now, tuple(guarding), targets, after, tuple(foreign))
    now = tuple(a for a in mine if a not in guarding)
    return HaltPlan(cancel_orders, now, tuple(guarding), (), (), tuple(foreign))


def halt_symbol(state: SymbolState, *, now: int, until: int | None, incident_id: str,
                reason: str) -> SymbolState:
    """Freeze the symbol until `until` (None: until resume). A second halt keeps the first
    halt's prior freeze, so resume still restores what was there before any halt."""
    end = FOREVER if until is None else until
    prior = state.halt.prior_freeze if state.halt.active else state.cooldown_until.freeze
    freeze = max(state.cooldown_until.freeze, end)
    mark = HaltMark(now, end, prior, incident_id, reason)
    return attrs.evolve(state, halt=mark,
                        cooldown_until=attrs.evolve(state.cooldown_until, freeze=freeze))


def resume_symbol(state: SymbolState) -> SymbolState:
    """Lift the halt's freeze; a freeze another lock set beyond the halt's end stays."""
    if not state.halt.active:
        return state
    freeze = state.cooldown_until.freeze
    if freeze <= state.halt.until:
        freeze = state.halt.prior_freeze
    return attrs.evolve(state, halt=HaltMark(),
                        cooldown_until=attrs.evolve(state.cooldown_until, freeze=freeze))
