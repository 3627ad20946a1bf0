"""ShockGuard (seed 001 §2.1 shockguard, §6 step 1): calibration, live detection, trigger count.

Calibration: q95_1m / q95_3m are the nearest-rank 95th percentiles of |ln(close_t /
close_{t-h})| for h = 1 and 3 minutes over the closed 1-minute mark-price klines of the last
calib_window_s. Returns are taken between bars exactly h apart (overlapping for 3 minutes), so
a gap in the klines drops the returns that would span it instead of stretching them. Fewer than
min_calib_samples returns, or a q95 of 0 (a mark that did not move), leaves that q95 None: no
threshold can be derived from it and detection on that horizon is off.

Detection: a new mark price p at time t is a SHOCK when, for h = 1 or 3 minutes, some earlier
price p' observed in [t - h, t) moved |ln(p / p')| > q95_h x shock_multiplier. Prices observed
before the last trigger are not used as p', so one move is counted once and a further leg
beyond the threshold counts again.

trigger_count_60m counts the triggers (detected and declared SHOCKs) of the last 60 minutes:
a trigger at ts counts while now - ts < 3600.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from domain.actions import Action, CooldownKind, SetCooldown
from domain.params import Params
from domain.records import KlineClose, PriceObservation
from domain.regime import Regime
from domain.state import ShockGuardState
from domain.stats import nearest_rank

WINDOW_S = 3600
BAR_MS = 60_000
HORIZONS_MS = (("1m", 60_000), ("3m", 180_000))
SHOCK = Regime.SHOCK


@attrs.frozen
class Calibration:
    q95_1m: float | None
    q95_3m: float | None
    n_1m: int
    n_3m: int


def closed_bars(klines: Iterable[KlineClose], *, start_ms: int, end_ms: int) -> dict[int, Decimal]:
    """Close by open time of the bars that opened at or after start_ms and closed by end_ms
    (a repeated open time keeps the last close given)."""
    return {k.open_ms: k.close for k in klines
            if k.open_ms >= start_ms and k.open_ms + BAR_MS <= end_ms}


def abs_log_returns(bars: dict[int, Decimal], horizon_ms: int) -> list[Decimal]:
    return [abs((close / bars[ts - horizon_ms]).ln()) for ts, close in sorted(bars.items())
            if ts - horizon_ms in bars]


def _q95(returns: Sequence[Decimal], minimum: int) -> float | None:
    if len(returns) < minimum:
        return None
    value = nearest_rank(returns, 95)
    return float(value) if value > 0 else None


def calibrate(klines: Iterable[KlineClose], *, now: int, params: Params) -> Calibration:
    """q95_1m / q95_3m from the klines of the window ending at now (epoch seconds)."""
    guard = params.shockguard
    end_ms = now * 1000
    bars = closed_bars(klines, start_ms=end_ms - guard.calib_window_s * 1000, end_ms=end_ms)
    one, three = (abs_log_returns(bars, h) for _, h in HORIZONS_MS)
    return Calibration(_q95(one, guard.min_calib_samples), _q95(three, guard.min_calib_samples),
                       len(one), len(three))


def calibration_due(guard: ShockGuardState, *, now: int, params: Params) -> bool:
    """Never calibrated (recalib_ts 0, an epoch long past) or calibrated too long ago."""
    return now - guard.recalib_ts >= params.shockguard.recalib_every_s


def recalibrate(guard: ShockGuardState, klines: Iterable[KlineClose], *, now: int,
                params: Params) -> ShockGuardState:
    """Set q95_1m / q95_3m / recalib_ts from the klines (whether or not it was due)."""
    calibration = calibrate(klines, now=now, params=params)
    return attrs.evolve(guard, q95_1m=calibration.q95_1m, q95_3m=calibration.q95_3m,
                        recalib_ts=now)


@attrs.frozen
class ShockCheck:
    """detected, on which horizon, the move and the threshold it was held against."""

    detected: bool
    horizon: str
    move: float
    threshold: float
    reason: str


def check_shock(observations: Sequence[PriceObservation], guard: ShockGuardState,
                params: Params) -> ShockCheck:
    """Judge the latest observation (the last of the highest timestamp) against the window."""
    if not observations:
        return ShockCheck(False, "", 0.0, 0.0, "no mark price observed")
    latest = max(reversed(observations), key=lambda o: o.ts_ms)
    floor_ms = guard.trigger_ts_60m[-1] * 1000 if guard.trigger_ts_60m else None
    multiplier = params.shockguard.shock_multiplier
    reasons = []
    for (name, horizon_ms), q95 in zip(HORIZONS_MS, (guard.q95_1m, guard.q95_3m), strict=True):
        if q95 is None:
            reasons.append(f"{name}: not calibrated")
            continue
        threshold = Decimal(repr(q95)) * multiplier
        start = latest.ts_ms - horizon_ms if floor_ms is None else \
            max(latest.ts_ms - horizon_ms, floor_ms)
        moves = [abs((latest.price / o.price).ln()) for o in observations
                 if start <= o.ts_ms < latest.ts_ms]
        move = max(moves, default=Decimal(0))
        if move > threshold:
            return ShockCheck(True, name, float(move), float(threshold),
                              f"mark moved {float(move):.6f} (log) within {name} > q95_{name} "
                              f"{q95:.6f} x {multiplier}")
        reasons.append(f"{name}: {float(move):.6f} <= {float(threshold):.6f}")
    return ShockCheck(False, "", 0.0, 0.0, "; ".join(reasons))


def keep_recent(observations: Sequence[PriceObservation],
                new: PriceObservation) -> tuple[PriceObservation, ...]:
    """The observations detection still needs once new arrives: those of the last 3 minutes
    before the newest (older ones can never be within a horizon again)."""
    latest = max([new.ts_ms, *(o.ts_ms for o in observations)])
    horizon = HORIZONS_MS[-1][1]
    return tuple(o for o in (*observations, new) if o.ts_ms >= latest - horizon)


def recent_triggers(guard: ShockGuardState, now: int) -> tuple[int, ...]:
    return tuple(t for t in guard.trigger_ts_60m if now - t < WINDOW_S)


def count_trigger(guard: ShockGuardState, now: int) -> ShockGuardState:
    """One more SHOCK (detected or declared) at now; older than 60 minutes drop out."""
    recent = (*recent_triggers(guard, now), now)
    return attrs.evolve(guard, trigger_ts_60m=recent, trigger_count_60m=len(recent))


def expire_triggers(guard: ShockGuardState, now: int) -> ShockGuardState:
    """trigger_count_60m as of now (what status shows)."""
    recent = recent_triggers(guard, now)
    return attrs.evolve(guard, trigger_ts_60m=recent, trigger_count_60m=len(recent))


def shock_locks(count: int, *, now: int, params: Params, why: str) -> tuple[SetCooldown, ...]:
    """The shock lock, and the freeze lock once max_triggers_60m SHOCKs fell within 60 min."""
    locks = [SetCooldown(CooldownKind.SHOCK, now + params.cooldown.shock_s, why)]
    limit = params.shockguard.max_triggers_60m
    if count >= limit:
        locks.append(SetCooldown(CooldownKind.FREEZE, now + params.cooldown.freeze_s,
                                 f"{count} SHOCKs within 60 min (limit {limit})"))
    return tuple(locks)


@attrs.frozen
class ShockResponse:
    """What a detection calls for. run_playbook: the symbol is not in SHOCK yet, so the caller
    runs on_regime_shift(last_regime -> SHOCK), which counts the trigger and sets the locks.
    Already in SHOCK, the trigger is counted here and actions holds the locks to apply."""

    guard: ShockGuardState
    run_playbook: bool
    actions: tuple[Action, ...]
    note: str


def respond_to_shock(guard: ShockGuardState, last_regime: Regime, check: ShockCheck, *,
                     now: int,
                     params: Params) -> ShockResponse:
    if not check.detected:
        return ShockResponse(guard, False, (), f"no shock: {check.reason}")
    if last_regime != SHOCK:
        return ShockResponse(guard, True, (), f"SHOCK detected: {check.reason}")
    counted = count_trigger(guard, now)
    locks = shock_locks(counted.trigger_count_60m, now=now, params=params,
                        why=f"SHOCK detected again: {check.reason}")
    return ShockResponse(counted, False, locks,
                         f"SHOCK detected again (#{counted.trigger_count_60m} in 60 min): "
                         f"{check.reason}")
