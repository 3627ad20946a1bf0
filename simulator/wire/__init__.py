"""The OKX wire layer: REST under /api/v5, WebSocket under /ws/v5, admin under /sim."""
