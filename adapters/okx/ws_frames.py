"""What the WS streams subscribe to, and how a login frame is redacted for the evidence."""

import copy
from collections.abc import Mapping
from typing import Any

import attrs

from adapters.okx.config import OkxConfig

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
