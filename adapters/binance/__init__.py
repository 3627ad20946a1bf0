"""Binance USDⓈ-M futures adapter (REST + streams; USDC-M and USDT-M).
Build BinanceExchange(config, credentials, clock, evidence)."""

from adapters.binance.config import BinanceConfig
from adapters.binance.credentials import BinanceCredentials
from adapters.binance.exchange import BinanceExchange

__all__ = ["BinanceConfig", "BinanceCredentials", "BinanceExchange"]
