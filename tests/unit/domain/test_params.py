"""Parameters: documented defaults, and every bad value named by its dotted key."""

from decimal import Decimal

import attrs
import pytest

from domain.errors import ParameterError
from domain.params import (
    Params,
    ProtectionParams,
    RunnerParams,
    TierParams,
    UnknownPositionPolicy,
    field_doc,
    params_from_mapping,
    params_from_toml_text,
)

D = Decimal


def test_an_empty_file_gives_the_documented_defaults() -> None:
    params = params_from_toml_text("")
    assert params == Params()
    assert params.protection.emergency_lock_s == 1800
    assert params.protection.stop_visibility_deadline_ms == 1000
    assert params.protection.unknown_position_policy is UnknownPositionPolicy.PROTECT
    assert params.tiers.get("A") == TierParams(5, D("0.01"))
    assert params.tiers.get("B") == TierParams(3, D("0.005"))
    assert D(0) < params.runner.giveback < D(1)


def test_every_parameter_is_documented() -> None:
    for section in (Params(), Params().tiers, Params().cooldown, Params().runner,
                    Params().shockguard, Params().protection, Params().margin, Params().health,
                    TierParams()):
        for field in attrs.fields(type(section)):
            assert field.metadata.get("doc"), f"{type(section).__name__}.{field.name}"
    assert "RUNNER_GIVEBACK" in field_doc(RunnerParams, "giveback")


def test_a_full_file_is_loaded_exactly() -> None:
    text = """
[tiers.A]
leverage = 10
risk_fraction = 0.02
[tiers.B]
risk_fraction = "0.001"
[cooldown]
loss_s = 7200
b_blacklist_s = 0
[runner]
max_bars_after_tp2 = 6
min_peak_r = 2
giveback = 0.35
[shockguard]
derisk_runner_fraction = 0
max_triggers_60m = 5
[protection]
stop_visibility_deadline_ms = 500
unknown_position_policy = "flatten"
stop_deviation_ticks = 0
"""
    params = params_from_toml_text(text)
    assert params.tiers.get("A") == TierParams(10, D("0.02"))
    # tier B keeps its own default leverage, not the class default
    assert params.tiers.get("B") == TierParams(3, D("0.001"))
    assert (params.cooldown.loss_s, params.cooldown.b_blacklist_s,
            params.cooldown.shock_s) == (7200, 0, 900)
    assert params.runner == RunnerParams(6, D(2), D("0.35"))
    assert params.runner.giveback == D("0.35")  # exact, not a binary float
    assert params.shockguard.derisk_runner_fraction == 0
    assert params.protection == ProtectionParams(
        500, 1800, 0, UnknownPositionPolicy.FLATTEN, D("0.02"))


