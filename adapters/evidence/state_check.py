"""verify's state check: what the manifest says the run did to the state store's event log.

The span (state_events: the lines appended while the run ran, between two marks of the log)
must add up, and must start where the opening part's mark says the log stood. Given the log
itself, it must still begin with exactly what the run saw at its end: an event removed or
changed afterwards, by anyone, is named. The log lives outside the run directory (the state
store's directory), so it is checked only when the verifier names it.
"""

from pathlib import Path
from typing import Any

from adapters.evidence.findings import Finding, broken, warning
from adapters.evidence.manifest import MANIFEST_NAME
from adapters.state.log_span import log_problem, span_problem

CHECK = "state"


def check_state_events(manifest: dict[str, Any] | None,
                       events_log: Path | None = None) -> list[Finding]:
    if manifest is None:
        return []
    span = manifest.get("state_events")
    if not isinstance(span, dict):
        if events_log is not None:
            return [warning(CHECK, MANIFEST_NAME, "holds no event log span (a run without a "
                                                  "state store, unfinished, or written before "
                                                  "manifests kept one): the log is not checked")]
        return []
    found: list[Finding] = []
    if span.get("at_start") != manifest.get("state_events_at_start"):
        found.append(broken(CHECK, MANIFEST_NAME, "state_events.at_start differs from "
                                                  "state_events_at_start"))
    problem = span_problem(span)
    if problem is not None:
        found.append(broken(CHECK, MANIFEST_NAME, f"state_events: {problem}"))
    if span.get("rewritten"):
        found.append(warning(CHECK, MANIFEST_NAME, "the event log no longer began as it did "
                                                   "when the run started: its lines appended "
                                                   "during the run are not known"))
    if events_log is not None and not found:
        problem = log_problem(events_log, span)
        if problem is not None:
            found.append(broken(CHECK, events_log.name, problem))
    return found
