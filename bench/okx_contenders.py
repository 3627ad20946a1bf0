"""Other OKX clients for the lifecycle bench: ccxt (raw endpoints and unified API) and python-okx.

Each returns a lifecycle (place post-only, GET it, cancel it, GET it) over the simulator, with
the same order as the engine's rows. ccxt and python-okx are dev dependencies: only the benches
import them.
"""

from collections.abc import Awaitable, Callable
from typing import Any

BTC = "BTC-USDT-SWAP"
Lifecycle = Callable[[int], Awaitable[None]]
ORDER = {"instId": BTC, "tdMode": "cross", "side": "buy", "ordType": "post_only",
         "px": "20000", "sz": "1"}


async def ccxt_client(rest_url: str, key: str, secret: str, passphrase: str) -> Any:
    """ccxt.async_support.okx on the demo face, rate limiter off, markets loaded."""
    import ccxt.async_support as ccxt_async
    exchange = ccxt_async.okx({"apiKey": key, "secret": secret, "password": passphrase,
                               "enableRateLimit": False})
    exchange.set_sandbox_mode(True)
    exchange.urls["api"]["rest"] = rest_url
    await exchange.load_markets()
    return exchange


def ccxt_raw_lifecycle(exchange: Any) -> Lifecycle:
    """ccxt's implicit endpoint methods: its HTTP stack and signing, no parsing into its types."""
    async def lifecycle(n: int) -> None:
        placed = await exchange.privatePostTradeOrder({**ORDER, "clOrdId": f"bncr{n}"})
        ord_id = placed["data"][0]["ordId"]
        await exchange.privateGetTradeOrder({"instId": BTC, "ordId": ord_id})
        await exchange.privatePostTradeCancelOrder({"instId": BTC, "ordId": ord_id})
        await exchange.privateGetTradeOrder({"instId": BTC, "ordId": ord_id})
    return lifecycle


def ccxt_unified_lifecycle(exchange: Any) -> Lifecycle:
    """ccxt's unified API, which parses every answer into its own order structure."""
    symbol = "BTC/USDT:USDT"

    async def lifecycle(n: int) -> None:
        order = await exchange.create_order(symbol, "limit", "buy", 1, 20000,
                                            {"postOnly": True, "clientOrderId": f"bncu{n}",
                                             "tdMode": "cross"})
        await exchange.fetch_order(order["id"], symbol)
        await exchange.cancel_order(order["id"], symbol)
        await exchange.fetch_order(order["id"], symbol)
    return lifecycle


def python_okx_client(rest_url: str, key: str, secret: str, passphrase: str) -> Any:
    import okx.Trade as okx_trade
    return okx_trade.TradeAPI(key, secret, passphrase, flag="1", domain=rest_url, debug=False)


def python_okx_lifecycle(api: Any) -> Lifecycle:
    """python-okx's TradeAPI (blocking httpx.Client): nothing else runs on the loop meanwhile."""
    async def lifecycle(n: int) -> None:
        placed = api.place_order(instId=BTC, tdMode="cross", side="buy", ordType="post_only",
                                 px="20000", sz="1", clOrdId=f"bnpo{n}")
        ord_id = placed["data"][0]["ordId"]
        api.get_order(instId=BTC, ordId=ord_id)
        api.cancel_order(instId=BTC, ordId=ord_id)
        api.get_order(instId=BTC, ordId=ord_id)
    return lifecycle
