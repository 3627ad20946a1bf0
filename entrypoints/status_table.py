"""`status` for a terminal: one table row per symbol, an unprotected position highlighted, then
a line per pending stop (sent, not yet settled in the store), a live one no position owns
highlighted too."""

import sys
from collections.abc import Sequence

from domain.state import PENDING_STOP_FORGET_S
from entrypoints.results import PendingStopRow, StatusResult, StatusRow, TableExtras

COLUMNS = ("SYMBOL", "SIDE", "SIZE", "ENTRY", "MARK", "UPNL", "STOP", "STAGE", "LOCKS",
           "QUALITY")
RED, BOLD, RESET = "\x1b[31m", "\x1b[1m", "\x1b[0m"


def status_table(result: StatusResult, color: bool | None = None) -> str:
    if not result.symbols:
        return "no positions, stops or stored state"
    color = sys.stdout.isatty() if color is None else color
    extras = {e.symbol: e for e in result.table}
    rows = [_cells(row, extras.get(row.symbol)) for row in result.symbols]
    widths = [max(len(c) for c in column) for column in zip(COLUMNS, *rows, strict=True)]
    lines = ["  " + _line(COLUMNS, widths)]
    for row, cells in zip(result.symbols, rows, strict=True):
        text = _line(cells, widths)
        if row.protection_gap or any(p.stray for p in row.pending_stops):
            text = f"! {text}"
            lines.append(f"{RED}{BOLD}{text}{RESET}" if color else text)
        else:
            lines.append(f"  {text}")
    for row in result.symbols:
        if row.protection_gap:
            # a flat symbol's gap is a stop of ours with no position to close, not a position
            # without protection: named for what it is
            label = "UNPROTECTED" if row.exchange_qty else "STRAY STOPS"
            warning = f"{label} {row.symbol}: {row.protection_gap} (run `recover`)"
            lines.append(f"{RED}{BOLD}{warning}{RESET}" if color else warning)
    for row in result.symbols:
        for stop in row.pending_stops:
            line = pending_line(row.symbol, stop)
            lines.append(f"{RED}{BOLD}{line}{RESET}" if color and stop.stray else line)
    return "\n".join(lines)


def pending_line(symbol: str, stop: PendingStopRow) -> str:
    """One pending stop: its ids, its age, what the exchange shows and what happens to it."""
    algo = f" (algo {stop.algo_id})" if stop.algo_id else ""
    sent = "sent at an unknown time" if stop.age_s is None else f"sent {_age(stop.age_s)} ago"
    head = f"{symbol} pending stop {stop.client_algo_id}{algo}, {sent}"
    if stop.stray:
        # recover cancels it, or adopts it when it is a stop of the open position's intent
        # that covers it (application/recover_steps.py)
        return f"STRAY STOP {head}: {stop.exchange} at the exchange and no position's stop " \
            "(run `recover`)"
    if stop.adopted:
        return f"{head}: {stop.exchange}, the position's stop"
    if stop.age_s is not None and stop.age_s >= PENDING_STOP_FORGET_S:
        return (f"{head}: not among the exchange's open stops; the next recovery cancels it "
                f"by client id or, not found, forgets it ({PENDING_STOP_FORGET_S} s after "
                "it was sent)")
    return (f"{head}: not among the exchange's open stops (still on its way, or gone); the "
            "next recovery cancels it by client id")


def _age(seconds: int) -> str:
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _cells(row: StatusRow, extra: TableExtras | None) -> tuple[str, ...]:
    flat = row.exchange_qty == 0
    ours = [s for s in row.stops if s.stop_price is not None]
    if ours:
        stop = ", ".join(f"{s.stop_price} visible" for s in ours)
    elif row.stored_stop:
        stop = f"{row.stored_stop.split('@')[-1]} NOT visible"
    else:
        stop = "-" if flat else "NONE"
    locks = (extra.locks if extra and extra.locks else
             "-" if row.may_open else row.locks or "-")
    return (row.symbol, "-" if flat else row.exchange_side, str(row.exchange_qty),
            _or_dash(row.entry_price), _or_dash(extra.mark if extra else None),
            _or_dash(row.unrealized_pnl), stop, row.stage, locks,
            extra.quality if extra else "-")


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)
