"""The key trading and safety parameters (seed 001 §9), typed, ranged and documented.

Every field has a default, so an empty parameter file is a complete, valid configuration.
Ranges are checked on construction: a Params value cannot exist outside them, whether it came
from the settings file (entrypoints/config_file.py loads it) or from code. Durations are seconds
unless the name says ms.
"""

import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from domain.errors import ParameterError

_Check = Callable[[Any, "attrs.Attribute[Any]", Any], None]


class UnknownPositionPolicy(enum.Enum):
    """What recovery does with a position the engine has no plan for."""

    PROTECT = "protect"
    FLATTEN = "flatten"


def _ints(low: int, high: int) -> _Check:
    def check(_inst: Any, attribute: "attrs.Attribute[Any]", value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(attribute.name, f"expected an integer, got {value!r}")
        if not low <= value <= high:
            raise ParameterError(attribute.name, f"{value} is outside [{low}, {high}]")
    return check


def _decimals(low: Decimal, high: Decimal, *, low_open: bool = False,
              high_open: bool = False) -> _Check:
    def check(_inst: Any, attribute: "attrs.Attribute[Any]", value: Any) -> None:
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ParameterError(attribute.name, f"expected a finite Decimal, got {value!r}")
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if too_low or too_high:
            interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
            raise ParameterError(attribute.name, f"{value} is outside {interval}")
    return check


def _choice(enum_type: type[enum.Enum]) -> _Check:
    def check(_inst: Any, attribute: "attrs.Attribute[Any]", value: Any) -> None:
        if not isinstance(value, enum_type):
            names = ", ".join(repr(member.value) for member in enum_type)
            raise ParameterError(attribute.name, f"expected one of {names}, got {value!r}")
    return check


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


WEEK_S = 7 * 24 * 3600


@attrs.frozen
class TierParams:
    """Sizing of one signal tier."""

    leverage: int = attrs.field(
        default=3, validator=_ints(1, 125), metadata=_doc("leverage set before entry"))
    risk_fraction: Decimal = attrs.field(
        default=Decimal("0.005"), validator=_decimals(Decimal(0), Decimal("0.05"), low_open=True),
        metadata=_doc("share of equity lost if the initial stop is hit"))


@attrs.frozen
class TiersParams:
    """Tier A (stronger signals) risks more than tier B by default."""

    A: TierParams = attrs.field(default=TierParams(5, Decimal("0.01")), metadata=_doc("tier A"))
    B: TierParams = attrs.field(default=TierParams(3, Decimal("0.005")), metadata=_doc("tier B"))

    def get(self, tier: str) -> TierParams:
        if tier == "A":
            return self.A
        if tier == "B":
            return self.B
        raise ParameterError(f"tiers.{tier}", "only tiers 'A' and 'B' exist")


_DURATION = _ints(0, WEEK_S)


@attrs.frozen
class CooldownParams:
    """How long each open-gate lock (seed §4) lasts once set."""

    loss_s: int = attrs.field(
        default=3600, validator=_DURATION, metadata=_doc("no new entry after a losing trade"))
    template_s: int = attrs.field(
        default=1800, validator=_DURATION, metadata=_doc("no new entry with the same template"))
    freeze_s: int = attrs.field(
        default=1800, validator=_DURATION,
        metadata=_doc("freeze after max_triggers_60m SHOCKs within 60 min"))
    shock_s: int = attrs.field(
        default=900, validator=_DURATION, metadata=_doc("no new entry after a shift to SHOCK"))
    b_blacklist_s: int = attrs.field(
        default=86400, validator=_DURATION,
        metadata=_doc("no new entry after a losing tier-B trade"))


@attrs.frozen
class RunnerParams:
    """Runner exits (seed §5)."""

    max_bars_after_tp2: int = attrs.field(
        default=12, validator=_ints(1, 10_000),
        metadata=_doc("RUNNER_MAX_BARS_AFTER_TP2: closed bars before the time exit"))
    min_peak_r: Decimal = attrs.field(
        default=Decimal("1.5"), validator=_decimals(Decimal(0), Decimal(100), low_open=True),
        metadata=_doc("RUNNER_MIN_PEAK_R: peak profit (in R) that arms the giveback exit"))
    giveback: Decimal = attrs.field(
        default=Decimal("0.5"),
        validator=_decimals(Decimal(0), Decimal(1), low_open=True, high_open=True),
        metadata=_doc("RUNNER_GIVEBACK: share of the peak given back before exiting"))


@attrs.frozen
class ShockGuardParams:
    """The regime-shift playbook's de-risk and tightening (seed §6 steps 1 and 3)."""

    derisk_runner_fraction: Decimal = attrs.field(
        default=Decimal(1), validator=_decimals(Decimal(0), Decimal(1)),
        metadata=_doc("share of the planned runner shed on SHOCK before TP2 (0 disables)"))
    stop_tighten_fraction: Decimal = attrs.field(
        default=Decimal("0.5"), validator=_decimals(Decimal(0), Decimal(1), high_open=True),
        metadata=_doc("on SHOCK/CHOP move the stop this share of the way to the mark (0 off)"))
    max_triggers_60m: int = attrs.field(
        default=3, validator=_ints(1, 100),
        metadata=_doc("SHOCKs within 60 min that set the freeze lock"))
    shock_multiplier: Decimal = attrs.field(
        default=Decimal(3), validator=_decimals(Decimal(1), Decimal(100)),
        metadata=_doc("a move beyond q95 x this within 1 or 3 minutes is a detected SHOCK"))
    calib_window_s: int = attrs.field(
        default=86400, validator=_ints(3600, WEEK_S),
        metadata=_doc("q95_1m / q95_3m come from the mark-price klines of this window"))
    recalib_every_s: int = attrs.field(
        default=3600, validator=_ints(60, 86400),
        metadata=_doc("recalibrate q95_1m / q95_3m once recalib_ts is this old"))
    min_calib_samples: int = attrs.field(
        default=60, validator=_ints(20, 100_000),
        metadata=_doc("fewer returns than this in the window leave a q95 unknown (None)"))


@attrs.frozen
class MarginParams:
    """Margin de-risk, the other half of the playbook's step 1 (seed §6)."""

    derisk_margin_ratio: Decimal = attrs.field(
        default=Decimal("0.5"), validator=_decimals(Decimal(0), Decimal(1), low_open=True),
        metadata=_doc("margin used / equity above this sheds part of the position on a shift"))
    derisk_fraction: Decimal = attrs.field(
        default=Decimal("0.5"), validator=_decimals(Decimal(0), Decimal(1), low_open=True),
        metadata=_doc("share of the open position shed reduce-only when margin is too high"))


@attrs.frozen
class HealthParams:
    """The trade-health roll (seed §2.1 health_roll)."""

    window_trades: int = attrs.field(
        default=50, validator=_ints(1, 10_000),
        metadata=_doc("health_roll covers this many most recent closed trades"))


@attrs.frozen
class ProtectionParams:
    """The stop's hard rules (seed §0.2, §1.5, §7)."""

    stop_visibility_deadline_ms: int = attrs.field(
        default=1000, validator=_ints(100, 1000),
        metadata=_doc("a placed stop must show in open algo orders within this (seed: 1 s)"))
    emergency_lock_s: int = attrs.field(
        default=1800, validator=_ints(1800, WEEK_S),
        metadata=_doc("loss and freeze locks after an emergency flatten (seed: 30 min)"))
    stop_deviation_ticks: int = attrs.field(
        default=2, validator=_ints(0, 100_000),
        metadata=_doc("recovery rebuilds a stop whose trigger is more than this many ticks off"))
    unknown_position_policy: UnknownPositionPolicy = attrs.field(
        default=UnknownPositionPolicy.PROTECT, validator=_choice(UnknownPositionPolicy),
        metadata=_doc("'protect' (place a stop) or 'flatten' a position we have no plan for"))
    unknown_position_stop_fraction: Decimal = attrs.field(
        default=Decimal("0.02"),
        validator=_decimals(Decimal(0), Decimal("0.5"), low_open=True, high_open=True),
        metadata=_doc("stop distance, as a share of entry price, for an unplanned position"))
    stray_stop_wait_ms: int = attrs.field(
        default=5000, validator=_ints(1000, 60_000),
        metadata=_doc("how long a stop placed but never seen is watched for, to cancel it "
                      "once it shows (after that the command reports it unresolved)"))


@attrs.frozen
class Params:
    """All parameters; Params() is the documented default configuration."""

    tiers: TiersParams = attrs.field(default=TiersParams(), metadata=_doc("signal tiers"))
    cooldown: CooldownParams = attrs.field(default=CooldownParams(), metadata=_doc("locks"))
    runner: RunnerParams = attrs.field(default=RunnerParams(), metadata=_doc("runner exits"))
    shockguard: ShockGuardParams = attrs.field(
        default=ShockGuardParams(), metadata=_doc("regime-shift de-risk"))
    protection: ProtectionParams = attrs.field(
        default=ProtectionParams(), metadata=_doc("stop rules"))
    margin: MarginParams = attrs.field(default=MarginParams(), metadata=_doc("margin de-risk"))
    health: HealthParams = attrs.field(default=HealthParams(), metadata=_doc("trade health"))

    def describe(self) -> list[tuple[str, str]]:
        """Every parameter as (dotted key, value), in declaration order, for SelfCheck."""
        return describe(self)


def describe(section: Any, prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for field in attrs.fields(type(section)):
        value = getattr(section, field.name)
        key = f"{prefix}{field.name}"
        if attrs.has(type(value)):
            rows.extend(describe(value, key + "."))
        else:
            rows.append((key, str(value.value if isinstance(value, enum.Enum) else value)))
    return rows
