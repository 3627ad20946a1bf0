"""The Binance venues as a user meets them: settings, credentials, the [binance] table, the live
host rule, per-venue state, and the CLI on --venue sim-binance (its own embedded simulator)."""

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.binance import BinanceCredentials
from entrypoints.cli import app
from entrypoints.container import build_container, container_config
from entrypoints.settings import SettingsError, load_settings
from ports.exchange import ExchangeAdapter

CREDS = {"BINANCE_API_KEY": "bk-1234567", "BINANCE_API_SECRET": "bs-1234567"}


def test_each_binance_venue_needs_its_own_keys_and_live_the_explicit_flag() -> None:
    okx_only = {"OKX_API_KEY": "k", "OKX_API_SECRET": "s", "OKX_API_PASSPHRASE": "p"}
    with pytest.raises(SettingsError, match="needs BINANCE_API_KEY, BINANCE_API_SECRET"):
        load_settings(env=okx_only, venue="binance-testnet")
    with pytest.raises(SettingsError, match="BINANCE_API_SECRET not set"):
        load_settings(env={"BINANCE_API_KEY": "bk-1234567"}, venue="binance-testnet")
    with pytest.raises(SettingsError, match="binance-live trades real money"):
        load_settings(env=CREDS, venue="binance-live")
    live = load_settings(env=CREDS, venue="binance-live", live_confirmed=True)
    assert (live.exchange, live.demo, live.symbols) == ("binance", False, ("BTCUSDC",))
    assert isinstance(live.credentials, BinanceCredentials)
    assert "bs-1234567" not in repr(live)
    # sim-binance needs no keys: it makes throw-away ones for its own simulator
    assert load_settings(env={}, venue="sim-binance").credentials is None


def test_every_venue_keeps_its_own_state() -> None:
    paths = {v: load_settings(env=CREDS, venue=v, live_confirmed=True).state_path
             for v in ("sim-binance", "binance-testnet", "binance-live")}
    assert paths == {v: Path("state") / v / "state.json" for v in paths}


def test_testnet_hosts_by_default_or_binance_rest_url_and_ws_url() -> None:
    config = container_config(load_settings(env=CREDS, venue="binance-testnet"),
                              run_prefix="x", labels={})
    assert (config["binance"]["rest_url"], config["binance"]["ws_url"]) == (
        "https://testnet.binancefuture.com", "wss://fstream.binancefuture.com")
    pointed = load_settings(env={**CREDS, "BINANCE_REST_URL": "http://127.0.0.1:18600",
                                 "BINANCE_WS_URL": "ws://127.0.0.1:18600"},
                            venue="binance-testnet")
    config = container_config(pointed, run_prefix="x", labels={})
    assert config["binance"]["rest_url"] == "http://127.0.0.1:18600"
    with pytest.raises(SettingsError, match="BINANCE_WS_URL"):
        load_settings(env={**CREDS, "BINANCE_WS_URL": "http://x"}, venue="binance-testnet")


@pytest.mark.parametrize("url", ["http://127.0.0.1:18600", "https://testnet.binancefuture.com",
                                 "https://fapi.binance.com.evil.example", "http://fapi.binance.com"])
def test_live_refuses_any_host_but_binance_over_tls(url: str) -> None:
    live = load_settings(env={**CREDS, "BINANCE_REST_URL": url}, venue="binance-live",
                         live_confirmed=True)
    with pytest.raises(SettingsError, match=r"binance-live refuses .*\*\.binance\.com"):
        container_config(live, run_prefix="x", labels={})


def test_live_defaults_to_binances_own_hosts() -> None:
    live = load_settings(env=CREDS, venue="binance-live", live_confirmed=True)
    section = container_config(live, run_prefix="x", labels={})["binance"]
    assert (section["rest_url"], section["ws_url"]) == ("https://fapi.binance.com",
                                                        "wss://fstream.binance.com")


def test_the_binance_table_and_a_private_credentials_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "binance.toml"
    secret_file.write_text('api_key = "bk-7654321"\nsecret = "bs-7654321"\n')
    os.chmod(secret_file, 0o644)
    config = tmp_path / "c.toml"
    config.write_text(f'symbols = ["BTCUSDT", "ETHUSDT"]\n[binance]\n'
                      f'credentials_file = "{secret_file}"\nmargin_asset = "USDT"\n'
                      f'recv_window_ms = 3000\nstop_close_position = true\n')
    with pytest.raises(SettingsError, match="readable by others"):
        load_settings(env={}, config_path=config, venue="binance-testnet")
    os.chmod(secret_file, 0o600)
    settings = load_settings(env={}, config_path=config, venue="binance-testnet")
    assert isinstance(settings.credentials, BinanceCredentials)
    assert settings.credentials.values() == ("bk-7654321", "bs-7654321")
    built = build_container(container_config(settings, run_prefix="x", labels={}))
    binance = built.adapters.binance_config()
    assert (binance.margin_asset, binance.recv_window_ms, binance.stop_close_position,
            binance.ws_symbols) == ("USDT", 3000, True, ("BTCUSDT", "ETHUSDT"))
    assert isinstance(built.adapters.exchange(), ExchangeAdapter)


