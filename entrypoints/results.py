"""What each command prints: typed results, turned into JSON by one cattrs converter.

Money and sizes stay Decimal until the converter writes them as strings; a value that does not
apply is null. Every result carries its exit code, and the JSON adds the code's name as `exit`.
"""

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import cattrs

from adapters.state.converter import state_converter
from domain.state import SymbolState
from entrypoints.exit_codes import ExitCode

if TYPE_CHECKING:  # a command's results load no use-case it did not run
    from application.recover_protection import ProtectionRecovered
    from application.status import SymbolStatus


@attrs.frozen
class Locks:
    """Until when (epoch seconds) each open-gate lock holds; 0 = not set."""

    loss: int
    template: int
    freeze: int
    shock: int


@attrs.frozen
class PositionView:
    stage: str
    side: str
    qty_open: Decimal
    entry_price: Decimal
    sl_price: Decimal
    sl_client_algo_id: str
    sl_confirmed: bool
    cooldown_until: Locks

    @classmethod
    def of(cls, state: SymbolState) -> "PositionView":
        pos, locks = state.position_state, state.cooldown_until
        return cls(pos.stage.value, pos.side.value, pos.qty_open, pos.entry_price, pos.sl_price,
                   pos.sl_algo.client_algo_id, pos.sl_confirmed,
                   Locks(locks.loss, locks.template, locks.freeze, locks.shock))


@attrs.frozen
class Recovery:
    symbol: str
    actions: tuple[str, ...]
    notes: tuple[str, ...]

    @staticmethod
    def of(done: "ProtectionRecovered") -> tuple["Recovery", ...]:
        return tuple(Recovery(s.symbol, tuple(s.actions), tuple(n.text for n in s.notes))
                     for s in done.symbols if s.actions or s.notes)


@attrs.frozen(kw_only=True)
class ProbeResult:
    command: str = "probe"
    venue: str
    run_dir: Path
    inst_id: str
    order_placed: bool
    loop_closed: bool
    unresolved_unknown: bool
    bad_input: str
    exchange_errors: int
    # contracts the probe's order filled (a crossing --px with --allow-fill), and whether that
    # fill was sold again reduce-only; a fill left open needs attention
    filled: Decimal
    fill_closed: bool
    files: tuple[str, ...]
    exit_code: ExitCode


@attrs.frozen
class Check:
    name: str
    passed: bool
    detail: str


@attrs.frozen(kw_only=True)
class SelfCheckResult:
    command: str = "selfcheck"
    venue: str
    run_dir: Path
    checks: tuple[Check, ...]
    exit_code: ExitCode


@attrs.frozen(kw_only=True)
class PositionResult:
    """open, close, manage and regime: what happened to one symbol's position."""

    command: str
    venue: str
    run_dir: Path
    symbol: str
    status: str
    reason: str
    position: PositionView
    notes: tuple[str, ...]
    recovery: tuple[Recovery, ...]
    exit_code: ExitCode
    # open only: the intent the client ids were built from
    intent_id: str | None = None


@attrs.frozen(kw_only=True)
class RecoverResult:
    command: str = "recover"
    venue: str
    run_dir: Path
    symbols: tuple[Recovery, ...]
    exit_code: ExitCode


@attrs.frozen
class StopRow:
    client_algo_id: str
    algo_id: str
    stop_price: Decimal | None
    size: Decimal | None
    state: str


@attrs.frozen
class PendingStopRow:
    """A stop of ours sent and not yet settled in the store (application/status.py)."""

    client_algo_id: str
    algo_id: str
    since: int
    age_s: int | None
    # the state the exchange's open algo orders show ("live"), or "not seen"
    exchange: str
    # the open position's recorded stop
    adopted: bool
    # live at the exchange and no position's stop: status exits 3
    stray: bool


@attrs.frozen
class StatusRow:
    symbol: str
    exchange_side: str
    exchange_qty: Decimal
    entry_price: Decimal | None
    unrealized_pnl: Decimal | None
    stage: str
    stored_qty_open: Decimal
    stored_stop: str
    stop_confirmed: bool
    stops: tuple[StopRow, ...]
    may_open: bool
    locks: str
    protected: bool
    protection_gap: str
    # the stored SymbolState under the seed's field names, as the state store writes it
    symbol_state: dict[str, Any] = attrs.field(factory=dict)
    # each stop sent and not yet settled in the store, with what the exchange shows of it
    pending_stops: tuple[PendingStopRow, ...] = ()

    @classmethod
    def of(cls, row: "SymbolStatus") -> "StatusRow":
        stops = tuple(StopRow(s.client_algo_id, s.algo_id, s.stop_price, s.size, s.state)
                      for s in row.stops)
        return cls(row.symbol, row.exchange_side, row.exchange_qty, row.entry_price,
                   row.unrealized_pnl, row.stage, row.stored_qty_open, row.stored_stop,
                   row.stop_confirmed, stops, row.may_open, row.locks,
                   not row.protection_gap, row.protection_gap,
                   state_converter().unstructure(row.state) if row.state else {},
                   tuple(PendingStopRow(p.client_algo_id, p.algo_id, p.since, p.age_s,
                                        p.exchange, p.adopted, p.stray)
                         for p in row.pending_stops))


@attrs.frozen
class TableExtras:
    """What only the terminal table shows (the JSON keeps its fields): the mark of a symbol
    with a position, each lock with its remaining time, the rolling execution quality."""

    symbol: str
    mark: Decimal | None
    locks: str
    quality: str


@attrs.frozen(kw_only=True)
class StatusResult:
    command: str = "status"
    venue: str
    run_dir: Path
    symbols: tuple[StatusRow, ...]
    exit_code: ExitCode
    table: tuple[TableExtras, ...] = ()


@attrs.frozen(kw_only=True)
class WatchResult:
    command: str = "watch"
    venue: str
    run_dir: Path
    recoveries: int
    managed: int
    events: int
    exit_code: ExitCode


@attrs.frozen(kw_only=True)
class HaltResult:
    """halt / resume: what was done at the exchange and what could not be confirmed."""

    command: str
    venue: str
    run_dir: Path
    incident_id: str
    until: int
    symbols: tuple[str, ...]
    touched: tuple[str, ...]
    kept: tuple[str, ...]
    foreign: tuple[str, ...]
    unconfirmed: tuple[str, ...]
    exit_code: ExitCode


@attrs.frozen(kw_only=True)
class Forwarded:
    """A command the running engine ran for us: printed exactly as it answered."""

    command: str
    json: dict[str, Any]
    human: str
    exit_code: ExitCode


Result = (ProbeResult | SelfCheckResult | PositionResult | RecoverResult | StatusResult
          | WatchResult | HaltResult | Forwarded)


@cache
def _converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(Decimal, str)
    conv.register_unstructure_hook(Path, str)
    conv.register_unstructure_hook(ExitCode, int)
    return conv


def to_json(result: Result) -> dict[str, Any]:
    """The result as the JSON object `--json` prints."""
    if isinstance(result, Forwarded):
        return dict(result.json)
    doc: dict[str, Any] = _converter().unstructure(result)
    if doc.get("intent_id", "") is None:
        del doc["intent_id"]
    doc.pop("table", None)  # the terminal's extra columns; --json keeps its fields
    doc["exit"] = ExitCode(doc["exit_code"]).name
    return doc
