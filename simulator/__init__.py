"""An OKX v5 compatible exchange on loopback; a separate exchange, outside the hexagon."""
