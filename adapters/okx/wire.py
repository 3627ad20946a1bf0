"""Frozen mirrors of OKX v5 payloads (snake_case here, camelCase on the wire).

Money and sizes are Decimal; sizes of SWAP orders/positions are contracts; timestamps are Unix
milliseconds. Optional fields are None when OKX sends "" ("not applicable") or omits them.
These classes never leave adapters/okx: translate.py turns them into domain/ports types.
"""

from decimal import Decimal
from typing import Any

import attrs


# --- every REST reply -----------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class Envelope:
    """{"code", "msg", "data"}: code "0" or an error code ("" when absent: not an OKX envelope
    at all). data is kept as it came: with code "0" it must be an array (Envelope.items), whose
    items are structured by their own class (a write's item is a WriteAck); an error reply's
    data may be anything (a gateway's 404 sends {})."""

    code: str = ""
    msg: str = ""
    data: Any = None


@attrs.frozen(kw_only=True)
class WriteAck:
    """A write's data item: sCode "0" when this item was accepted (it is authoritative over the
    envelope's code), sMsg, and the ids the write concerned."""

    s_code: str | None = None
    s_msg: str = ""
    ord_id: str | None = None
    cl_ord_id: str | None = None
    algo_id: str | None = None
    algo_cl_ord_id: str | None = None


# --- public market data -------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class Instrument:
    inst_type: str
    inst_id: str
    state: str
    settle_ccy: str = ""
    tick_sz: Decimal | None = None  # price step
    lot_sz: Decimal | None = None  # size step, contracts
    min_sz: Decimal | None = None  # contracts
    ct_val: Decimal | None = None  # contract value in ct_val_ccy
    ct_mult: Decimal | None = None
    ct_type: str | None = None  # linear | inverse


@attrs.frozen(kw_only=True)
class Ticker:
    inst_id: str
    last: Decimal | None = None
    bid_px: Decimal | None = None
    ask_px: Decimal | None = None
    ts: int


@attrs.frozen(kw_only=True)
class MarkPrice:
    inst_id: str
    mark_px: Decimal
    ts: int


@attrs.frozen(kw_only=True)
class FundingRate:
    inst_id: str
    funding_rate: Decimal
    funding_time: int
    next_funding_time: int | None = None


@attrs.frozen(kw_only=True)
class OpenInterest:
    inst_id: str
    oi: Decimal  # contracts
    oi_ccy: Decimal  # coin
    ts: int


@attrs.frozen(kw_only=True)
class PriceLimit:
    inst_id: str
    buy_lmt: Decimal | None = None  # highest price a buy may carry
    sell_lmt: Decimal | None = None  # lowest price a sell may carry
    ts: int
    enabled: bool | None = None


@attrs.frozen(kw_only=True)
class ServerTime:
    ts: int


@attrs.frozen(kw_only=True)
class Candle:
    """One market/candles row ([ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm])."""

    ts: int  # bar open
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vol: Decimal  # contracts for derivatives
    confirm: bool  # the bar is closed


# --- account -------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class AccountConfig:
    pos_mode: str  # long_short_mode | net_mode
    acct_lv: str
    perm: str = ""
    uid: str = ""


@attrs.frozen(kw_only=True)
class BalanceDetail:
    ccy: str
    eq: Decimal | None = None  # cash + upl, in ccy
    avail_eq: Decimal | None = None
    avail_bal: Decimal | None = None
    frozen_bal: Decimal | None = None
    ord_frozen: Decimal | None = None  # margin frozen for open orders
    imr: Decimal | None = None  # cross initial margin; futures mode (acctLv 2) only
    iso_eq: Decimal | None = None  # isolated margin + isolated upl; not in spot mode
    iso_upl: Decimal | None = None
    eq_usd: Decimal | None = None
    cash_bal: Decimal | None = None


@attrs.frozen(kw_only=True)
class Balance:
    total_eq: Decimal | None = None  # USD, whole account
    imr: Decimal | None = None  # USD, positions + pending orders; acctLv 3/4 (and 1) only
    u_time: int | None = None
    details: tuple[BalanceDetail, ...] = ()


