"""Binance request signing, verified over the request exactly as received.

X-MBX-APIKEY names the key; SIGNED endpoints carry `timestamp` and `signature` = hex
HMAC-SHA256(secret, totalParams), totalParams = the query string followed directly by the
urlencoded body, without the signature pair (sent last). Parameters may be in the query or in
an application/x-www-form-urlencoded body (ccxt uses the body for POST/PUT, the official SDK
the query for everything). Checks, in order: key header (-2014) and key (-2015), timestamp
and signature present (-1102), signature (-1022), timestamp within recvWindow (-1021).
"""

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qsl

from simulator.binance.errors import BinanceError

MAX_RECV_WINDOW_MS = 60_000
DEFAULT_RECV_WINDOW_MS = 5_000
AHEAD_LIMIT_MS = 1_000


@dataclass(frozen=True)
class BinanceKeys:
    api_key: str
    secret: str


def sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def split_signature(raw: bytes) -> tuple[bytes, bytes | None]:
    """(what was signed, the signature) of a query string or form body."""
    parts = raw.split(b"&") if raw else []
    kept = [part for part in parts if not part.startswith(b"signature=")]
    found = [part[len(b"signature="):] for part in parts if part.startswith(b"signature=")]
    return b"&".join(kept), (found[-1] if found else None)


def params_of(query: bytes, body: bytes, form: bool) -> dict[str, str]:
    """Query parameters, then the form body's (a body wins over the query for the same name)."""
    params = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    if form and body:
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def check_key(headers: dict[bytes, bytes], keys: BinanceKeys) -> None:
    key = headers.get(b"x-mbx-apikey")
    if not key:
        raise BinanceError(-2014)
    if key.decode("latin-1") != keys.api_key:
        raise BinanceError(-2015)


def verify_signed(headers: dict[bytes, bytes], query: bytes, body: bytes,
                  params: dict[str, str], keys: BinanceKeys, now_ms: int,
                  check_time: bool = True) -> None:
    """Raise the BinanceError Binance would give; return quietly when the call is authentic."""
    check_key(headers, keys)
    raw_ts = params.get("timestamp", "")
    if not raw_ts.isdigit():
        raise BinanceError(-1102, "timestamp")
    signed_query, in_query = split_signature(query)
    signed_body, in_body = split_signature(body)
    signature = in_body if in_body is not None else in_query
    if not signature:
        raise BinanceError(-1102, "signature")
    expected = sign(keys.secret, signed_query + signed_body)
    if not hmac.compare_digest(expected.encode(), signature.lower()):
        raise BinanceError(-1022)
    window = params.get("recvWindow", "")
    recv_window = int(window) if window.isdigit() else DEFAULT_RECV_WINDOW_MS
    if window and (not window.isdigit() or recv_window > MAX_RECV_WINDOW_MS):
        raise BinanceError(-1130, "recvWindow")
    stamp = int(raw_ts)
    if not check_time:
        return
    if stamp >= now_ms + AHEAD_LIMIT_MS:
        raise BinanceError(-1021, msg="Timestamp for this request was 1000ms ahead of the "
                                      "server's time.")
    if now_ms - stamp > recv_window:
        raise BinanceError(-1021)
