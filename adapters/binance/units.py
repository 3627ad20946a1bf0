"""The one place where Binance's quantities meet the domain's sizes.

Binance sizes orders, positions and fills in the base asset (0.010 BTC); the domain sizes them
in the instrument's unit (InstrumentSpec: ct_val * ct_mult of the base each; OKX's contracts).
The adapter describes every Binance instrument with ct_val = ct_mult = BASE_PER_UNIT, so a
domain size on Binance is a base-asset amount; every quantity that crosses the adapter's edge,
in either direction, goes through to_quantity / to_size. Prices go through price_text.
"""

from decimal import Decimal

from domain.errors import InvalidIntent
from domain.numbers import is_positive_finite, plain

BASE_PER_UNIT = Decimal(1)


def to_quantity(size: Decimal) -> str:
    """A domain size (> 0) as Binance's `quantity`: base asset, plain digits (never an exponent:
    Binance refuses "1E-5")."""
    if not isinstance(size, Decimal) or not is_positive_finite(size):
        raise InvalidIntent(f"a quantity must be a finite Decimal > 0, got {size!r}")
    return plain(size * BASE_PER_UNIT)


def to_size(quantity: Decimal) -> Decimal:
    """A Binance base-asset quantity (signed for positions) in domain units."""
    return quantity / BASE_PER_UNIT


def price_text(price: Decimal) -> str:
    """A price (> 0) as Binance's `price` / `triggerPrice`."""
    if not isinstance(price, Decimal) or not is_positive_finite(price):
        raise InvalidIntent(f"a price must be a finite Decimal > 0, got {price!r}")
    return plain(price)
