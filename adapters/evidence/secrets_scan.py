"""verify's scan for credential material in a run directory.

The sink redacts every field whose name marks a credential (OK-ACCESS-KEY/-SIGN/-PASSPHRASE,
apiKey, sign, secret, passphrase, ...) and every literal secret of the run. So a parsed
document that the same redaction would still change holds something that should not be
there; so does a private key block, or a literal credential the verifier was told about.
"""

import json
from collections.abc import Iterable
from typing import Any

from adapters.evidence.redact import (
    _MAYBE_SECRET_KEY,
    MIN_SECRET_LEN,
    REDACTED,
    is_secret_name,
)

_PEM = b"-----BEGIN "
_PRIVATE = b"PRIVATE KEY-----"


def unredacted(value: Any) -> str | None:
    """The first place in a parsed JSON value that the sink's redaction by name would still
    change (it walks as Redactor.clean does, without building a copy)."""
    found = _find(value)
    return "$" + "".join(reversed(found)) if found is not None else None


def _find(value: Any) -> list[str] | None:
    # the path comes back reversed, built only on a hit
    if isinstance(value, dict):
        for key, item in value.items():
            if is_secret_name(str(key)):
                if item != REDACTED:
                    return [f".{key}"]
            elif (found := _find(item)) is not None:
                return [*found, f".{key}"]
    elif isinstance(value, list):
        if len(value) == 2 and isinstance(value[0], str) and is_secret_name(value[0]):
            return None if value[1] == REDACTED else ["[1]"]
        for index, item in enumerate(value):
            if (found := _find(item)) is not None:
                return [*found, f"[{index}]"]
    elif isinstance(value, str) and value.lstrip()[:1] in ("{", "[") \
            and _MAYBE_SECRET_KEY.search(value):
        try:
            embedded = json.loads(value)
        except ValueError:
            return None
        if (found := _find(embedded)) is not None:
            return [*found, " (JSON inside the string)"]
    return None


class LiteralScan:
    """Credentials the verifier knows (e.g. its own OKX_* environment) and private key blocks,
    looked for in the raw bytes of every file."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._needles = [s.encode("utf-8") for s in secrets if len(s) >= MIN_SECRET_LEN]

    def problem(self, data: bytes) -> str | None:
        if _PEM in data and _PRIVATE in data:
            return "holds a private key block"
        for needle in self._needles:
            if needle in data:
                return "holds a credential of this machine's environment, unredacted"
        return None
