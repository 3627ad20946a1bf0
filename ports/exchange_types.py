"""Typed results of ExchangeAdapter calls. Each carries the evidence record of its call."""

import enum
from collections.abc import Mapping
from decimal import Decimal

import attrs

from domain.algo import AlgoOrder
from domain.evidence import EvidenceRef
from domain.instrument import InstrumentSpec
from domain.orders import ExchangeTrade, Fill, OrderStatus, PositionSide
from domain.outcome import Accepted, Outcome, Rejected, Unknown
from ports.errors import ExchangeProtocolError


def status_word(outcome: Outcome) -> str:
    """The seed's `status` field for a write: accepted | rejected | unknown."""
    if isinstance(outcome, Accepted):
        return "accepted"
    if isinstance(outcome, Rejected):
        return "rejected"
    assert isinstance(outcome, Unknown)
    return "unknown"


@attrs.frozen
class Instruments:
    inst_type: str
    instruments: tuple[InstrumentSpec, ...]
    evidence: EvidenceRef
    # (symbol, why): listed by the venue but described in a way the adapter cannot read, so
    # left out of instruments (nothing is ever sent for them)
    unreadable: tuple[tuple[str, str], ...] = ()

    def find(self, inst_id: str) -> InstrumentSpec | None:
        return next((i for i in self.instruments if i.inst_id == inst_id), None)

    def missing(self, inst_id: str) -> str:
        """Why inst_id is not among the instruments, in words ('' when it is)."""
        if self.find(inst_id) is not None:
            return ""
        why = dict(self.unreadable).get(inst_id)
        if why is not None:
            return f"{inst_id} is listed but cannot be traded: {why}"
        return f"{inst_id} is not a listed {self.inst_type} instrument"


@attrs.frozen
class Ticker:
    inst_id: str
    last: Decimal
    bid: Decimal | None
    ask: Decimal | None
    ts_ms: int
    evidence: EvidenceRef


@attrs.frozen
class PriceReading:
    """A single price (mark or last) with the exchange's timestamp."""

    inst_id: str
    price: Decimal
    kind: str
    ts_ms: int
    evidence: EvidenceRef


@attrs.frozen
class PriceLimit:
    """buy_limit: highest price a buy may carry; sell_limit: lowest price a sell may carry."""

    inst_id: str
    buy_limit: Decimal
    sell_limit: Decimal
    ts_ms: int
    evidence: EvidenceRef


@attrs.frozen
class FundingRate:
    inst_id: str
    rate: Decimal
    funding_time_ms: int
    next_funding_time_ms: int
    evidence: EvidenceRef


@attrs.frozen
class OpenInterest:
    inst_id: str
    oi: Decimal
    oi_ccy: Decimal
    ts_ms: int
    evidence: EvidenceRef


@attrs.frozen
class Kline:
    """One bar, as seed 001 §1.1 lists: open_time, open, high, low, close, volume, close_time."""

    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    close_time: int
    confirmed: bool


@attrs.frozen
class Klines:
    inst_id: str
    interval: str
    bars: tuple[Kline, ...]
    evidence: EvidenceRef


@attrs.frozen
class ServerTime:
    ts_ms: int
    evidence: EvidenceRef


@attrs.frozen
class AccountConfig:
    pos_mode: str
    acct_lv: str
    perm: str
    evidence: EvidenceRef


@attrs.frozen
class Balances:
    """Seed 001 §1.2: total_equity, available_balance, margin_used (in ccy)."""

    ccy: str
    total_equity: Decimal
    available_balance: Decimal
    margin_used: Decimal
    evidence: EvidenceRef


@attrs.frozen
class Equity:
    """Seed 000 §3.2: the equity of one currency and which field it was read from."""

    ccy: str
    equity: Decimal
    field_used: str
    evidence: EvidenceRef


@attrs.frozen
class Equities:
    """Every currency's equity from one account read (issue 14 P2: open asks before it knows
    the instrument's settlement currency). A currency the exchange did not list holds nothing;
    `absent` says where it was looked for and why the venue leaves it out ({ccy} is filled)."""

    by_ccy: Mapping[str, Equity]
    absent: str
    evidence: EvidenceRef
    unreadable: tuple[str, ...] = ()  # listed, but the equity field was empty

    def of(self, ccy: str) -> Equity:
        """The equity of ccy; ExchangeProtocolError when the exchange listed it without one."""
        found = self.by_ccy.get(ccy)
        if found is not None:
            return found
        if ccy in self.unreadable:
            raise ExchangeProtocolError(f"the equity of {ccy} is listed empty", self.evidence)
        return Equity(ccy, Decimal(0), self.absent.format(ccy=ccy), self.evidence)


