"""The raw log's line body for one ExchangeCallRecord: the run's header and the record's
fields as compact JSON, credentials redacted, literal secrets scrubbed.

A line is written as two halves: the head (header, kind, endpoint, times, clock offset and the
request) and the tail (response, outcome, extra). Each goes through Redactor.encode_plain, or
the whole record through the redaction walk when either half needs it. The head does not depend
on the answer, so an adapter may have it encoded while the answer is in flight (prepare, issue
14 P1): record_call then only encodes the tail. Either way the bytes are the same, and the line
is written by record_call before the call returns, as before.
"""

import json
from collections.abc import Mapping
from typing import Any

from adapters.evidence.redact import Redactor
from adapters.evidence.run_dir import utc_iso_ms
from ports.evidence import ExchangeCallRecord, JsonValue

# heads prepared but not (yet) used: a call cancelled in flight never records; past this many
# they are dropped (a record that comes later encodes its head afresh)
MAX_PREPARED = 64


class RecordEncoder:
    """Encodes records for one sink; prepare() and encode() may run on different threads."""

    def __init__(self, redactor: Redactor, header: Mapping[str, Any]) -> None:
        self._redactor = redactor
        self._header = dict(header)
        # id(request) -> (the fields the head was made of, the head)
        self._prepared: dict[int, tuple[tuple[Any, ...], bytes]] = {}

    def prepare(self, kind: str, endpoint: str, request: Mapping[str, JsonValue], wall_ms: int,
                mono_s: float, clock_offset_ms: int) -> None:
        """Encode the head of a record still to come; used only if the record that comes has
        this very request object and equal fields. Never raises: encode() does it all again."""
        try:
            head = self._head(kind, endpoint, request, wall_ms, mono_s, clock_offset_ms)
        except Exception:  # anything wrong shows (and is handled) when the record is encoded
            return
        if head is None:
            return
        if len(self._prepared) >= MAX_PREPARED:
            self._prepared.clear()
        self._prepared[id(request)] = ((kind, endpoint, request, wall_ms, mono_s,
                                        clock_offset_ms), head)

    def encode(self, record: ExchangeCallRecord) -> bytes:
        """The line body (without seq and prev_hash), redacted and scrubbed."""
        head = self._prepared_head(record) if self._prepared else None
        if head is None:
            head = self._head(record.kind, record.endpoint, record.request, record.wall_ms,
                              record.mono_s, record.clock_offset_ms)
        tail = None if head is None else self._redactor.encode_plain(
            {"response": record.response, "outcome": record.outcome, "extra": record.extra})
        if head is None or tail is None:
            data = compact({**self._header, **self._redactor.clean(self._fields(record))})
        else:
            data = head + tail[1:]
        return self._redactor.scrub_bytes(data)

    def _prepared_head(self, record: ExchangeCallRecord) -> bytes | None:
        found = self._prepared.pop(id(record.request), None)
        if found is None:
            return None
        (kind, endpoint, request, wall_ms, mono_s, offset), head = found
        if request is record.request and kind == record.kind \
                and endpoint == record.endpoint and wall_ms == record.wall_ms \
                and mono_s == record.mono_s and offset == record.clock_offset_ms:
            return head
        return None

    def _head(self, kind: str, endpoint: str, request: Mapping[str, JsonValue], wall_ms: int,
              mono_s: float, clock_offset_ms: int) -> bytes | None:
        # '{<header>,"kind":..,...,"request":{..},' : the tail's fields follow the comma
        data = self._redactor.encode_plain({
            **self._header, "kind": kind, "endpoint": endpoint, "wall_ms": wall_ms,
            "wall_iso": utc_iso_ms(wall_ms), "mono_s": mono_s,
            "clock_offset_ms": clock_offset_ms, "request": request})
        return None if data is None else data[:-1] + b","

    @staticmethod
    def _fields(record: ExchangeCallRecord) -> dict[str, Any]:
        return {
            "kind": record.kind, "endpoint": record.endpoint, "wall_ms": record.wall_ms,
            "wall_iso": utc_iso_ms(record.wall_ms), "mono_s": record.mono_s,
            "clock_offset_ms": record.clock_offset_ms, "request": record.request,
            "response": record.response, "outcome": record.outcome, "extra": record.extra}


def compact(value: Any) -> bytes:
    # values were cleaned to plain JSON first, so NaN (refused here) cannot occur
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")
