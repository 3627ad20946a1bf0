"""run_manifest.json: what ran, and how it ended (seed 000 §6).

The opening part is the run's first raw record (seq 0, kind run_start) and the ending part its
last (kind run_end), so both are in the hash chain; run_manifest.json repeats them for people,
with the record each came from, and verify checks the file against the two records.
"""

from collections.abc import Mapping
from typing import Any

from ports.evidence import ExchangeCallRecord

MANIFEST_NAME = "run_manifest.json"
MANIFEST_SCHEMA_VERSION = 1
START_KIND, END_KIND = "run_start", "run_end"
# the closing fields, null until the run ends (state_events, state_at_end: what the state
# store holds when it ends, given by whoever opened the run)
ENDING = ("outcome", "exit_code", "ended_ms", "ended_iso", "end_record", "state_events",
          "state_at_end")


def start_record(opening: Mapping[str, Any], wall_ms: int, mono_s: float) -> ExchangeCallRecord:
    return ExchangeCallRecord(START_KIND, "run start", opening, None, "started", wall_ms, mono_s)


def end_record(closing: Mapping[str, Any], wall_ms: int, mono_s: float) -> ExchangeCallRecord:
    code = closing.get("exit_code")
    return ExchangeCallRecord(END_KIND, "run end", {}, closing,
                              "ended" if code is None else f"exit {code}", wall_ms, mono_s)


def exit_code_of(outcome: Mapping[str, Any] | None) -> int | None:
    code = outcome.get("exit_code") if outcome else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None
