"""Parameters: documented defaults and ranges checked on construction. Loading them from the
settings file, every bad value named by its dotted key, is tested in tests/cli/."""

from decimal import Decimal

import attrs
import pytest

from domain.errors import ParameterError
from domain.params import (
    Params,
    RunnerParams,
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
                    Params().shockguard, Params().protection, TierParams()):
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
    assert len(rows) == len(table) == 21
    assert table["protection.stray_stop_wait_ms"] == "5000"
    assert rows[0][0] == "tiers.A.leverage"
