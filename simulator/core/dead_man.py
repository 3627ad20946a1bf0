"""Dead-man switches: OKX's cancel-all-after and Binance's countdownCancelAll.

OKX (POST /api/v5/trade/cancel-all-after, docs): "Cancel all pending orders after the countdown
timeout. Applicable to all trading symbols through order book"; timeOut 0 or 10..120 s (0
disables); without `tag` the timer is account-wide, with a tag it cancels only pending orders
carrying that tag; once triggered the timer is off until set again (triggerTime 0). Algo
orders are not pending order-book orders and the docs name none: they are left alone, so a
protective stop outlives a dead engine. Cancelled orders show cancelSource "20".
Binance (POST /fapi/v1/countdownCancelAll, docs): per symbol, countdownTime in ms (0 stops it);
"all open orders of the specified symbol" are cancelled; conditional orders live in the Algo
Service and are left alone here as well (unconfirmed by Binance's docs).

Timers fire when the core catches up with its clock (every call, and the server's tick).
"""

from simulator.core.matching import finish
from simulator.core.state import ExchangeState

OKX_SOURCE = "20"  # cancelSource: cancel-all-after


def scope_key(*, tag: str = "", inst_id: str = "") -> str:
    if inst_id:
        return f"inst:{inst_id}"
    return f"tag:{tag}" if tag else "account"


def arm(state: ExchangeState, key: str, timeout_ms: int) -> int:
    """Set (timeout_ms > 0) or clear (0) one timer; returns its deadline (0: cleared)."""
    if timeout_ms <= 0:
        state.countdowns.pop(key, None)
        return 0
    deadline = state.now() + timeout_ms
    state.countdowns[key] = deadline
    return deadline


def fire_due(state: ExchangeState, now: int) -> None:
    """Cancel the live orders in the scope of every timer that ran out, then drop the timer."""
    due = [key for key, deadline in state.countdowns.items() if deadline <= now]
    for key in due:
        del state.countdowns[key]
        kind, _, value = key.partition(":")
        books = [state.live.get(value, {})] if kind == "inst" else list(state.live.values())
        for order in [o for book in books for o in book.values()]:
            if kind != "tag" or order.tag == value:
                finish(state, order, OKX_SOURCE, now)
