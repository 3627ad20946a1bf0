"""Binance listen keys in a replay.

The evidence never holds a listen key, only its fingerprint (`lk:` + 12 hex digits of its
SHA-256, adapters/binance/redact.py): in the recorded answer that handed it out, and in the
SUBSCRIBE frames and stream URLs that used it. A replay hands the engine a stand-in key for
each recorded fingerprint (64 letters and digits, like Binance's) and, before a frame or URL
the engine sends is compared with the recording, writes each stand-in back as its
fingerprint. So a SUBSCRIBE matches only when the engine used the key the recorded answer
gave it (a re-created key must be the new one), which is what the recording proves without
holding the key.
"""

import re
from collections.abc import Mapping
from typing import Any

FINGERPRINT = re.compile(r"^lk:[0-9a-f]{12}$")
LISTEN_KEY = "listenKey"
KEY_LENGTH = 64


class ListenKeyStandIns:
    def __init__(self) -> None:
        self._fingerprints: dict[str, str] = {}  # stand-in -> the recorded fingerprint

    def __bool__(self) -> bool:
        return bool(self._fingerprints)

    def stand_in(self, fingerprint: str) -> str:
        key = ("replaylistenkey" + fingerprint[3:]).ljust(KEY_LENGTH, "0")
        self._fingerprints[key] = fingerprint
        return key

    def hand_out(self, body: Any) -> Any:
        """A recorded answer body with each fingerprinted listenKey replaced by its stand-in."""
        if isinstance(body, Mapping):
            return {k: self.stand_in(v) if k == LISTEN_KEY and isinstance(v, str)
                    and FINGERPRINT.match(v) else self.hand_out(v) for k, v in body.items()}
        if isinstance(body, list):
            return [self.hand_out(v) for v in body]
        return body

    def as_recorded(self, value: Any) -> Any:
        """value with every stand-in, wherever it appears in a string, as its fingerprint."""
        if not self._fingerprints:
            return value
        if isinstance(value, str):
            for key, fingerprint in self._fingerprints.items():
                if key in value:
                    value = value.replace(key, fingerprint)
            return value
        if isinstance(value, Mapping):
            return {self.as_recorded(k): self.as_recorded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.as_recorded(v) for v in value]
        return value
