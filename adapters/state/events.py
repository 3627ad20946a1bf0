"""The append-only event log (seed 001 §2 append_event, §8 log contract) as JSON Lines.

Each line is one event, flat, tagged with its class: {"type": "RiskEvent", "schema_version": 1,
"logged_ms": ..., <the event's fields>}.

A process killed mid-append leaves a last line without its newline. That event was never
acknowledged (append_event had not returned), so readers pass over it and the next append
first cuts it off; otherwise the next line would be glued to it and the log unreadable.
"""

import json
import os
from pathlib import Path
from typing import Any, get_args

import attrs
from cattrs import BaseValidationError, transform_error
from cattrs.preconf.json import JsonConverter

from adapters.state.atomic import OWNER_ONLY_FILE, fsync_dir
from adapters.state.converter import state_converter
from adapters.state.errors import StateStoreCorrupt
from domain.logs import LogEvent

EVENTS_SCHEMA_VERSION = 1
ENVELOPE_KEYS = ("type", "schema_version", "logged_ms")
EVENT_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in get_args(LogEvent)}

_converter = state_converter()


def encode_event(event: LogEvent, logged_ms: int | None,
                 converter: JsonConverter = _converter) -> bytes:
    """One event as a JSON line (with its newline)."""
    name = type(event).__name__
    if name not in EVENT_TYPES:
        raise TypeError(f"not a log event: {event!r}")
    envelope: dict[str, Any] = {"type": name, "schema_version": EVENTS_SCHEMA_VERSION,
                                "logged_ms": logged_ms}
    line = json.dumps({**envelope, **converter.unstructure(event)}, ensure_ascii=False,
                      separators=(",", ":"))
    return line.encode("utf-8") + b"\n"


def append_event_line(path: Path, line: bytes) -> None:
    """Append and fsync one line; events are rare, so each is made durable on its own."""
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, OWNER_ONLY_FILE)
    with os.fdopen(fd, "r+b") as f:
        _cut_torn_tail(f.fileno())
        f.write(line)
        f.flush()
        os.fsync(f.fileno())
    if created:
        fsync_dir(path.parent)


def _cut_torn_tail(fd: int) -> None:
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    keep = size
    while keep > 0:
        start = max(0, keep - 4096)
        found = os.pread(fd, keep - start, start).rfind(b"\n")
        if found >= 0:
            keep = start + found + 1
            break
        keep = start
    os.ftruncate(fd, keep)


def decode_event(line: str, converter: JsonConverter = _converter) -> LogEvent:
    """One JSON line back into its event; raises ValueError/TypeError/BaseValidationError."""
    raw = json.loads(line)
    if not isinstance(raw, dict):
        raise TypeError(f"expected a JSON object, got {type(raw).__name__}")
    name = raw.pop("type", None)
    if name not in EVENT_TYPES:
        raise ValueError(f"unknown event type {name!r}")
    version = raw.pop("schema_version", None)
    if version != EVENTS_SCHEMA_VERSION:
        raise ValueError(f"schema_version {version!r}, this program reads "
                         f"{EVENTS_SCHEMA_VERSION}")
    raw.pop("logged_ms", None)
    event: LogEvent = converter.structure(raw, EVENT_TYPES[name])
    return event


def read_events(path: Path) -> list[LogEvent]:
    """Every event of an event log, in order; a missing log has none."""
    if not path.exists():
        return []
    events = []
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            if not line.endswith(b"\n"):
                break  # torn by a crash mid-append: never acknowledged, not an event
            try:
                events.append(decode_event(line.decode("utf-8")))
            except BaseValidationError as exc:
                raise StateStoreCorrupt(path, [f"line {number}: {p}"
                                               for p in transform_error(exc)]) from exc
            except (ValueError, TypeError) as exc:
                raise StateStoreCorrupt(path, [f"line {number}: {exc}"]) from exc
    return events


def _check_no_envelope_clash() -> None:
    # the envelope is merged flat into each line, so no event may own a field of the same name
    for cls in EVENT_TYPES.values():
        clash = {f.name for f in attrs.fields(cls)} & set(ENVELOPE_KEYS)
        if clash:
            raise TypeError(f"{cls.__name__} has fields {clash} that clash with the envelope")


_check_no_envelope_clash()
