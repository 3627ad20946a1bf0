"""OK-ACCESS-* verification, recomputed over the request exactly as received."""

import base64
import calendar
import hashlib
import hmac
import re
from dataclasses import dataclass

from simulator.core.errors import ApiError

TIMESTAMP = re.compile(rb"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z")
WINDOW_MS = 30_000
WS_VERIFY = b"GET/users/self/verify"


@dataclass(frozen=True)
class Credentials:
    api_key: str
    secret: str
    passphrase: str


def sign(secret: str, prehash: bytes) -> str:
    digest = hmac.new(secret.encode(), prehash, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_timestamp_ms(raw: bytes) -> int | None:
    """OK-ACCESS-TIMESTAMP (ISO-8601, three ms digits, Z) as Unix ms; None if malformed."""
    match = TIMESTAMP.fullmatch(raw)
    if match is None:
        return None
    year, month, day, hour, minute, second, millis = (int(g) for g in match.groups())
    try:
        seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (OverflowError, ValueError):
        return None
    return seconds * 1000 + millis


def verify_rest(headers: dict[bytes, bytes], method: str, request_path: bytes, body: bytes,
                creds: Credentials, now_ms: int, demo: bool,
                window_ms: int | None = WINDOW_MS) -> None:
    """Raise the ApiError OKX would give; return quietly when the call is authentic."""
    key = headers.get(b"ok-access-key")
    passphrase = headers.get(b"ok-access-passphrase")
    signature = headers.get(b"ok-access-sign")
    timestamp = headers.get(b"ok-access-timestamp")
    if not key:
        raise ApiError("50103")
    if not passphrase:
        raise ApiError("50104")
    if not signature:
        raise ApiError("50106")
    if not timestamp:
        raise ApiError("50107")
    stamp_ms = parse_timestamp_ms(timestamp)
    if stamp_ms is None:
        raise ApiError("50112")
    if window_ms is not None and abs(now_ms - stamp_ms) > window_ms:
        raise ApiError("50102")
    if key.decode("latin-1") != creds.api_key:
        raise ApiError("50111")
    if (headers.get(b"x-simulated-trading", b"0").strip() == b"1") != demo:
        raise ApiError("50101")
    if passphrase.decode("latin-1") != creds.passphrase:
        raise ApiError("50105")
    prehash = timestamp + method.encode() + request_path + body
    if not hmac.compare_digest(sign(creds.secret, prehash).encode(), signature.strip()):
        raise ApiError("50113")


def verify_ws_login(args: dict[str, object], creds: Credentials, now_ms: int,
                    window_ms: int | None = WINDOW_MS) -> str | None:
    """None if the login is good, else the OKX WS error code (60004-60024)."""
    api_key, passphrase = args.get("apiKey"), args.get("passphrase")
    raw_ts, signature = args.get("timestamp"), args.get("sign")
    if not all(isinstance(v, str) and v for v in (api_key, passphrase, signature)):
        return "60009"
    if isinstance(raw_ts, int) and not isinstance(raw_ts, bool):
        raw_ts = str(raw_ts)  # python-okx sends the seconds as a JSON number
    if not isinstance(raw_ts, str) or not raw_ts.isdigit():
        return "60004"
    if window_ms is not None and abs(now_ms - int(raw_ts) * 1000) > window_ms:
        return "60006"
    if api_key != creds.api_key:
        return "60005"
    if passphrase != creds.passphrase:
        return "60024"
    expected = sign(creds.secret, raw_ts.encode() + WS_VERIFY)
    if not hmac.compare_digest(expected, str(signature)):
        return "60007"
    return None