@pytest.mark.parametrize(("text", "key", "fragment"), [
    ("[runner]\ngiveback = 1.0", "runner.giveback", r"outside \(0, 1\)"),
    ("[runner]\ngiveback = 0", "runner.giveback", "outside"),
    ("[runner]\ngiveback = -0.1", "runner.giveback", "outside"),
    ("[runner]\ngiveback = \"nan\"", "runner.giveback", "finite"),
    ("[runner]\ngiveback = \"half\"", "runner.giveback", "not a decimal"),
    ("[runner]\ngiveback = true", "runner.giveback", "decimal number"),
    ("[runner]\ngivebak = 0.3", "runner.givebak", "unknown key"),
    ("[runner]\nmax_bars_after_tp2 = 0", "runner.max_bars_after_tp2", "outside"),
    ("[runner]\nmax_bars_after_tp2 = 1.5", "runner.max_bars_after_tp2", "integer"),
    ("[runner]\nmax_bars_after_tp2 = \"3\"", "runner.max_bars_after_tp2", "integer"),
    ("[runner]\nmax_bars_after_tp2 = true", "runner.max_bars_after_tp2", "integer"),
    ("[runner]\nmin_peak_r = 0", "runner.min_peak_r", "outside"),
    ("[tiers.A]\nleverage = 0", "tiers.A.leverage", "outside"),
    ("[tiers.A]\nleverage = 126", "tiers.A.leverage", "outside"),
    ("[tiers.B]\nrisk_fraction = 0.5", "tiers.B.risk_fraction", "outside"),
    ("[tiers.C]\nleverage = 2", "tiers.C", "unknown key"),
    ("[cooldown]\nloss_s = -1", "cooldown.loss_s", "outside"),
    ("[cooldown]\nshock = 60", "cooldown.shock", "unknown key"),
    ("[shockguard]\nderisk_runner_fraction = 1.5", "shockguard.derisk_runner_fraction",
     "outside"),
    ("[shockguard]\nstop_tighten_fraction = 1", "shockguard.stop_tighten_fraction", "outside"),
    ("[shockguard]\nshock_multiplier = 0.9", "shockguard.shock_multiplier", "outside"),
    ("[shockguard]\nshock_multiplier = 101", "shockguard.shock_multiplier", "outside"),
    ("[shockguard]\ncalib_window_s = 3599", "shockguard.calib_window_s", "outside"),
    ("[shockguard]\nrecalib_every_s = 59", "shockguard.recalib_every_s", "outside"),
    ("[shockguard]\nmin_calib_samples = 19", "shockguard.min_calib_samples", "outside"),
    ("[margin]\nderisk_margin_ratio = 0", "margin.derisk_margin_ratio", "outside"),
    ("[margin]\nderisk_margin_ratio = 1.01", "margin.derisk_margin_ratio", "outside"),
    ("[margin]\nderisk_fraction = 0", "margin.derisk_fraction", "outside"),
    ("[margin]\nderisk_fraction = 1.5", "margin.derisk_fraction", "outside"),
    ("[health]\nwindow_trades = 0", "health.window_trades", "outside"),
    ("[protection]\nemergency_lock_s = 60", "protection.emergency_lock_s", "outside"),
    ("[protection]\nstop_visibility_deadline_ms = 1500",
     "protection.stop_visibility_deadline_ms", "outside"),
    ("[protection]\nunknown_position_policy = \"ignore\"",
     "protection.unknown_position_policy", "one of"),
    ("[protection]\nunknown_position_stop_fraction = 0",
     "protection.unknown_position_stop_fraction", "outside"),
    ("runner = 3", "runner", "expected a table"),
    ("[speed]\nx = 1", "speed", "unknown key"),
    ("[runner\n", "<toml>", "not valid TOML"),
])
def test_a_bad_parameter_names_its_key(text: str, key: str, fragment: str) -> None:
    with pytest.raises(ParameterError, match=fragment) as caught:
        params_from_toml_text(text)
    assert caught.value.key == key
    assert repr(key) in str(caught.value)


def test_a_float_in_a_mapping_is_refused_with_a_hint() -> None:
    with pytest.raises(ParameterError, match="parse_float=Decimal") as caught:
        params_from_mapping({"runner": {"giveback": 0.3}})
    assert caught.value.key == "runner.giveback"


def test_a_mapping_with_decimals_strings_and_ints_loads() -> None:
    params = params_from_mapping({"runner": {"giveback": D("0.2"), "min_peak_r": "1.25"},
                                  "tiers": {"A": {"risk_fraction": "0.01", "leverage": 4}}})
    assert (params.runner.giveback, params.runner.min_peak_r) == (D("0.2"), D("1.25"))
    assert params.tiers.A.leverage == 4


def test_params_cannot_be_built_out_of_range_in_code_either() -> None:
    with pytest.raises(ParameterError) as caught:
        RunnerParams(giveback=D(2))
    assert caught.value.key == "giveback"


def test_unknown_tier_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"tiers\.C"):
        Params().tiers.get("C")


def test_describe_lists_every_leaf_with_its_dotted_key() -> None:
    rows = params_from_toml_text("[runner]\ngiveback = 0.25").describe()
    table = dict(rows)
    assert table["runner.giveback"] == "0.25"
    assert table["tiers.B.leverage"] == "3"
    assert table["protection.unknown_position_policy"] == "protect"
    assert table["protection.emergency_lock_s"] == "1800"
    assert len(rows) == len(table) == 27
    assert rows[0][0] == "tiers.A.leverage"


def test_the_issue_13_parameters_have_defaults_at_their_range_edges_accepted() -> None:
    params = params_from_toml_text("""
[shockguard]
shock_multiplier = 1
calib_window_s = 3600
recalib_every_s = 60
min_calib_samples = 20
[margin]
derisk_margin_ratio = 1
derisk_fraction = 1
[health]
window_trades = 1
""")
    sg = params.shockguard
    assert (sg.shock_multiplier, sg.calib_window_s, sg.recalib_every_s,
            sg.min_calib_samples) == (D(1), 3600, 60, 20)
    assert (params.margin.derisk_margin_ratio, params.margin.derisk_fraction) == (D(1), D(1))
    assert params.health.window_trades == 1
    defaults = dict(Params().describe())
    assert (defaults["shockguard.shock_multiplier"], defaults["shockguard.calib_window_s"],
            defaults["shockguard.recalib_every_s"], defaults["margin.derisk_margin_ratio"],
            defaults["margin.derisk_fraction"], defaults["health.window_trades"]) == (
        "3", "86400", "3600", "0.5", "0.5", "50")
