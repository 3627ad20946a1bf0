"""What the WS streams subscribe to, and how each frame becomes (redacted) evidence."""

import copy
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from adapters.okx.config import OkxConfig
from domain.evidence import EvidenceRef
from ports.clock import Clock
from ports.evidence import EvidenceSink, ExchangeCallRecord

REDACTED = "[redacted]"
LOGIN_SECRET_FIELDS = ("apiKey", "passphrase", "sign")


@attrs.frozen
class StreamSpec:
    """One WS connection: its service, URL, whether it logs in, and its channel args."""

    service: str
    url: str
    login: bool
    args: tuple[Mapping[str, str], ...]


def stream_specs(config: OkxConfig) -> list[StreamSpec]:
    """private: orders, positions, account; business: orders-algo and candles; public:
    tickers and mark price (only when symbols are configured)."""
    symbols = config.ws_symbols
    private = ({"channel": "orders", "instType": "SWAP"},
               {"channel": "positions", "instType": "SWAP"}, {"channel": "account"})
    business = ({"channel": "orders-algo", "instType": "SWAP"},
                *({"channel": f"candle{bar}", "instId": s}
                  for s in symbols for bar in config.ws_candle_bars))
    specs = [StreamSpec("private", config.ws_endpoint("private"), True, private),
             StreamSpec("business", config.ws_endpoint("business"), True, business)]
    if symbols:
        public = tuple({"channel": channel, "instId": s}
                       for s in symbols for channel in ("tickers", "mark-price"))
        specs.append(StreamSpec("public", config.ws_endpoint("public"), False, public))
    return specs


def arg_key(arg: Mapping[str, Any]) -> tuple[str, str]:
    """How a subscribe ack is matched to what was asked (OKX echoes the arg)."""
    scope = arg.get("instId") or arg.get("instType") or arg.get("ccy") or ""
    return str(arg.get("channel", "")), str(scope)


def redact_frame(frame: Any) -> Any:
    """A login frame with apiKey, passphrase and sign masked; other frames unchanged."""
    if not isinstance(frame, Mapping) or frame.get("op") != "login":
        return frame
    masked = copy.deepcopy(dict(frame))
    for arg in masked.get("args", []):
        if isinstance(arg, dict):
            arg.update({k: REDACTED for k in LOGIN_SECRET_FIELDS if k in arg})
    return masked


class FrameRecorder:
    """Every WS frame in or out, and every connection state change, as one evidence record."""

    def __init__(self, sink: EvidenceSink, clock: Clock, offset_ms: Callable[[], int]) -> None:
        self._sink = sink
        self._clock = clock
        self._offset_ms = offset_ms

    def frame(self, kind: str, url: str, frame: Any) -> EvidenceRef:
        redacted = redact_frame(frame)
        request = {"frame": redacted} if kind == "ws_out" else {}
        response = {"frame": redacted} if kind == "ws_in" else None
        return self._record(kind, url, request, response, "ok")

    def state(self, url: str, state: str, detail: str = "") -> EvidenceRef:
        return self._record("ws_state", url, {"state": state, "detail": detail}, None, state)

    def _record(self, kind: str, url: str, request: Mapping[str, Any],
                response: Mapping[str, Any] | None, outcome: str) -> EvidenceRef:
        return self._sink.record_call(ExchangeCallRecord(
            kind, f"WS {urlsplit(url).path}", request, response, outcome,
            self._clock.now_ms(), self._clock.monotonic(), self._offset_ms(), {"url": url}))
