"""The settings file through its strict converter: exact values, every problem by dotted key."""

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from domain.params import Params, ProtectionParams, RunnerParams, TierParams, UnknownPositionPolicy
from entrypoints.config_file import (
    ConfigProblem,
    CredentialsFile,
    PosMode,
    SettingsFile,
    TdMode,
    Venue,
    read_toml,
    structure,
)

D = Decimal


def load(text: str) -> SettingsFile:
    return structure(tomllib.loads(text, parse_float=Decimal), SettingsFile)


def test_an_empty_file_is_the_documented_defaults() -> None:
    file = load("")
    assert file == SettingsFile()
    assert file.params == Params() and file.symbols is None and file.venue is None
    assert (file.okx.td_mode, file.okx.write_deadline_ms) == (TdMode.CROSS, 5000)
    assert (file.engine.max_clock_skew_ms, file.engine.required_pos_mode) == (1000, PosMode.NET)


def test_a_full_file_is_loaded_exactly() -> None:
    file = load("""
venue = "okx-demo"
runs_dir = "r"
state_path = "~/s.json"
symbols = ["BTC-USDT-SWAP", "ETH-USDC-SWAP"]
[okx]
rest_url = "https://eea.okx.com"
ws_url = "wss://wseea.okx.com:8443"
td_mode = "isolated"
write_deadline_ms = 2500
[engine]
max_clock_skew_ms = 0
required_pos_mode = "long_short_mode"
[params.tiers.A]
leverage = 10
risk_fraction = 0.02
[params.tiers.B]
risk_fraction = "0.001"
[params.cooldown]
loss_s = 7200
b_blacklist_s = 0
[params.runner]
max_bars_after_tp2 = 6
min_peak_r = 2
giveback = 0.35
[params.protection]
stop_visibility_deadline_ms = 500
unknown_position_policy = "flatten"
stop_deviation_ticks = 0
""")
    assert file.venue is Venue.OKX_DEMO and file.runs_dir == Path("r")
    assert file.state_path == Path.home() / "s.json"
    assert file.symbols == ("BTC-USDT-SWAP", "ETH-USDC-SWAP")
    assert (file.okx.rest_url, file.okx.ws_url) == ("https://eea.okx.com",
                                                    "wss://wseea.okx.com:8443")
    assert (file.okx.td_mode, file.okx.write_deadline_ms) == (TdMode.ISOLATED, 2500)
    assert (file.engine.max_clock_skew_ms, file.engine.required_pos_mode) == (
        0, PosMode.LONG_SHORT)
    params = file.params
    assert params.tiers.get("A") == TierParams(10, D("0.02"))
    # tier B keeps its own default leverage, not the class default
    assert params.tiers.get("B") == TierParams(3, D("0.001"))
    assert (params.cooldown.loss_s, params.cooldown.b_blacklist_s,
            params.cooldown.shock_s) == (7200, 0, 900)
    assert params.runner == RunnerParams(6, D(2), D("0.35"))
    assert str(params.runner.giveback) == "0.35"  # exact, not a binary float
    assert params.protection == ProtectionParams(
        500, 1800, 0, UnknownPositionPolicy.FLATTEN, D("0.02"))


