"""Instrument specifications, as the exchange publishes them, with the rounding helpers."""

from decimal import Decimal

import attrs

from domain.errors import InvalidIntent
from domain.numbers import ceil_to_step, floor_to_step, is_positive_finite

LIVE = "live"


def _positive(_inst: object, attribute: "attrs.Attribute[Decimal]", value: Decimal) -> None:
    if not isinstance(value, Decimal) or not is_positive_finite(value):
        raise InvalidIntent(f"{attribute.name} must be a finite Decimal > 0, got {value!r}")


def _positive_or_none(_inst: object, attribute: "attrs.Attribute[Decimal | None]",
                      value: Decimal | None) -> None:
    if value is not None and (not isinstance(value, Decimal) or not is_positive_finite(value)):
        raise InvalidIntent(f"{attribute.name} must be None or a finite Decimal > 0, "
                            f"got {value!r}")


@attrs.frozen
class LotRule:
    """Sizes a kind of order must fit: a multiple of step, within [min_sz, max_sz]."""

    step: Decimal = attrs.field(validator=_positive)
    min_sz: Decimal = attrs.field(validator=_positive)
    max_sz: Decimal | None = attrs.field(default=None, validator=_positive_or_none)


@attrs.frozen
class PriceBand:
    """A limit price relative to the mark price: a buy at most mark * up, a sell at least
    mark * down (Binance's PERCENT_PRICE)."""

    up: Decimal = attrs.field(validator=_positive)
    down: Decimal = attrs.field(validator=_positive)


@attrs.frozen
class InstrumentSpec:
    """One tradable contract. Sizes are in contracts; a contract is ct_val * ct_mult of the base.

    The fields after settle_ccy are what some venues publish besides (Binance: LOT_SIZE maxQty,
    MARKET_LOT_SIZE, MIN_NOTIONAL, PERCENT_PRICE); None where a venue publishes no such rule.
    """

    inst_id: str
    inst_type: str
    state: str
    tick_sz: Decimal = attrs.field(validator=_positive)
    lot_sz: Decimal = attrs.field(validator=_positive)
    min_sz: Decimal = attrs.field(validator=_positive)
    ct_val: Decimal = attrs.field(validator=_positive)
    ct_mult: Decimal = attrs.field(validator=_positive)
    settle_ccy: str
    max_sz: Decimal | None = attrs.field(default=None, validator=_positive_or_none)
    # market orders' own lot rule, when it differs from the limit-order one above
    market_lot: LotRule | None = None
    # smallest price * size * ct_val * ct_mult an opening order may have (quote currency)
    min_notional: Decimal | None = attrs.field(default=None, validator=_positive_or_none)
    price_band: PriceBand | None = None

    @property
    def is_live(self) -> bool:
        return self.state == LIVE

    def price_floor(self, price: Decimal) -> Decimal:
        """Largest tick multiple not above price (for a buy that must not pay more)."""
        return floor_to_step(price, self.tick_sz)

    def price_ceil(self, price: Decimal) -> Decimal:
        """Smallest tick multiple not below price (for a sell that must not receive less)."""
        return ceil_to_step(price, self.tick_sz)

    def size_floor(self, size: Decimal) -> Decimal:
        """Largest lot multiple not above size; may fall below min_sz, which the intent rejects."""
        return floor_to_step(size, self.lot_sz)

