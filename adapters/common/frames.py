"""Every WS frame in or out, and every connection state change, as one evidence record."""

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from domain.evidence import EvidenceRef
from ports.clock import Clock
from ports.evidence import EvidenceSink, ExchangeCallRecord


def _unchanged(value: Any) -> Any:
    return value


class FrameRecorder:
    """redact_frame masks a frame's credentials and redact_url a URL's (a venue's own rules);
    the sink redacts known secret names again before anything reaches disk."""

    def __init__(self, sink: EvidenceSink, clock: Clock, offset_ms: Callable[[], int], *,
                 redact_frame: Callable[[Any], Any] = _unchanged,
                 redact_url: Callable[[str], str] = _unchanged) -> None:
        self._sink = sink
        self._clock = clock
        self._offset_ms = offset_ms
        self._redact_frame = redact_frame
        self._redact_url = redact_url

    def frame(self, kind: str, url: str, frame: Any) -> EvidenceRef:
        redacted = self._redact_frame(frame)
        request = {"frame": redacted} if kind == "ws_out" else {}
        response = {"frame": redacted} if kind == "ws_in" else None
        return self._record(kind, url, request, response, "ok")

    def state(self, url: str, state: str, detail: str = "") -> EvidenceRef:
        return self._record("ws_state", url, {"state": state, "detail": detail}, None, state)

    def _record(self, kind: str, url: str, request: Mapping[str, Any],
                response: Mapping[str, Any] | None, outcome: str) -> EvidenceRef:
        shown = self._redact_url(url)
        return self._sink.record_call(ExchangeCallRecord(
            kind, f"WS {urlsplit(shown).path}", request, response, outcome,
            self._clock.now_ms(), self._clock.monotonic(), self._offset_ms(), {"url": shown}))