@pytest.mark.parametrize(("text", "problem"), [
    ("[params.runner]\ngiveback = 1.0", r"params.runner.giveback: 1.0 is outside (0, 1)"),
    ("[params.runner]\ngiveback = 0", "params.runner.giveback: 0 is outside"),
    ("[params.runner]\ngiveback = -0.1", "params.runner.giveback: -0.1 is outside"),
    ("[params.runner]\ngiveback = \"nan\"", "params.runner.giveback: expected a finite"),
    ("[params.runner]\ngiveback = \"half\"", "params.runner.giveback: expected a number"),
    ("[params.runner]\ngiveback = true", "params.runner.giveback: expected a number, got a "
                                         "boolean"),
    ("[params.runner]\ngivebak = 0.3", "params.runner.givebak: unknown key"),
    ("[params.runner]\nmax_bars_after_tp2 = 0", "params.runner.max_bars_after_tp2: 0 is "
                                                "outside"),
    ("[params.runner]\nmax_bars_after_tp2 = 1.5", "params.runner.max_bars_after_tp2: expected "
                                                  "an integer, got a number"),
    ("[params.runner]\nmax_bars_after_tp2 = \"3\"", "params.runner.max_bars_after_tp2: "
                                                    "expected an integer, got a string"),
    ("[params.runner]\nmax_bars_after_tp2 = true", "params.runner.max_bars_after_tp2: "
                                                   "expected an integer, got a boolean"),
    ("[params.tiers.A]\nleverage = 126", "params.tiers.A.leverage: 126 is outside"),
    ("[params.tiers.B]\nrisk_fraction = 0.5", "params.tiers.B.risk_fraction: 0.5 is outside"),
    ("[params.tiers.C]\nleverage = 2", "params.tiers.C: unknown key"),
    ("[params.cooldown]\nloss_s = -1", "params.cooldown.loss_s: -1 is outside"),
    ("[params.shockguard]\nstop_tighten_fraction = 1",
     "params.shockguard.stop_tighten_fraction: 1 is outside"),
    ("[params.protection]\nemergency_lock_s = 60", "params.protection.emergency_lock_s: 60 is "
                                                   "outside"),
    ("[params.protection]\nunknown_position_policy = \"ignore\"",
     "params.protection.unknown_position_policy: expected one of 'protect', 'flatten', got "
     "'ignore'"),
    ("[params]\nrunner = 3", "params.runner: expected a table, got an integer"),
    ("params = 3", "params: expected a table, got an integer"),
    ("[speed]\nx = 1", "speed: unknown key"),
    ("symbols = 'BTC-USDT-SWAP'", "symbols: expected a list, got a string"),
    ("symbols = ['BTC-USDT-SWAP', 'eth-usdt-swap']",
     "symbols[1]: 'eth-usdt-swap' is not an OKX perpetual swap instId like BTC-USDT-SWAP "
     "(did you mean ETH-USDT-SWAP?)"),
    ("symbols = ['BTC-USDT-SWAP', 3]", "symbols[1]: expected a string, got an integer"),
    ("runs_dir = 1979-05-27", "runs_dir: expected a non-empty path, got a date"),
    ("[engine]\nmax_clock_skew_ms = 60001", "engine.max_clock_skew_ms: 60001 is outside"),
    ("[okx]\nwrite_deadline_ms = 50", "okx.write_deadline_ms: 50 is outside 100..60000 ms"),
    ("[okx]\nws_url = 'https://x.okx.com'", "okx.ws_url: expected a URL starting with ws://"),
    ("[okx]\nrest_url = 'https://:99999'", "okx.rest_url: 'https://:99999' is not a URL"),
    ("runs_dir = ''", "runs_dir: expected a non-empty path"),
    ("venue = 'okx'", "venue: expected one of 'sim', 'okx-demo', 'okx-live', 'sim-binance', "
                      "'binance-testnet', 'binance-live', got 'okx'"),
])
def test_a_bad_value_is_named_by_its_dotted_key(text: str, problem: str) -> None:
    with pytest.raises(ConfigProblem) as caught:
        load(text)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_a_symbol_gets_a_suggestion_only_when_upper_case_would_fix_it() -> None:
    for text, problem in (
            ("['BTC-USDT']",
             "symbols[0]: 'BTC-USDT' is not an OKX perpetual swap instId like BTC-USDT-SWAP"),
            ("['BTC_USDT']",
             "symbols[0]: 'BTC_USDT' is not a Binance USDⓈ-M symbol like BTCUSDC"),
            ("['eth-usdt-swap']",
             "symbols[0]: 'eth-usdt-swap' is not an OKX perpetual swap instId like "
             "BTC-USDT-SWAP (did you mean ETH-USDT-SWAP?)")):
        with pytest.raises(ConfigProblem) as caught:
            load(f"symbols = {text}")
        assert caught.value.problems == [problem]


def test_a_binary_float_from_code_is_refused_with_the_reason() -> None:
    with pytest.raises(ConfigProblem) as caught:
        structure({"runner": {"giveback": 0.3}}, Params)
    assert caught.value.problems == [
        "runner.giveback: expected an exact number (a string or a Decimal), got a binary float"]
    assert structure({"runner": {"giveback": "0.3"}}, Params).runner.giveback == D("0.3")


def test_every_problem_of_a_file_is_listed_at_once() -> None:
    with pytest.raises(ConfigProblem) as caught:
        load("runz = 1\n[okx]\ntd_mode = 'x'\n[engine]\nmax_clock_skew_ms = 'y'\n")
    assert len(caught.value.problems) == 3
    assert {p.split(":")[0] for p in caught.value.problems} == {
        "runz", "okx.td_mode", "engine.max_clock_skew_ms"}


def test_credential_problems_never_show_the_values() -> None:
    for document, problem in (
            ({"api_key": 1234567, "secret": "s3cr3t-value", "passphrase": "p"},
             "api_key: expected a string, got an integer"),
            ({"api_key": "k", "secret": " s3cr3t-value ", "passphrase": "p"},
             "secret: has leading or trailing whitespace")):
        with pytest.raises(ConfigProblem) as caught:
            structure(document, CredentialsFile)
        assert caught.value.problems == [problem]
        assert "1234567" not in str(caught.value) and "s3cr3t" not in str(caught.value)


def test_reading_names_what_is_wrong_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_bytes(b"a = '\xff'")
    for path, words in ((tmp_path, "is a directory"), (tmp_path / "none", "does not exist"),
                        (tmp_path / "bad.toml", "not UTF-8")):
        with pytest.raises(ConfigProblem, match=words):
            read_toml(path)
