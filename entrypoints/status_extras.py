"""The status table's extra columns, read after the Status use-case: the mark of each symbol
with a position at the exchange, the locks with their remaining time, the rolling quality."""

from collections.abc import Sequence
from decimal import Decimal

from application.status import SymbolStatus
from domain.state import SymbolState
from entrypoints.container import Application
from entrypoints.results import TableExtras
from ports.errors import ExchangeError

LOCK_NAMES = ("loss", "template", "freeze", "shock")


async def table_extras(c: Application, rows: Sequence[SymbolStatus]) -> tuple[TableExtras, ...]:
    store, now = c.adapters.store(), c.core.clock().now_ms() // 1000
    market = c.adapters.exchange().market
    extras = []
    for row in rows:
        mark = None
        if row.exchange_qty != 0:  # a flat symbol's mark adds nothing (and a request)
            try:
                mark = (await market.get_mark_price(row.symbol)).price
            except ExchangeError:
                mark = None
        state = store.get_symbol_state(row.symbol)
        extras.append(TableExtras(row.symbol, mark, locks_left(state, now), quality(state)))
    return tuple(extras)


def locks_left(state: SymbolState, now_s: int) -> str:
    until = state.cooldown_until
    found = [(name, getattr(until, name) - now_s) for name in LOCK_NAMES]
    return ", ".join(f"{name} {_duration(left)}" for name, left in found if left > 0)


def quality(state: SymbolState) -> str:
    roll = state.exec_quality_roll
    if roll.sample_n == 0:
        return "no samples"
    slip = Decimal(str(roll.slippage_cost30_r)).quantize(Decimal("0.001"))
    return f"fill {roll.fill_rate_30:.2f}, slip {slip}R, n={roll.sample_n}"


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
