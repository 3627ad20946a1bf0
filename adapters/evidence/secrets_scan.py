"""verify's scan for credential material in a run directory.

The sink redacts every field whose name marks a credential (OK-ACCESS-KEY/-SIGN/-PASSPHRASE,
apiKey, sign, secret, passphrase, ...) and every literal secret of the run. So a parsed
document that the same redaction would still change holds something that should not be
there; so does a private key block, or a literal credential the verifier was told about.
"""

from collections.abc import Iterable
from typing import Any

from adapters.evidence.redact import MIN_SECRET_LEN, Redactor

_PEM = b"-----BEGIN "
_PRIVATE = b"PRIVATE KEY-----"
_BY_NAME = Redactor()


def unredacted(value: Any, path: str = "$") -> str | None:
    """The first place in a parsed JSON value where redaction would still change something."""
    if _BY_NAME.clean(value) == value:
        return None
    return _first_difference(value, _BY_NAME.clean(value), path)


def _first_difference(seen: Any, cleaned: Any, path: str) -> str:
    if isinstance(seen, dict) and isinstance(cleaned, dict):
        for (key, item), (_, clean_item) in zip(seen.items(), cleaned.items(), strict=False):
            if item != clean_item:
                return _first_difference(item, clean_item, f"{path}.{key}")
    if isinstance(seen, list) and isinstance(cleaned, list) and len(seen) == len(cleaned):
        for index, (item, clean_item) in enumerate(zip(seen, cleaned, strict=True)):
            if item != clean_item:
                return _first_difference(item, clean_item, f"{path}[{index}]")
    return path


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
