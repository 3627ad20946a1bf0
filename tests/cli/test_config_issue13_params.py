"""Issue 13's parameter groups load from the settings file and are named by dotted key."""

import tomllib
from decimal import Decimal

import pytest

from entrypoints.config_file import ConfigProblem, SettingsFile, structure

D = Decimal


def load(text: str) -> SettingsFile:
    return structure(tomllib.loads(text, parse_float=Decimal), SettingsFile)


def test_the_new_groups_load_exactly() -> None:
    params = load("""
[params.shockguard]
shock_multiplier = 2.5
calib_window_s = 43200
recalib_every_s = 600
min_calib_samples = 100
[params.margin]
derisk_margin_ratio = 0.8
derisk_fraction = 0.25
[params.health]
window_trades = 20
""").params
    sg = params.shockguard
    assert (sg.shock_multiplier, sg.calib_window_s, sg.recalib_every_s,
            sg.min_calib_samples) == (D("2.5"), 43200, 600, 100)
    assert (params.margin.derisk_margin_ratio, params.margin.derisk_fraction) == (
        D("0.8"), D("0.25"))
    assert params.health.window_trades == 20


@pytest.mark.parametrize(("text", "problem"), [
    ("[params.shockguard]\nshock_multiplier = 0.5",
     "params.shockguard.shock_multiplier: 0.5 is outside"),
    ("[params.margin]\nderisk_fraction = 0", "params.margin.derisk_fraction: 0 is outside"),
    ("[params.margin]\nderisk_ratio = 0.5", "params.margin.derisk_ratio: unknown key"),
    ("[params.health]\nwindow_trades = 'all'",
     "params.health.window_trades: expected an integer, got a string"),
])
def test_a_bad_new_parameter_is_named(text: str, problem: str) -> None:
    with pytest.raises(ConfigProblem) as caught:
        load(text)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
