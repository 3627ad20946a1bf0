"""Parameters: documented defaults and ranges checked on construction. Loading them from the
settings file, every bad value named by its dotted key, is tested in tests/cli/."""

from decimal import Decimal

import attrs
import pytest

from domain.errors import ParameterError
from domain.params import (
    HealthParams,
    MarginParams,
    Params,
    RunnerParams,
    ShockGuardParams,
    TierParams,
    UnknownPositionPolicy,
)

D = Decimal


def test_the_defaults_are_the_documented_ones() -> None:
    params = Params()
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


def test_params_cannot_be_built_out_of_range_in_code_either() -> None:
    with pytest.raises(ParameterError) as caught:
        RunnerParams(giveback=D(2))
    assert caught.value.key == "giveback"


def test_unknown_tier_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"tiers\.C"):
        Params().tiers.get("C")


def test_describe_lists_every_leaf_with_its_dotted_key() -> None:
    rows = Params(runner=RunnerParams(giveback=D("0.25"))).describe()
    table = dict(rows)
    assert table["runner.giveback"] == "0.25"
    assert table["tiers.B.leverage"] == "3"
    assert table["protection.unknown_position_policy"] == "protect"
    assert table["protection.emergency_lock_s"] == "1800"
    assert len(rows) == len(table) == 28
    assert table["protection.stray_stop_wait_ms"] == "5000"
    assert rows[0][0] == "tiers.A.leverage"


@pytest.mark.parametrize(("section", "key", "value"), [
    (ShockGuardParams, "shock_multiplier", D("0.9")),
    (ShockGuardParams, "shock_multiplier", D(101)),
    (ShockGuardParams, "calib_window_s", 3599),
    (ShockGuardParams, "calib_window_s", 7 * 86400 + 1),
    (ShockGuardParams, "recalib_every_s", 59),
    (ShockGuardParams, "recalib_every_s", 86401),
    (ShockGuardParams, "min_calib_samples", 19),
    (MarginParams, "derisk_margin_ratio", D(0)),
    (MarginParams, "derisk_margin_ratio", D("1.01")),
    (MarginParams, "derisk_fraction", D(0)),
    (MarginParams, "derisk_fraction", D("1.5")),
    (HealthParams, "window_trades", 0),
    (HealthParams, "window_trades", 10_001),
])
def test_the_issue_13_parameters_refuse_values_outside_their_range(section: type, key: str,
                                                                    value: object) -> None:
    with pytest.raises(ParameterError, match="outside") as caught:
        section(**{key: value})
    assert caught.value.key == key


def test_the_issue_13_parameters_accept_their_range_edges() -> None:
    sg = ShockGuardParams(shock_multiplier=D(1), calib_window_s=3600, recalib_every_s=60,
                          min_calib_samples=20)
    assert (sg.shock_multiplier, sg.calib_window_s, sg.recalib_every_s,
            sg.min_calib_samples) == (D(1), 3600, 60, 20)
    assert MarginParams(D(1), D(1)) == MarginParams(derisk_margin_ratio=D(1),
                                                    derisk_fraction=D(1))
    assert HealthParams(1).window_trades == 1
    defaults = dict(Params().describe())
    assert (defaults["shockguard.shock_multiplier"], defaults["shockguard.calib_window_s"],
            defaults["shockguard.recalib_every_s"], defaults["shockguard.min_calib_samples"],
            defaults["margin.derisk_margin_ratio"], defaults["margin.derisk_fraction"],
            defaults["health.window_trades"]) == ("3", "86400", "3600", "60", "0.5", "0.5",
                                                  "50")
