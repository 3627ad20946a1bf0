"""Compatibility: an ordinary session through the official python-okx SDK, unmodified, pointed
at the simulator (REST via `domain=`, WS via the URL; its WS client only speaks TLS, so the
simulator adds a TLS listener and SSL_CERT_FILE names its certificate), demo and live."""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import okx.Account as Account
import okx.MarketData as MarketData
import okx.PublicData as PublicData
import okx.Trade as Trade
import pytest
from okx.websocket.WsPrivateAsync import WsPrivateAsync
from okx.websocket.WsPublicAsync import WsPublicAsync

from simulator.embedded import EmbeddedSimulator
from tests.simulator.tls import write_self_signed

BTC = "BTC-USDT-SWAP"
# python-okx hands httpx a str body via data=, which httpx deprecates: the SDK's business
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return write_self_signed(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture(scope="module", params=["demo", "live"])
def okx_sim(request: pytest.FixtureRequest,
            cert_files: tuple[str, str]) -> Iterator[EmbeddedSimulator]:
    with EmbeddedSimulator(api_key="okx-key", secret="okx-secret", passphrase="okx-pass",
                           mode=request.param, price_walk=False, tls=cert_files) as sim:
        yield sim


def flag_of(sim: EmbeddedSimulator) -> str:
    return "1" if sim.settings.mode == "demo" else "0"


def test_a_rest_session(okx_sim: EmbeddedSimulator) -> None:
    url, flag = okx_sim.rest_url, flag_of(okx_sim)
    public = PublicData.PublicAPI(flag=flag, domain=url)
    market = MarketData.MarketAPI(flag=flag, domain=url)
    account = Account.AccountAPI("okx-key", "okx-secret", "okx-pass", flag=flag, domain=url)
    trade = Trade.TradeAPI("okx-key", "okx-secret", "okx-pass", flag=flag, domain=url)

    instruments = public.get_instruments(instType="SWAP")
    assert BTC in {i["instId"] for i in instruments["data"]}
    assert market.get_ticker(instId=BTC)["data"][0]["last"] == "30000"
    assert account.get_account_balance(ccy="USDT")["data"][0]["details"][0]["ccy"] == "USDT"
    assert account.get_account_config()["data"][0]["posMode"] == "net_mode"

    placed = trade.place_order(instId=BTC, tdMode="cross", side="buy", ordType="limit",
                               px="15000", sz="1", clOrdId="sdk1")
    assert (placed["code"], placed["data"][0]["sCode"]) == ("0", "0")
    ord_id = placed["data"][0]["ordId"]
    assert trade.get_order(instId=BTC, ordId=ord_id)["data"][0]["state"] == "live"
    assert trade.get_order(instId=BTC, clOrdId="sdk1")["data"][0]["ordId"] == ord_id
    assert [o["ordId"] for o in trade.get_order_list(instType="SWAP")["data"]] == [ord_id]
    assert trade.cancel_order(instId=BTC, ordId=ord_id)["data"][0]["sCode"] == "0"
    assert trade.get_order(instId=BTC, ordId=ord_id)["data"][0]["state"] == "canceled"

    stop = trade.place_algo_order(instId=BTC, tdMode="cross", side="sell",
                                  ordType="conditional", sz="1", slTriggerPx="20000",
                                  slOrdPx="-1", slTriggerPxType="mark", reduceOnly=True,
                                  algoClOrdId="sdkstop1")
    algo_id = stop["data"][0]["algoId"]
    pending = trade.order_algos_list(ordType="conditional")["data"]
    assert [(a["algoId"], a["algoClOrdId"]) for a in pending] == [(algo_id, "sdkstop1")]
    cancel = trade.cancel_algo_order([{"instId": BTC, "algoId": algo_id}])
    assert cancel["data"][0]["sCode"] == "0"
    assert trade.order_algos_list(ordType="conditional")["data"] == []

    assert account.set_leverage(lever="5", mgnMode="cross", instId=BTC)["data"][0]["lever"] == "5"
    trade.place_order(instId=BTC, tdMode="cross", side="buy", ordType="market", sz="1")
    [position] = account.get_positions(instType="SWAP")["data"]
    assert (position["pos"], position["lever"]) == ("1", "5")
    assert okx_sim.violations() == []


def test_a_public_ticker_and_a_private_orders_push(okx_sim: EmbeddedSimulator,
                                                   cert_files: tuple[str, str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", cert_files[0])
    trade = Trade.TradeAPI("okx-key", "okx-secret", "okx-pass", flag=flag_of(okx_sim),
                           domain=okx_sim.rest_url)

    async def session() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        tickers: list[dict[str, Any]] = []
        private: list[dict[str, Any]] = []
        public = WsPublicAsync(url=f"{okx_sim.wss_url}/ws/v5/public")
        await public.start()
        await public.subscribe([{"channel": "tickers", "instId": BTC}],
                               lambda raw: tickers.append(json.loads(raw)))
        orders = WsPrivateAsync(apiKey="okx-key", passphrase="okx-pass",
                                secretKey="okx-secret", url=f"{okx_sim.wss_url}/ws/v5/private")
        await orders.start()
        orders.callback = lambda raw: private.append(json.loads(raw))
        await orders.login()  # (its subscribe() sleeps 5 s after logging in; send directly)
        await _wait_for(lambda: private, 2)
        await orders.send("subscribe", [{"channel": "orders", "instType": "SWAP"}])
        await _wait_for(lambda: len(private) >= 2, 2)
        await asyncio.to_thread(trade.place_order, instId=BTC, tdMode="cross", side="buy",
                                ordType="limit", px="15000", sz="1", clOrdId="wspush1")
        await _wait_for(lambda: len(private) >= 3 and any("data" in m for m in tickers), 2)
        await public.stop()
        await orders.stop()
        return tickers, private

    tickers, private = asyncio.run(session())
    assert tickers[0]["event"] == "subscribe"
    assert next(m["data"][0]["last"] for m in tickers if "data" in m) == "30000"
    assert [m.get("event") for m in private[:2]] == ["login", "subscribe"]
    assert (private[2]["data"][0]["clOrdId"], private[2]["data"][0]["state"]) == (
        "wspush1", "live")


async def _wait_for(condition: object, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError("no message in time")
        await asyncio.sleep(0.01)
