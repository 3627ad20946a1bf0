"""Frozen mirrors of Binance USDⓈ-M stream events. Binance names their fields with one or two
letters; each field carries its wire name in metadata (adapters/common/converter.WIRE)."""

from decimal import Decimal

import attrs

from adapters.common.converter import WIRE


def on(name: str) -> dict[str, str]:
    """Field metadata naming the field's key on the wire."""
    return {WIRE: name}


# --- user data -----------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class OrderFields:
    """ORDER_TRADE_UPDATE's `o`."""

    symbol: str = attrs.field(metadata=on("s"))
    client_order_id: str = attrs.field(default="", metadata=on("c"))
    side: str = attrs.field(metadata=on("S"))
    type: str = attrs.field(metadata=on("o"))
    time_in_force: str = attrs.field(default="", metadata=on("f"))
    quantity: Decimal = attrs.field(metadata=on("q"))
    price: Decimal | None = attrs.field(default=None, metadata=on("p"))
    avg_price: Decimal | None = attrs.field(default=None, metadata=on("ap"))
    # NEW, TRADE, CANCELED, EXPIRED, AMENDMENT, CALCULATED
    execution_type: str = attrs.field(metadata=on("x"))
    status: str = attrs.field(metadata=on("X"))
    order_id: int = attrs.field(metadata=on("i"))
    last_qty: Decimal | None = attrs.field(default=None, metadata=on("l"))
    filled_qty: Decimal | None = attrs.field(default=None, metadata=on("z"))
    last_price: Decimal | None = attrs.field(default=None, metadata=on("L"))
    fee_asset: str = attrs.field(default="", metadata=on("N"))
    fee: Decimal | None = attrs.field(default=None, metadata=on("n"))  # positive = charged
    trade_time: int | None = attrs.field(default=None, metadata=on("T"))
    trade_id: int | None = attrs.field(default=None, metadata=on("t"))
    reduce_only: bool | None = attrs.field(default=None, metadata=on("R"))
    orig_type: str = attrs.field(default="", metadata=on("ot"))
    position_side: str = attrs.field(default="BOTH", metadata=on("ps"))


@attrs.frozen(kw_only=True)
class OrderTradeUpdate:
    event_time: int = attrs.field(metadata=on("E"))
    order: OrderFields = attrs.field(metadata=on("o"))


@attrs.frozen(kw_only=True)
class AlgoFields:
    """ALGO_UPDATE's `o`."""

    client_algo_id: str = attrs.field(default="", metadata=on("caid"))
    algo_id: int = attrs.field(metadata=on("aid"))
    order_type: str = attrs.field(metadata=on("o"))
    symbol: str = attrs.field(metadata=on("s"))
    side: str = attrs.field(metadata=on("S"))
    position_side: str = attrs.field(default="BOTH", metadata=on("ps"))
    quantity: Decimal | None = attrs.field(default=None, metadata=on("q"))
    status: str = attrs.field(metadata=on("X"))
    actual_order_id: str | None = attrs.field(default=None, metadata=on("ai"))
    trigger_price: Decimal | None = attrs.field(default=None, metadata=on("tp"))
    working_type: str = attrs.field(default="CONTRACT_PRICE", metadata=on("wt"))
    close_position: bool | None = attrs.field(default=None, metadata=on("cp"))
    reduce_only: bool | None = attrs.field(default=None, metadata=on("R"))
    reason: str = attrs.field(default="", metadata=on("rm"))


@attrs.frozen(kw_only=True)
class AlgoUpdate:
    event_time: int = attrs.field(metadata=on("E"))
    transaction_time: int | None = attrs.field(default=None, metadata=on("T"))
    algo: AlgoFields = attrs.field(metadata=on("o"))


@attrs.frozen(kw_only=True)
class PositionFields:
    """ACCOUNT_UPDATE's a.P[]."""

    symbol: str = attrs.field(metadata=on("s"))
    position_amt: Decimal = attrs.field(metadata=on("pa"))  # signed base-asset quantity
    entry_price: Decimal | None = attrs.field(default=None, metadata=on("ep"))
    unrealized_pnl: Decimal | None = attrs.field(default=None, metadata=on("up"))
    margin_type: str = attrs.field(default="", metadata=on("mt"))
    position_side: str = attrs.field(default="BOTH", metadata=on("ps"))


@attrs.frozen(kw_only=True)
class AccountFields:
    reason: str = attrs.field(default="", metadata=on("m"))
    positions: tuple[PositionFields, ...] = attrs.field(default=(), metadata=on("P"))


@attrs.frozen(kw_only=True)
class AccountUpdate:
    event_time: int = attrs.field(metadata=on("E"))
    account: AccountFields = attrs.field(metadata=on("a"))


# --- market --------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class MarkPriceUpdate:
    event_time: int = attrs.field(metadata=on("E"))
    symbol: str = attrs.field(metadata=on("s"))
    mark_price: Decimal = attrs.field(metadata=on("p"))


@attrs.frozen(kw_only=True)
class KlineFields:
    open_time: int = attrs.field(metadata=on("t"))
    close_time: int = attrs.field(metadata=on("T"))
    interval: str = attrs.field(metadata=on("i"))
    open: Decimal = attrs.field(metadata=on("o"))
    close: Decimal = attrs.field(metadata=on("c"))
    high: Decimal = attrs.field(metadata=on("h"))
    low: Decimal = attrs.field(metadata=on("l"))
    volume: Decimal = attrs.field(metadata=on("v"))
    closed: bool = attrs.field(metadata=on("x"))


@attrs.frozen(kw_only=True)
class KlineEvent:
    event_time: int = attrs.field(metadata=on("E"))
    symbol: str = attrs.field(metadata=on("s"))
    kline: KlineFields = attrs.field(metadata=on("k"))
