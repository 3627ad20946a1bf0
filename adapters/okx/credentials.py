"""API credentials that cannot leak through str(), repr(), format() or evidence."""

import attrs

from adapters.common.secret import Secret, as_secret


@attrs.frozen
class OkxCredentials:
    """The API key, its secret and passphrase, passed in by the container (never read here)."""

    api_key: Secret = attrs.field(converter=as_secret)
    secret: Secret = attrs.field(converter=as_secret)
    passphrase: Secret = attrs.field(converter=as_secret)

    def values(self) -> tuple[str, str, str]:
        """The three clear values, for redaction scans; never log the result."""
        return self.api_key.reveal(), self.secret.reveal(), self.passphrase.reveal()
