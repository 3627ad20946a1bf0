"""The candidate log line of an `open` the CLI refuses before OpenPosition runs (a symbol that
is no swap id, a plan whose numbers do not hold together): seed 001 §8 wants one line for every
candidate evaluation, and issue 13 names these refusals. OpenPosition writes its own line for
what it refuses (instrument not live, plan against the instrument and the market, minimum
notional, risk budget, the gate).

The line is appended to the venue's events.jsonl (one O_APPEND write, fsynced) without taking
the state store's lock: nothing of the state changes, and a running engine keeps the store. On
the simulator venues with their default path the store lives in a scratch directory that ends
with the command, so no line is kept there. A line that cannot be written never changes the
refusal itself (exit 2, nothing sent); it is logged as a warning."""

import logging
import time

from domain.logs import CandidateAction, CandidateEvaluation, GateResult, GateVerdict
from domain.regime import Regime
from entrypoints.settings import SIM_VENUES, Settings, default_state_path

log = logging.getLogger(__name__)

REQUEST_VALID, PLAN_VALID = "request_valid", "plan_valid"


def refused_line(symbol: str, template: str, failed: str, reason: str, *, now: int,
                 passed: tuple[str, ...] = ()) -> CandidateEvaluation:
    gates = (*(GateResult(name, GateVerdict.PASS) for name in passed),
             GateResult(failed, GateVerdict.FAIL, reason))
    return CandidateEvaluation(now, symbol, Regime.NONE, template, gates, 0.0, (), 0.0,
                               CandidateAction.REJECT, f"{failed}: {reason}")


def log_refused_open(settings: Settings, symbol: str, template: str, failed: str,
                     reason: str, passed: tuple[str, ...] = ()) -> bool:
    """Append the refused candidate's line; False when none was kept (and why is logged)."""
    if settings.venue in SIM_VENUES and \
            settings.state_path == default_state_path(settings.venue):
        return False
    from adapters.clock import SystemClock
    from adapters.state import JsonFileStateStore
    from adapters.state.errors import StateStoreError

    line = refused_line(symbol, template, failed, reason, now=int(time.time()), passed=passed)
    try:
        JsonFileStateStore(settings.state_path, clock=SystemClock()).append_event(line)
    except (OSError, StateStoreError) as exc:
        log.warning("the refused candidate's log line could not be written: %s", exc)
        return False
    return True
