"""The operator chooses OKX's WS order entry and the REST stack in the settings file or the
environment; each choice reaches the adapter's config, and a bad value is refused by name."""

from pathlib import Path
from typing import Any

import pytest

from adapters.binance import BinanceConfig
from adapters.common.aio_transport import AiohttpTransport
from adapters.okx import OkxConfig
from entrypoints.container import build_container, container_config
from entrypoints.settings import SettingsError, load_settings

OKX = {"OKX_API_KEY": "k-123456", "OKX_API_SECRET": "s-123456", "OKX_API_PASSPHRASE": "p-1234"}
BINANCE = {"BINANCE_API_KEY": "bk-1234567", "BINANCE_API_SECRET": "bs-1234567"}


def okx_config(env: dict[str, str], config: Path | None = None,
               venue: str = "okx-demo") -> OkxConfig:
    settings = load_settings(env=env, venue=venue, config_path=config, live_confirmed=True)
    found: OkxConfig = build_container(container_config(
        settings, run_prefix="x", labels={})).adapters.okx_config()
    return found


def binance_config(env: dict[str, str], config: Path | None = None) -> BinanceConfig:
    settings = load_settings(env=env, venue="binance-testnet", config_path=config)
    found: BinanceConfig = build_container(container_config(
        settings, run_prefix="x", labels={})).adapters.binance_config()
    return found


def test_by_default_ws_orders_follow_the_venue_and_rest_rides_on_aiohttp() -> None:
    demo = okx_config(OKX)
    assert (demo.ws_orders, demo.ws_orders_on, demo.http_stack) == (None, False, "aiohttp")
    live = okx_config(OKX | {"OKX_REST_URL": "https://www.okx.com"}, venue="okx-live")
    assert (live.ws_orders, live.ws_orders_on, live.http_stack) == (None, True, "aiohttp")


@pytest.mark.parametrize(("text", "env", "ws_orders", "stack"), [
    ("[okx]\nws_orders = true\n", {}, True, "aiohttp"),
    ("[okx]\nws_orders = false\n[engine]\nhttp_stack = 'httpx'\n", {}, False, "httpx"),
    # the environment wins over the file; "auto" gives the choice back to the venue
    ("[okx]\nws_orders = true\n", {"OKX_WS_ORDERS": "auto"}, None, "aiohttp"),
    ("[engine]\nhttp_stack = 'httpx'\n", {"PROMETHEUS_HTTP_STACK": "aiohttp",
                                          "OKX_WS_ORDERS": "TRUE"}, True, "aiohttp"),
])
def test_the_file_and_the_environment_choose(tmp_path: Path, text: str, env: dict[str, str],
                                             ws_orders: bool | None, stack: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    okx = okx_config(OKX | env, config)
    assert (okx.ws_orders, okx.http_stack) == (ws_orders, stack)
    assert okx.ws_orders_on is bool(ws_orders)


def test_the_binance_venue_takes_the_same_stack(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[engine]\nhttp_stack = 'httpx'\n")
    assert binance_config(BINANCE, config).http_stack == "httpx"
    assert binance_config(BINANCE).http_stack == "aiohttp"


def test_the_chosen_stack_carries_the_venue_s_rest_calls(tmp_path: Path) -> None:
    import httpx

    from adapters.binance.rest import BinanceRest
    from adapters.okx.rest import OkxRest
    config = tmp_path / "c.toml"
    for stack, kind in (("httpx", httpx.AsyncHTTPTransport), ("aiohttp", AiohttpTransport)):
        config.write_text(f"[engine]\nhttp_stack = '{stack}'\n")
        for env, venue, rest_type in ((OKX, "okx-demo", OkxRest),
                                      (BINANCE, "binance-testnet", BinanceRest)):
            settings = load_settings(env=env, venue=venue, config_path=config,
                                     overrides={"runs_dir": tmp_path / "runs"})
            built = build_container(container_config(settings, run_prefix="x", labels={}))
            venue_container: Any = built.adapters.okx if venue == "okx-demo" else \
                built.adapters.binance
            rest = venue_container.rest()
            assert isinstance(rest, rest_type)
            assert isinstance(rest._transport, kind), (stack, venue)


@pytest.mark.parametrize(("text", "env", "named"), [
    ("[okx]\nws_orders = 'yes'\n", {}, "okx.ws_orders"),
    ("[engine]\nhttp_stack = 'curl'\n", {}, "engine.http_stack"),
    ("", {"OKX_WS_ORDERS": "yes"}, "OKX_WS_ORDERS"),
    ("", {"PROMETHEUS_HTTP_STACK": "curl"}, "PROMETHEUS_HTTP_STACK"),
])
def test_a_bad_choice_is_refused_by_name(tmp_path: Path, text: str, env: dict[str, str],
                                         named: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(SettingsError, match=named):
        load_settings(env=OKX | env, venue="okx-demo", config_path=config)
