"""Adapters: the technology behind each port (OKX REST/WS, files, clocks)."""
