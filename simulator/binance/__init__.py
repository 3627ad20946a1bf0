"""The Binance USDⓈ-M futures face of the simulator: the same core, Binance's wire."""
