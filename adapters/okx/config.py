"""OkxConfig: where the exchange is and how the adapter paces and times its calls.

The container builds it (from settings); nothing in the adapter reads the environment.
"""

from typing import Any

import attrs

LIVE_REST_URL = "https://www.okx.com"
LIVE_WS_URL = "wss://ws.okx.com:8443"
DEMO_WS_URL = "wss://wspap.okx.com:8443"
WS_PATHS = {"public": "/ws/v5/public", "private": "/ws/v5/private",
            "business": "/ws/v5/business"}
TD_MODES = ("cross", "isolated")


def _http_url(_inst: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{attribute.name} must be an http(s) URL, got {value!r}")


def _ws_url(_inst: object, attribute: "attrs.Attribute[str | None]", value: str | None) -> None:
    if value is not None and not value.startswith(("ws://", "wss://")):
        raise ValueError(f"{attribute.name} must be a ws(s) URL, got {value!r}")


def _positive(_inst: object, attribute: "attrs.Attribute[Any]", value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


@attrs.frozen
class OkxConfig:
    """Defaults are OKX production; demo=True switches the WS host and adds x-simulated-trading."""

    rest_url: str = attrs.field(default=LIVE_REST_URL, validator=_http_url)
    # base of the three WS services (paths /ws/v5/{public,private,business} are appended);
    # None means OKX's live or demo host according to `demo`
    ws_url: str | None = attrs.field(default=None, validator=_ws_url)
    # full per-service URLs, for hosts that do not follow the path scheme
    ws_public_url: str | None = attrs.field(default=None, validator=_ws_url)
    ws_private_url: str | None = attrs.field(default=None, validator=_ws_url)
    ws_business_url: str | None = attrs.field(default=None, validator=_ws_url)
    demo: bool = False
    td_mode: str = attrs.field(default="cross", validator=attrs.validators.in_(TD_MODES))
    # currency whose balance get_balances() reports
    settle_ccy: str = "USDT"
    connect_timeout_s: float = attrs.field(default=5.0, validator=_positive)
    request_timeout_s: float = attrs.field(default=10.0, validator=_positive)
    # expTime = exchange-clock now + this: the exchange drops a placement it receives later
    write_deadline_ms: int = attrs.field(default=5000, validator=_positive)
    pacing: bool = True
    # what carries REST calls: "aiohttp" (measured ~2x cheaper a call) or httpx's own "httpx"
    http_stack: str = attrs.field(default="aiohttp",
                                  validator=attrs.validators.in_(("aiohttp", "httpx")))
    # reads (and idempotent settings) are tried this many times on transient failures
    read_attempts: int = attrs.field(default=3, validator=_positive)
    retry_base_s: float = attrs.field(default=0.2, validator=_positive)
    retry_max_s: float = attrs.field(default=2.0, validator=_positive)
    clock_samples: int = attrs.field(default=3, validator=_positive)
    # WS: symbols whose tickers, mark price and candles are streamed; candle bars (OKX names)
    ws_symbols: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    ws_candle_bars: tuple[str, ...] = attrs.field(default=("1m",), converter=tuple)
    ws_ping_idle_s: float = attrs.field(default=25.0, validator=_positive)
    ws_pong_timeout_s: float = attrs.field(default=5.0, validator=_positive)
    ws_handshake_timeout_s: float = attrs.field(default=10.0, validator=_positive)
    ws_start_timeout_s: float = attrs.field(default=15.0, validator=_positive)
    ws_reconnect_base_s: float = attrs.field(default=0.5, validator=_positive)
    ws_reconnect_max_s: float = attrs.field(default=30.0, validator=_positive)
    # a subscriber that falls this far behind loses its queue and gets ResyncNeeded
    ws_queue_size: int = attrs.field(default=10_000, validator=_positive)

    # regular orders over the private WS (order / cancel-order ops), REST when the socket is
    # down; None = on for live, off for demo (a 2026 report has demo refusing instIdCode)
    ws_orders: bool | None = None

    @property
    def ws_orders_on(self) -> bool:
        return (not self.demo) if self.ws_orders is None else self.ws_orders

    def ws_endpoint(self, service: str) -> str:
        """The URL of one WS service: "public", "private" or "business"."""
        explicit = {"public": self.ws_public_url, "private": self.ws_private_url,
                    "business": self.ws_business_url}[service]
        if explicit is not None:
            return explicit
        base = self.ws_url or (DEMO_WS_URL if self.demo else LIVE_WS_URL)
        return base.rstrip("/") + WS_PATHS[service]
