"""OKX v5 request signing: Base64(HMAC-SHA256(secret, timestamp + METHOD + path + body))."""

import base64
import functools
import hashlib
import hmac
from datetime import UTC, datetime

from adapters.common.secret import Secret
from adapters.okx.credentials import OkxCredentials

WS_VERIFY_PATH = "/users/self/verify"


def sign(secret: Secret, prehash: str) -> str:
    """The OK-ACCESS-SIGN value for one prehash string."""
    digest = hmac.new(secret.reveal().encode(), prehash.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def rest_timestamp(epoch_ms: int) -> str:
    """OK-ACCESS-TIMESTAMP: UTC ISO-8601 with exactly three millisecond digits and a Z."""
    seconds, millis = divmod(epoch_ms, 1000)
    return f"{_utc_second(seconds)}.{millis:03d}Z"


@functools.lru_cache(maxsize=64)  # signed calls come many to a second: format each once
def _utc_second(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def rest_headers(credentials: OkxCredentials, timestamp: str, method: str,
                 request_path: str, body: str) -> dict[str, str]:
    """The four OK-ACCESS-* headers for a private call; request_path includes the query."""
    prehash = timestamp + method.upper() + request_path + body
    return {
        "OK-ACCESS-KEY": credentials.api_key.reveal(),
        "OK-ACCESS-SIGN": sign(credentials.secret, prehash),
        "OK-ACCESS-TIMESTAMP": timestamp,
        "OK-ACCESS-PASSPHRASE": credentials.passphrase.reveal(),
    }


def ws_login_args(credentials: OkxCredentials, epoch_s: int) -> dict[str, str]:
    """The single argument of a WS login op; the timestamp is in whole seconds."""
    timestamp = str(epoch_s)
    return {
        "apiKey": credentials.api_key.reveal(),
        "passphrase": credentials.passphrase.reveal(),
        "timestamp": timestamp,
        "sign": sign(credentials.secret, timestamp + "GET" + WS_VERIFY_PATH),
    }