@pytest.mark.parametrize(("text", "problem"), [
    ("[binance]\nrecv_window_ms = 70000", "binance.recv_window_ms: 70000 is outside 1..60000"),
    ("[binance]\nmargin_asset = 'usdc'", "binance.margin_asset: 'usdc' is not an asset name"),
    ("[binance]\nstop_close_position = 'yes'", "binance.stop_close_position: expected true or "
                                               "false"),
    ("[binance]\nrest_url = 'wss://x'", "binance.rest_url: expected a URL starting with"),
    ("[binance]\npassphrase = 'p'", "binance.passphrase: unknown key"),
])
def test_a_bad_binance_setting_is_named_by_its_key(tmp_path: Path, text: str,
                                                   problem: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text + "\n")
    with pytest.raises(SettingsError, match=problem.replace(".", r"\.").replace("(", r"\(")):
        load_settings(env={}, config_path=config, venue="sim-binance")


def test_symbols_must_be_the_venues_own(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('symbols = ["BTC-USDT-SWAP"]\n')
    with pytest.raises(SettingsError, match=r"not a Binance USDⓈ-M symbol like BTCUSDC "
                                            r"\(did you mean BTCUSDT\?\) \(venue sim-binance\)"):
        load_settings(env={}, config_path=config, venue="sim-binance")
    config.write_text('symbols = ["BTCUSDC"]\n')
    with pytest.raises(SettingsError, match="not an OKX perpetual swap instId"):
        load_settings(env={}, config_path=config, venue="sim")


def invoke(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    runs = tmp_path / "runs"
    runs.mkdir(exist_ok=True)
    config = tmp_path / "c.toml"
    config.write_text(f'runs_dir = "{runs}"\n')
    result = CliRunner().invoke(app, [*args, "--json"], env={"PROMETHEUS_CONFIG": str(config)})
    lines = result.stdout.strip().splitlines()
    return result.exit_code, json.loads(lines[-1]) if lines else {}


def test_the_probe_is_okxs_and_says_so_on_a_binance_venue(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "probe", "--venue", "sim-binance")
    assert code == 2
    assert "seed 000's OKX PROBE" in out["error"] and "sim-binance is not OKX" in out["error"]
    assert list((tmp_path / "runs").iterdir()) == []  # refused before any run began


def test_an_okx_symbol_on_a_binance_venue_is_bad_input(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "close", "--venue", "sim-binance", "--symbol", "BTC-USDC-SWAP")
    assert code == 2 and "did you mean BTCUSDC?" in out["error"]
    assert list((tmp_path / "runs").iterdir()) == []  # refused before any run began


def test_open_on_sim_binance_protects_the_position_in_one_command(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "open", "--venue", "sim-binance", "--symbol", "BTCUSDC",
                       "--side", "short", "--qty", "0.020", "--stop", "30600", "--tp1", "29700",
                       "--tp1-qty", "0.008", "--tp2", "29400", "--tp2-qty", "0.006",
                       "--intent-id", "cli1")
    assert code == 0, out
    assert (out["venue"], out["status"], out["symbol"]) == ("sim-binance", "opened", "BTCUSDC")
    position = out["position"]
    assert (position["side"], position["qty_open"], position["sl_price"],
            position["sl_confirmed"]) == ("SHORT", "0.02", "30600", True)
    run_dir = Path(out["run_dir"])
    manifest = json.loads((run_dir / "run_manifest.json").read_text())
    assert manifest["venue"] == "sim-binance"
    assert manifest["settings"]["margin_asset"] == "USDC"
    endpoints = {json.loads(line)["endpoint"] for line in
                 (run_dir / "m_execution_raw_part_0001.jsonl").read_text().splitlines()}
    assert {"POST /fapi/v1/order", "POST /fapi/v1/algoOrder",
            "GET /fapi/v1/openAlgoOrders"} <= endpoints
    code, verified = invoke(tmp_path, "verify", str(run_dir))
    assert code == 0 and verified["exit"] == "INTACT"
