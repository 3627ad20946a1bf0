"""OKX v5 adapter (REST + WebSocket). Build OkxExchange(config, credentials, clock, evidence)."""

from adapters.common.secret import Secret
from adapters.okx.config import OkxConfig
from adapters.okx.credentials import OkxCredentials
from adapters.okx.exchange import OkxExchange

__all__ = ["OkxConfig", "OkxCredentials", "OkxExchange", "Secret"]
