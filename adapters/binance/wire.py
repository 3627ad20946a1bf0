"""Frozen mirrors of Binance USDⓈ-M REST payloads (snake_case here, camelCase on the wire).

Money and quantities are Decimal (Binance sends them as strings); quantities are base-asset
amounts; ids are integers as Binance sends them; times are Unix milliseconds. Optional fields
are None when Binance omits them or sends "" ("not yet", e.g. actualOrderId before a trigger).
Stream events are in wire_events.py. These classes never leave adapters/binance.
"""

from decimal import Decimal

import attrs


# --- public market data -------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class ServerTime:
    server_time: int


@attrs.frozen(kw_only=True)
class RateLimit:
    rate_limit_type: str  # REQUEST_WEIGHT | ORDERS | RAW_REQUESTS
    interval: str  # SECOND | MINUTE | DAY
    interval_num: int
    limit: int


@attrs.frozen(kw_only=True)
class Filter:
    """One exchangeInfo filter; which fields it has depends on filter_type."""

    filter_type: str
    min_price: Decimal | None = None  # PRICE_FILTER
    max_price: Decimal | None = None
    tick_size: Decimal | None = None
    min_qty: Decimal | None = None  # LOT_SIZE, MARKET_LOT_SIZE
    max_qty: Decimal | None = None
    step_size: Decimal | None = None
    notional: Decimal | None = None  # MIN_NOTIONAL
    multiplier_up: Decimal | None = None  # PERCENT_PRICE
    multiplier_down: Decimal | None = None
    limit: int | None = None  # MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS


@attrs.frozen(kw_only=True)
class SymbolInfo:
    symbol: str
    contract_type: str = ""  # PERPETUAL, CURRENT_QUARTER, ...
    status: str  # TRADING, SETTLING, PENDING_TRADING, ...
    base_asset: str = ""
    quote_asset: str = ""
    margin_asset: str = ""
    filters: tuple[Filter, ...] = ()
    order_types: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ExchangeInfo:
    """The envelope; its `symbols` are read one by one (market.py), so one symbol Binance
    describes oddly cannot make every other symbol unreadable."""

    rate_limits: tuple[RateLimit, ...] = ()


@attrs.frozen(kw_only=True)
class PremiumIndex:
    symbol: str
    mark_price: Decimal
    index_price: Decimal | None = None
    last_funding_rate: Decimal | None = None
    next_funding_time: int | None = None
    time: int


@attrs.frozen(kw_only=True)
class OpenInterest:
    symbol: str
    open_interest: Decimal  # base asset
    time: int


@attrs.frozen(kw_only=True)
class TickerPrice:
    symbol: str
    price: Decimal
    time: int


@attrs.frozen(kw_only=True)
class BookTicker:
    symbol: str
    bid_price: Decimal | None = None
    ask_price: Decimal | None = None
    time: int


@attrs.frozen(kw_only=True)
class Kline:
    """One klines row: [openTime, open, high, low, close, volume, closeTime, ...]."""

    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal  # base asset
    close_time: int


# --- account -------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class AccountAsset:
    """One assets[] row of GET /fapi/v2|v3/account."""

    asset: str
    wallet_balance: Decimal
    unrealized_profit: Decimal | None = None
    margin_balance: Decimal  # wallet + unrealized PnL
    initial_margin: Decimal | None = None  # positions + open orders
    available_balance: Decimal | None = None


@attrs.frozen(kw_only=True)
class Account:
    assets: tuple[AccountAsset, ...] = ()
    can_trade: bool | None = None  # v2 only


@attrs.frozen(kw_only=True)
class PositionRisk:
    """GET /fapi/v3/positionRisk row (no leverage in v3: that is symbolConfig's)."""

    symbol: str
    position_side: str = "BOTH"  # BOTH (one-way) | LONG | SHORT
    position_amt: Decimal  # signed base-asset quantity
    entry_price: Decimal | None = None
    mark_price: Decimal | None = None
    un_realized_profit: Decimal | None = None
    margin_asset: str = ""
    update_time: int | None = None


@attrs.frozen(kw_only=True)
class SymbolConfig:
    symbol: str
    margin_type: str = ""  # CROSSED | ISOLATED
    leverage: int


@attrs.frozen(kw_only=True)
class PositionMode:
    dual_side_position: bool  # true = hedge mode


@attrs.frozen(kw_only=True)
class LeverageSet:
    symbol: str
    leverage: int


@attrs.frozen(kw_only=True)
class ListenKey:
    listen_key: str


# --- trade ---------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class Order:
    """GET/DELETE /fapi/v1/order, openOrders and the answer to a placement."""

    order_id: int
    symbol: str
    status: str  # NEW, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED, EXPIRED_IN_MATCH
    client_order_id: str = ""
    price: Decimal | None = None
    avg_price: Decimal | None = None
    orig_qty: Decimal
    executed_qty: Decimal | None = None
    time_in_force: str = ""
    type: str  # LIMIT | MARKET (a triggered algo's child shows its algo type in orig_type)
    orig_type: str = ""
    reduce_only: bool | None = None
    side: str
    position_side: str = "BOTH"
    update_time: int | None = None
    time: int | None = None


@attrs.frozen(kw_only=True)
class AlgoOrder:
    """The Algo Service's object (POST answer, GET, openAlgoOrders)."""

    algo_id: int
    client_algo_id: str = ""
    algo_type: str = ""
    order_type: str  # STOP_MARKET, ...
    symbol: str
    side: str
    position_side: str = "BOTH"
    quantity: Decimal | None = None  # "" or "0" for a close-position stop
    algo_status: str  # NEW, TRIGGERING, TRIGGERED, FINISHED, CANCELED, REJECTED, EXPIRED
    trigger_price: Decimal | None = None
    working_type: str = "CONTRACT_PRICE"
    close_position: bool | None = None
    reduce_only: bool | None = None
    create_time: int | None = None
    update_time: int | None = None
    actual_order_id: str | None = None  # the child order once triggered


@attrs.frozen(kw_only=True)
class UserTrade:
    symbol: str
    id: int
    order_id: int
    side: str
    price: Decimal
    qty: Decimal
    commission: Decimal | None = None  # positive = charged
    commission_asset: str = ""
    time: int
