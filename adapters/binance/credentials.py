"""Binance API credentials: a key and its HMAC secret (no passphrase)."""

import attrs

from adapters.common.secret import Secret, as_secret


@attrs.frozen
class BinanceCredentials:
    """Passed in by the container (never read here)."""

    api_key: Secret = attrs.field(converter=as_secret)
    secret: Secret = attrs.field(converter=as_secret)

    def values(self) -> tuple[str, str]:
        """The clear values, for redaction scans; never log the result."""
        return self.api_key.reveal(), self.secret.reveal()
