"""BinanceConfig: where Binance USDⓈ-M futures is and how the adapter paces and times its calls.

The container builds it (from settings); nothing in the adapter reads the environment.
"""

from typing import Any

import attrs

LIVE_REST_URL = "https://fapi.binance.com"
LIVE_WS_URL = "wss://fstream.binance.com"
TESTNET_REST_URL = "https://testnet.binancefuture.com"
TESTNET_WS_URL = "wss://fstream.binancefuture.com"
# the 2026 routed stream paths: user data under /private, mark price and klines under /market
USER_STREAM_PATH = "/private/stream"
MARKET_STREAM_PATH = "/market/stream"
# Binance closes a stream connection after 24 h: leave well before
MAX_SESSION_S = 23 * 3600.0
# a listen key lives 60 min after its last keepalive; Binance advises one every 30-50 min
KEEPALIVE_S = 30 * 60.0


def _http_url(_inst: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{attribute.name} must be an http(s) URL, got {value!r}")


def _ws_url(_inst: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    if not value.startswith(("ws://", "wss://")):
        raise ValueError(f"{attribute.name} must be a ws(s) URL, got {value!r}")


def _positive(_inst: object, attribute: "attrs.Attribute[Any]", value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


def _recv_window(_inst: object, attribute: "attrs.Attribute[int]", value: int) -> None:
    # Binance refuses a recvWindow above 60,000 ms and recommends at most 5,000
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60_000:
        raise ValueError(f"{attribute.name} must be an int in 1..60000 ms, got {value!r}")


def _fraction(_inst: object, attribute: "attrs.Attribute[float]", value: float) -> None:
    if not 0 < value <= 1:
        raise ValueError(f"{attribute.name} must be in (0, 1], got {value!r}")


@attrs.frozen
class BinanceConfig:
    """Defaults are Binance's production hosts; the container passes testnet or simulator ones."""

    rest_url: str = attrs.field(default=LIVE_REST_URL, validator=_http_url)
    # base of the stream routes (/private, /market are appended)
    ws_url: str = attrs.field(default=LIVE_WS_URL, validator=_ws_url)
    # the asset whose balance get_balances() reports (USDC for USDC-M, USDT for USDT-M)
    margin_asset: str = "USDC"
    # every signed request carries it; the exchange refuses a request older than this
    recv_window_ms: int = attrs.field(default=5000, validator=_recv_window)
    # protective stops as closePosition=true (no quantity) instead of quantity+reduceOnly
    stop_close_position: bool = False
    connect_timeout_s: float = attrs.field(default=5.0, validator=_positive)
    request_timeout_s: float = attrs.field(default=10.0, validator=_positive)
    pacing: bool = True
    # what carries REST calls: "aiohttp" (the default, BENCHMARKS.md) or httpx's own "httpx"
    http_stack: str = attrs.field(default="aiohttp",
                                  validator=attrs.validators.in_(("aiohttp", "httpx")))
    # share of each published limit the pacer lets us use (the rest absorbs other clients of
    # the same IP between two answers' usage headers)
    limit_share: float = attrs.field(default=0.9, validator=_fraction)
    # a 429's Retry-After up to this long is waited out; longer ones fail the call at once
    max_retry_after_s: float = attrs.field(default=10.0, validator=_positive)
    # reads (and idempotent settings) are tried this many times on transient failures
    read_attempts: int = attrs.field(default=3, validator=_positive)
    retry_base_s: float = attrs.field(default=0.2, validator=_positive)
    retry_max_s: float = attrs.field(default=2.0, validator=_positive)
    clock_samples: int = attrs.field(default=3, validator=_positive)
    # WS: symbols whose mark price and klines are streamed; kline intervals (Binance names)
    ws_symbols: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    ws_kline_intervals: tuple[str, ...] = attrs.field(default=("1m",), converter=tuple)
    listen_key_keepalive_s: float = attrs.field(default=KEEPALIVE_S, validator=_positive)
    ws_max_session_s: float = attrs.field(default=MAX_SESSION_S, validator=_positive)
    # protocol pings from our side; a connection that does not answer in time is dropped
    ws_ping_interval_s: float = attrs.field(default=30.0, validator=_positive)
    ws_ping_timeout_s: float = attrs.field(default=10.0, validator=_positive)
    ws_handshake_timeout_s: float = attrs.field(default=10.0, validator=_positive)
    ws_start_timeout_s: float = attrs.field(default=15.0, validator=_positive)
    ws_reconnect_base_s: float = attrs.field(default=0.5, validator=_positive)
    ws_reconnect_max_s: float = attrs.field(default=30.0, validator=_positive)
    # a subscriber that falls this far behind loses its queue and gets ResyncNeeded
    ws_queue_size: int = attrs.field(default=10_000, validator=_positive)

    def stream_url(self, path: str) -> str:
        return self.ws_url.rstrip("/") + path
