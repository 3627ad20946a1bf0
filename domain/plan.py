"""TradePlan: the one carrier of a trade plan, from the operator's command to the stored pending
position (and back, at recovery), scaled to what the exchange says filled.

Checking a plan needs no fill: sizes and prices against the instrument (check), and the levels
against the market before the entry is sent (check_levels with the market's range).
"""

from decimal import Decimal

import attrs

from domain.errors import InvalidIntent
from domain.instrument import InstrumentSpec
from domain.numbers import ZERO, is_multiple, is_positive_finite
from domain.orders import PositionSide
from domain.regime import Tier
from domain.state import PositionState


def _positive(_inst: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not is_positive_finite(value):
        raise InvalidIntent(f"{attribute.name} must be a finite Decimal > 0, got {value!r}")


def _limit_price(_inst: object, attribute: "attrs.Attribute[Decimal | None]",
                 value: Decimal | None) -> None:
    if value is not None:
        _positive(_inst, attribute, value)  # type: ignore[arg-type]


@attrs.frozen
class TradePlan:
    """What the Quant service planned: side and size, the initial stop, two take-profits (the
    rest is the runner), the intent id its client ids derive from, the tier, and a limit entry
    price (None: enter at market)."""

    side: PositionSide
    qty: Decimal = attrs.field(validator=_positive)
    stop_price: Decimal = attrs.field(validator=_positive)
    tp1_price: Decimal = attrs.field(validator=_positive)
    tp1_qty: Decimal = attrs.field(validator=_positive)
    tp2_price: Decimal = attrs.field(validator=_positive)
    tp2_qty: Decimal = attrs.field(validator=_positive)
    intent_id: str
    tier: Tier = Tier.A
    entry_price: Decimal | None = attrs.field(default=None, validator=_limit_price)

    def __attrs_post_init__(self) -> None:
        if self.side is PositionSide.NONE:
            raise InvalidIntent("side must be LONG or SHORT")
        if self.tier not in (Tier.A, Tier.B):
            raise InvalidIntent(f"tier must be 'A' or 'B', got {self.tier!r}")
        if self.tp1_qty + self.tp2_qty > self.qty:
            raise InvalidIntent(f"take-profit sizes {self.tp1_qty} + {self.tp2_qty} exceed the "
                                f"quantity {self.qty}")

    @property
    def runner_qty(self) -> Decimal:
        return self.qty - self.tp1_qty - self.tp2_qty

    def check(self, spec: InstrumentSpec) -> None:
        """Refuse prices and sizes the exchange would refuse, and a limit entry outside the
        stop and TP1, before any order (InvalidIntent)."""
        for name, price in (("stop", self.stop_price), ("tp1", self.tp1_price),
                            ("tp2", self.tp2_price)):
            if not is_multiple(price, spec.tick_sz):
                raise InvalidIntent(f"{name} price {price} is not a multiple of tickSz "
                                    f"{spec.tick_sz}")
        for name, size in (("entry", self.qty), ("tp1", self.tp1_qty), ("tp2", self.tp2_qty),
                           ("runner", self.runner_qty)):
            if not is_multiple(size, spec.lot_sz):
                raise InvalidIntent(f"{name} size {size} is not a multiple of lotSz "
                                    f"{spec.lot_sz}")
            if size != ZERO and size < spec.min_sz:
                raise InvalidIntent(f"{name} size {size} is below minSz {spec.min_sz}")
        if spec.max_sz is not None and self.qty > spec.max_sz:
            raise InvalidIntent(f"entry size {self.qty} is above maxSz {spec.max_sz}")
        market = spec.market_lot
        if market is not None and market.max_sz is not None and self.qty > market.max_sz:
            # an emergency flatten or a runner exit is one market order of the whole position
            raise InvalidIntent(f"entry size {self.qty} is above the market order maximum "
                                f"{market.max_sz}: the position could not be flattened at "
                                f"market in one order")
        if self.entry_price is not None:
            check_levels(self, low=self.entry_price, high=self.entry_price,
                         what=f"entry {self.entry_price}")

    def scaled_to(self, filled: Decimal, spec: InstrumentSpec) -> "TradePlan":
        """The plan for what the exchange says filled: take-profits scaled down (floored to
        the lot, at least minSz each). InvalidIntent when a fill is too small to carry two."""
        if filled == self.qty:
            return attrs.evolve(self, qty=filled)  # the exchange's figure ("0.1", not "0.10")
        tp1 = spec.size_floor(self.tp1_qty * filled / self.qty)
        tp2 = spec.size_floor(self.tp2_qty * filled / self.qty)
        if tp1 < spec.min_sz or tp2 < spec.min_sz:
            if filled < 2 * spec.min_sz:
                raise InvalidIntent(f"a fill of {filled} cannot carry two take-profits of "
                                    f"minSz {spec.min_sz}")
            tp1 = spec.size_floor(filled / 2)
            tp2 = filled - tp1
        return attrs.evolve(self, qty=filled, tp1_qty=tp1, tp2_qty=tp2)

    def pending(self) -> PositionState:
        """The stored position while the entry is out: the plan, nothing filled yet."""
        return PositionState(side=self.side, qty_total=self.qty, sl_price=self.stop_price,
                             intent_id=self.intent_id, tp1_price=self.tp1_price,
                             tp1_qty=self.tp1_qty, tp2_price=self.tp2_price,
                             tp2_qty=self.tp2_qty, tier=self.tier)

    @classmethod
    def of_pending(cls, pos: PositionState) -> "TradePlan":
        """The plan a pending position was stored with (recovery of an entry sent before a
        crash)."""
        return cls(pos.side, pos.qty_total, pos.sl_price, pos.tp1_price, pos.tp1_qty,
                   pos.tp2_price, pos.tp2_qty, pos.intent_id, pos.tier or Tier.A)


def check_levels(plan: TradePlan, *, low: Decimal, high: Decimal, what: str) -> None:
    """Stop on the losing side of every price in [low, high], TP1 on the winning side, TP2 at
    or beyond TP1 (InvalidIntent otherwise). For a fill low = high = its price; before the
    entry is sent the range spans the mark, the book and a limit entry's price."""
    if plan.side is PositionSide.LONG:
        ordered = plan.stop_price < low and high < plan.tp1_price <= plan.tp2_price
        relation = f"stop {plan.stop_price} < {what} < tp1 {plan.tp1_price} <= tp2"
    else:
        ordered = plan.stop_price > high and low > plan.tp1_price >= plan.tp2_price
        relation = f"stop {plan.stop_price} > {what} > tp1 {plan.tp1_price} >= tp2"
    if not ordered:
        raise InvalidIntent(f"{plan.side.value} plan must order {relation} {plan.tp2_price}")


def check_own_levels(plan: TradePlan) -> None:
    """The levels' order that needs no market read: stop, a limit entry, TP1 and TP2 in
    sequence (a market entry: stop before TP1, TP2 at or beyond it). Checked before the
    command sends anything, the recovery it starts with included."""
    if plan.entry_price is not None:
        check_levels(plan, low=plan.entry_price, high=plan.entry_price,
                     what=f"entry {plan.entry_price}")
        return
    if plan.side is PositionSide.LONG:
        ordered = plan.stop_price < plan.tp1_price <= plan.tp2_price
        relation = f"stop {plan.stop_price} < tp1 {plan.tp1_price} <= tp2"
    else:
        ordered = plan.stop_price > plan.tp1_price >= plan.tp2_price
        relation = f"stop {plan.stop_price} > tp1 {plan.tp1_price} >= tp2"
    if not ordered:
        raise InvalidIntent(f"{plan.side.value} plan must order {relation} {plan.tp2_price}")


def check_min_notional(plan: TradePlan, spec: InstrumentSpec, *, price: Decimal) -> None:
    """An opening order below the instrument's minimum notional is refused by the exchange
    (Binance -4164 MIN_NOTIONAL; reduce-only orders are exempt there): said as bad input before
    anything is sent. A limit entry is valued at its price, a market entry at price (the mark);
    close to the boundary the exchange's own price decides."""
    if spec.min_notional is None:
        return
    at = plan.entry_price if plan.entry_price is not None else price
    notional = at * plan.qty * spec.ct_val * spec.ct_mult
    if notional < spec.min_notional:
        raise InvalidIntent(f"entry notional {notional} ({plan.qty} at {at}) is below the "
                            f"instrument's minimum notional {spec.min_notional}")
