"""Binance request signing: hex HMAC-SHA256(secret, totalParams), where totalParams is the query
string followed directly (no "&") by the urlencoded form body, both without the signature."""

import hashlib
import hmac

from adapters.common.secret import Secret

KEY_HEADER = "X-MBX-APIKEY"


def sign(secret: Secret, total_params: str) -> str:
    """The `signature` value for one request."""
    return hmac.new(secret.reveal().encode(), total_params.encode(), hashlib.sha256).hexdigest()


def signed_params(secret: Secret, query: str, body: str) -> str:
    """The signature over the query and the body exactly as they are sent."""
    return sign(secret, query + body)