@attrs.frozen(kw_only=True)
class Position:
    inst_id: str
    mgn_mode: str = ""
    pos_side: str = "net"  # net | long | short
    # contracts, signed in net mode; OKX always sends it ("0" when flat): an item without it
    # is a protocol error, never a flat position
    pos: Decimal
    avg_px: Decimal | None = None
    mark_px: Decimal | None = None
    upl: Decimal | None = None
    lever: Decimal | None = None
    u_time: int | None = None


@attrs.frozen(kw_only=True)
class Leverage:
    inst_id: str = ""
    lever: str
    mgn_mode: str = ""


@attrs.frozen(kw_only=True)
class PositionMode:
    pos_mode: str


# --- trade ---------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class Order:
    """GET trade/order, orders-pending and the orders channel (which adds the fill_* fields)."""

    inst_id: str
    ord_id: str
    cl_ord_id: str = ""
    state: str
    side: str
    pos_side: str = ""
    ord_type: str
    sz: Decimal  # contracts
    px: Decimal | None = None
    acc_fill_sz: Decimal | None = None
    avg_px: Decimal | None = None
    reduce_only: bool | None = None
    u_time: int | None = None
    c_time: int | None = None
    # per-update fill (orders channel); REST's fill_sz is the last fill
    trade_id: str | None = None
    fill_px: Decimal | None = None
    fill_sz: Decimal | None = None
    fill_time: int | None = None
    fill_fee: Decimal | None = None  # negative = charged
    fill_fee_ccy: str | None = None


@attrs.frozen(kw_only=True)
class Fill:
    inst_id: str
    trade_id: str
    ord_id: str
    cl_ord_id: str = ""
    bill_id: str = ""
    side: str
    fill_px: Decimal
    fill_sz: Decimal  # contracts
    fee: Decimal | None = None  # negative = charged
    fee_ccy: str = ""
    ts: int


@attrs.frozen(kw_only=True)
class AlgoOrder:
    inst_id: str
    algo_id: str
    algo_cl_ord_id: str = ""
    state: str
    side: str
    pos_side: str = ""
    ord_type: str = ""
    sz: Decimal | None = None  # contracts; "" or "0" with close_fraction
    close_fraction: Decimal | None = None  # "1" = the whole position
    sl_trigger_px: Decimal | None = None
    sl_trigger_px_type: str | None = None  # last | index | mark
    sl_ord_px: str | None = None  # "-1" = market
    reduce_only: bool | None = None
    u_time: int | None = None
    c_time: int | None = None


# --- request bodies (unstructured with None fields omitted) -------------------------------
@attrs.frozen(kw_only=True)
class PlaceOrder:
    inst_id: str
    td_mode: str
    side: str
    ord_type: str
    sz: Decimal
    px: Decimal | None = None
    pos_side: str | None = None
    reduce_only: bool | None = None
    cl_ord_id: str | None = None


@attrs.frozen(kw_only=True)
class CancelOrder:
    inst_id: str
    ord_id: str | None = None
    cl_ord_id: str | None = None


@attrs.frozen(kw_only=True)
class PlaceAlgoStop:
    inst_id: str
    td_mode: str
    side: str
    ord_type: str = "conditional"
    sz: Decimal | None = None
    close_fraction: str | None = None
    sl_trigger_px: Decimal
    sl_ord_px: str = "-1"
    sl_trigger_px_type: str
    pos_side: str | None = None
    reduce_only: bool | None = None
    algo_cl_ord_id: str | None = None


@attrs.frozen(kw_only=True)
class CancelAlgo:
    inst_id: str
    algo_id: str | None = None
    # the client id form (SDKs such as rust-okx and okxr send it; OKX's page lists algoId
    # only): used when a lookup cannot see the algo yet
    algo_cl_ord_id: str | None = None


@attrs.frozen(kw_only=True)
class SetLeverage:
    inst_id: str
    lever: str
    mgn_mode: str


@attrs.frozen(kw_only=True)
class SetPositionMode:
    pos_mode: str
