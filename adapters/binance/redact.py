"""Listen keys in evidence. A listen key lets anyone holding it read the account's user-data
stream, so the evidence keeps a fingerprint instead ("lk:" + 12 hex digits of its SHA-256):
records stay correlatable (the same key, a new key) without the key itself. The API key header
and the request signature are redacted where the requests are recorded (rest.py)."""

import hashlib
from collections.abc import Iterable
from typing import Any

LISTEN_KEY = "listenKey"


def fingerprint(key: str) -> str:
    return "lk:" + hashlib.sha256(key.encode()).hexdigest()[:12]


def mask_listen_keys(value: Any) -> Any:
    """A copy of value with every `listenKey` field's value replaced by its fingerprint."""
    if isinstance(value, dict):
        return {k: fingerprint(v) if k == LISTEN_KEY and isinstance(v, str) and v
                else mask_listen_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_listen_keys(item) for item in value]
    return value


def mask_known(value: Any, keys: Iterable[str]) -> Any:
    """A copy of value with every known key, wherever it appears in a string (a stream URL, a
    SUBSCRIBE frame, a combined stream's name), replaced by its fingerprint."""
    known = [k for k in keys if k]
    # listenKey fields once, over the whole value: a fingerprint masked again would name a
    # key that never existed (a nested listenKeyExpired event named none of ours)
    masked = mask_listen_keys(value)
    return _replace_known(masked, known) if known else masked


def _replace_known(value: Any, known: list[str]) -> Any:
    if isinstance(value, str):
        for key in known:
            value = value.replace(key, fingerprint(key))
        return value
    if isinstance(value, dict):
        return {_replace_known(k, known): _replace_known(v, known) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_known(item, known) for item in value]
    return value
