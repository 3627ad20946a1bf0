"""OKX v5 adapter: one role implementation per module, wired by the container.

    rest = OkxRest(config, credentials, clock, sink)        # one keep-alive HTTP client
    OkxMarket(rest), OkxAccount(rest, config)                # MarketData, Account
    OkxWsOrders(config, credentials, clock, sink, rest, rng, EventHub(...))  # orders over WS
    OkxTrading(rest, account, config, ws_orders), OkxAlgos(rest, account, config)
    OkxStreams(config, credentials, clock, sink, EventHub(...), rng, exchange_clock_of(rest))

entrypoints/container.py (OkxVenue) builds these and composes them into ports.ExchangeAdapter.
"""

from adapters.common.secret import Secret
from adapters.okx.account import OkxAccount
from adapters.okx.algos import OkxAlgos
from adapters.okx.config import OkxConfig
from adapters.okx.credentials import OkxCredentials
from adapters.okx.market import OkxMarket
from adapters.okx.rest import OkxRest
from adapters.okx.trading import OkxTrading
from adapters.okx.ws import OkxStreams, exchange_clock_of
from adapters.okx.ws_orders import OkxWsOrders

__all__ = ["OkxAccount", "OkxAlgos", "OkxConfig", "OkxCredentials", "OkxMarket", "OkxRest",
           "OkxStreams", "OkxTrading", "OkxWsOrders", "Secret", "exchange_clock_of"]
