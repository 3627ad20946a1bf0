"""Binance USDⓈ-M futures adapter (REST + streams; USDC-M and USDT-M): one role implementation
per module, wired by the container.

    rest = BinanceRest(config, credentials, clock, sink)       # one keep-alive HTTP client
    BinanceMarket(rest), BinanceAccount(rest, config)           # MarketData, Account
    BinanceTrading(rest, account), BinanceAlgos(rest, account, config)   # Orders, AlgoOrders
    BinanceStreams(config, rest, clock, sink, EventHub(...), rng)        # Streams

entrypoints/container.py (BinanceVenue) builds these and composes them into
ports.ExchangeAdapter.
"""

from adapters.binance.account import BinanceAccount
from adapters.binance.algos import BinanceAlgos
from adapters.binance.config import BinanceConfig
from adapters.binance.credentials import BinanceCredentials
from adapters.binance.market import BinanceMarket
from adapters.binance.rest import BinanceRest
from adapters.binance.trading import BinanceTrading
from adapters.binance.ws import BinanceStreams

__all__ = ["BinanceAccount", "BinanceAlgos", "BinanceConfig", "BinanceCredentials",
           "BinanceMarket", "BinanceRest", "BinanceStreams", "BinanceTrading"]