@attrs.frozen
class PositionSnapshot:
    """Seed 001 §1.2: side (LONG/SHORT/NONE), qty, entry_price, unrealized_pnl, leverage."""

    inst_id: str
    side: PositionSide
    qty: Decimal
    entry_price: Decimal
    unrealized_pnl: Decimal
    leverage: Decimal
    mark_price: Decimal | None
    margin_mode: str


@attrs.frozen
class Positions:
    by_symbol: dict[str, PositionSnapshot]
    evidence: EvidenceRef


@attrs.frozen
class Leverage:
    """The leverage the exchange holds for one symbol (in the margin mode the engine trades);
    None when it holds different values for the two sides of a hedge-mode position."""

    symbol: str
    leverage: Decimal | None
    evidence: EvidenceRef


@attrs.frozen
class SettingApplied:
    """set_leverage / set_position_mode_one_way: the value the exchange reports back."""

    name: str
    value: str
    evidence: EvidenceRef


@attrs.frozen
class OrderPlacement:
    """Answer to a placement. status is the seed's word for the outcome; fills come separately."""

    outcome: Outcome
    inst_id: str
    client_order_id: str
    order_id: str
    evidence: EvidenceRef
    # The exchange-clock deadline (expTime) after which the exchange will not act on this request;
    # once it has passed, a lookup that finds no order is conclusive for an Unknown outcome.
    exp_time_ms: int | None = None
    # Seed 000 §3.3: the ack evidence names the top-level code/msg and the item's sCode/sMsg.
    # Empty when no answer arrived (an Unknown outcome).
    code: str = ""
    msg: str = ""
    s_code: str = ""
    s_msg: str = ""
    # The order as the placement's answer shows it after matching (Binance
    # newOrderRespType=RESULT): the exchange's own record, with this answer as its evidence.
    # None when the answer carries no such record (OKX; Binance ACK).
    order_status: OrderStatus | None = None

    @property
    def status(self) -> str:
        return status_word(self.outcome)


@attrs.frozen
class OrderLookup:
    """GET order by ordId or clOrdId. status None means the exchange says it does not exist."""

    inst_id: str
    status: OrderStatus | None
    evidence: EvidenceRef


class CancelDisposition(enum.Enum):
    CANCEL_ACCEPTED = "cancel_accepted"
    ALREADY_TERMINAL = "already_terminal"
    NOT_FOUND = "not_found"


@attrs.frozen
class CancelResult:
    """Answer to a cancel. A 51400 counts as done only with a lookup proving the order is not live;
    that lookup is in order_status, so a fill that raced the cancel is never hidden."""

    outcome: Outcome
    disposition: CancelDisposition | None
    inst_id: str
    order_id: str
    client_order_id: str
    order_status: OrderStatus | None
    evidence: EvidenceRef

    @property
    def status(self) -> str:
        return status_word(self.outcome)


@attrs.frozen
class AlgoPlacement:
    outcome: Outcome
    inst_id: str
    client_algo_id: str
    algo_id: str
    evidence: EvidenceRef

    @property
    def status(self) -> str:
        return status_word(self.outcome)


@attrs.frozen
class AlgoCancelResult:
    outcome: Outcome
    disposition: CancelDisposition | None
    inst_id: str
    algo_id: str
    client_algo_id: str
    algo_order: AlgoOrder | None
    evidence: EvidenceRef

    @property
    def status(self) -> str:
        return status_word(self.outcome)


@attrs.frozen
class AlgoLookup:
    inst_id: str
    algo_order: AlgoOrder | None
    evidence: EvidenceRef


@attrs.frozen
class Fills:
    inst_id: str
    fills: tuple[Fill, ...]
    evidence: EvidenceRef


@attrs.frozen
class Executions:
    """Our executions on one symbol as the exchange reports them (fees and times included),
    oldest first."""

    inst_id: str
    trades: tuple[ExchangeTrade, ...]
    evidence: EvidenceRef


@attrs.frozen
class DeadManSwitch:
    """The exchange's cancel-on-disconnect countdown, as it answered: armed for timeout_s, or
    not (why)."""

    armed: bool
    timeout_s: int
    why: str
    evidence: EvidenceRef
    # what the countdown cancels when it fires, in the venue's terms: it is not limited to
    # this engine's orders, which an operator running other software on the account must know
    scope: str = ""
