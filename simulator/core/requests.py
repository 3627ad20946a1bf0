"""What a face asks the core to do, already parsed from its wire format.

Sizes are in the instrument's size unit (`Instrument.ct_val` base-asset units each: OKX
contracts, or the base asset itself on Binance, where ct_val is 1); prices in the quote
currency. The core checks the request against the instrument and the account and raises
`Refused` with a reason the face translates.
"""

from dataclasses import dataclass
from decimal import Decimal

ORDER_TYPES = ("limit", "post_only", "fok", "ioc", "market", "optimal_limit_ioc")


@dataclass(frozen=True, slots=True)
class NewOrder:
    inst_id: str
    td_mode: str            # cross | isolated
    side: str               # buy | sell
    pos_side: str           # net | long | short
    ord_type: str           # one of ORDER_TYPES
    sz: Decimal
    px: Decimal | None = None
    reduce_only: bool = False
    cl_ord_id: str = ""
    tag: str = ""
    # Binance refuses what OKX accepts and then cancels: a post-only (GTX) order that would
    # take (-5022) and a FOK order that cannot fill whole (-5021)
    refuse_taking_post_only: bool = False
    refuse_unfillable_fok: bool = False


@dataclass(frozen=True, slots=True)
class AlgoLeg:
    leg: str                 # sl | tp
    trigger: Decimal
    ord_px: Decimal | None   # None = market on trigger
    kind: str                # last | mark | index: the price the trigger watches


@dataclass(frozen=True, slots=True)
class NewAlgo:
    inst_id: str
    td_mode: str
    side: str
    pos_side: str
    ord_type: str            # conditional | oco
    legs: tuple[AlgoLeg, ...]
    sz: Decimal | None = None
    close_fraction: str = ""  # "1": close the whole position at trigger time
    reduce_only: bool = False
    algo_cl_ord_id: str = ""
    tag: str = ""
    # Binance: a close-position stop is system-cancelled (EXPIRED) when the position closes
    expire_on_flat: bool = False
    tif: str = ""            # shown by the Binance face (GTC / GTE_GTC)
    price_protect: bool = False
