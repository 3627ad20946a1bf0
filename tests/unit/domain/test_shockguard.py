"""ShockGuard: q95 calibration and live detection against a brute-force recomputation, the
60-minute trigger count, and what a detection calls for."""

import math
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.actions import CooldownKind, SetCooldown
from domain.params import CooldownParams, Params, ShockGuardParams
from domain.records import KlineClose, PriceObservation
from domain.regime import Regime
from domain.shockguard import (
    calibrate,
    calibration_due,
    check_shock,
    count_trigger,
    expire_triggers,
    keep_recent,
    recalibrate,
    respond_to_shock,
)
from domain.state import ShockGuardState
from tests.unit.domain.records_strategies import kline_series, observations

D = Decimal
NOW = 1_700_000_000
PARAMS = Params(shockguard=ShockGuardParams(min_calib_samples=20, calib_window_s=3600))


def _brute_p95(values: list[float]) -> float:
    for candidate in sorted(values):
        if sum(1 for v in values if v <= candidate) * 100 >= 95 * len(values):
            return candidate
    raise AssertionError("unreachable")


@settings(max_examples=60, deadline=None)
@given(kline_series(NOW * 1000 - 130 * 60_000))
def test_calibration_is_a_direct_recomputation(klines: list[KlineClose]) -> None:
    got = calibrate(klines, now=NOW, params=PARAMS)
    start, end = NOW * 1000 - 3600 * 1000, NOW * 1000
    closes = {}
    for k in klines:
        if start <= k.open_ms and k.open_ms + 60_000 <= end:
            closes[k.open_ms] = k.close
    for minutes, q95, n in ((1, got.q95_1m, got.n_1m), (3, got.q95_3m, got.n_3m)):
        rets = [abs(math.log(float(closes[t]) / float(closes[t - minutes * 60_000])))
                for t in closes if t - minutes * 60_000 in closes]
        assert n == len(rets)
        if len(rets) < 20 or _brute_p95(rets) == 0:
            assert q95 is None
        else:
            assert q95 == pytest.approx(_brute_p95(rets), rel=1e-9)


def _bars(closes: list[str], start_ms: int = NOW * 1000 - 3600 * 1000) -> list[KlineClose]:
    return [KlineClose(start_ms + i * 60_000, D(c)) for i, c in enumerate(closes)]


def test_a_bar_still_open_or_before_the_window_is_not_used() -> None:
    base = ["100"] * 59 + ["200"]   # the 60th bar closes exactly at now: used
    assert calibrate(_bars(base), now=NOW, params=PARAMS).n_1m == 59
    # shifted one minute later, the last bar is still open at now and the first is in window
    later = _bars(base, NOW * 1000 - 3540 * 1000)
    assert calibrate(later, now=NOW, params=PARAMS).n_1m == 58
    # one minute earlier the first bar opened before the window
    earlier = _bars(base, NOW * 1000 - 3660 * 1000)
    assert calibrate(earlier, now=NOW, params=PARAMS).n_1m == 58


def test_a_gap_in_the_klines_drops_the_returns_that_would_span_it() -> None:
    bars = _bars(["100", "101", "102", "103", "104"])
    gapped = [bars[0], bars[1], bars[3], bars[4]]
    got = calibrate(gapped, now=NOW, params=attrs.evolve(
        PARAMS, shockguard=ShockGuardParams(min_calib_samples=20)))
    assert (got.n_1m, got.n_3m) == (2, 2)   # 101/100, 104/103; 3m: 103/100, 104/101


def test_too_few_returns_or_a_flat_mark_leave_q95_unknown() -> None:
    few = calibrate(_bars(["100", "101"] * 5), now=NOW, params=PARAMS)
    assert (few.q95_1m, few.q95_3m) == (None, None)
    flat = calibrate(_bars(["100"] * 60), now=NOW, params=PARAMS)
    assert (flat.n_1m, flat.q95_1m) == (59, None)


def test_q95_of_a_known_series() -> None:
    # 1m returns alternate +ln(1.01) and -ln(1.01) except 3 of +ln(1.05) / -ln(1.05)
    closes = [D(100)]
    for i in range(59):
        factor = D("1.05") if i in (10, 30, 50) else D("1.01")
        closes.append(closes[-1] * factor if i % 2 == 0 else closes[-1] / factor)
    got = calibrate(_bars([str(c) for c in closes]), now=NOW, params=PARAMS)
    # 59 returns, rank ceil(0.95 x 59) = 57: the 57th smallest of 56 x ln1.01 and 3 x ln1.05
    assert got.q95_1m == pytest.approx(math.log(1.05))


def test_exactly_min_calib_samples_returns_are_enough() -> None:
    closes = [str(100 + i % 7) for i in range(21)]        # 20 returns
    assert calibrate(_bars(closes), now=NOW, params=PARAMS).q95_1m is not None
    assert calibrate(_bars(closes[:20]), now=NOW, params=PARAMS).q95_1m is None


def test_q95_is_the_95th_not_the_96th_percentile() -> None:
    # 100 distinct 1m returns k/10000 (k = 1..100) : rank 95 -> 0.0095, rank 96 would be 0.0096
    closes = [D(100)]
    for k in range(1, 101):
        closes.append(closes[-1] * (D(k) / 10000).exp())
    params = Params(shockguard=ShockGuardParams(min_calib_samples=20, calib_window_s=7200))
    got = calibrate(_bars([str(c) for c in closes], NOW * 1000 - 101 * 60_000), now=NOW,
                    params=params)
    assert got.n_1m == 100
    assert got.q95_1m == pytest.approx(0.0095, rel=1e-9)


def test_the_window_starts_exactly_calib_window_s_before_now() -> None:
    start = NOW * 1000 - 3600 * 1000
    inside = [KlineClose(start, D(100)), KlineClose(start + 60_000, D(101))]
    assert calibrate(inside, now=NOW, params=PARAMS).n_1m == 1
    before = [KlineClose(start - 1000, D(100)), KlineClose(start + 59_000, D(101))]
    assert calibrate(before, now=NOW, params=PARAMS).n_1m == 0


def test_recalibration_sets_recalib_ts_and_is_due_every_recalib_every_s() -> None:
    klines = _bars([str(100 + i % 5) for i in range(60)])
    guard = recalibrate(ShockGuardState(trigger_count_60m=2), klines, now=NOW, params=PARAMS)
    expected = calibrate(klines, now=NOW, params=PARAMS)
    assert (guard.q95_1m, guard.q95_3m, guard.recalib_ts, guard.trigger_count_60m) == (
        expected.q95_1m, expected.q95_3m, NOW, 2)
    assert guard.q95_1m is not None and guard.q95_3m is not None
    every = PARAMS.shockguard.recalib_every_s
    assert calibration_due(ShockGuardState(), now=NOW, params=PARAMS)
    assert not calibration_due(guard, now=NOW + every - 1, params=PARAMS)
    assert calibration_due(guard, now=NOW + every, params=PARAMS)


GUARD = ShockGuardState(q95_1m=0.01, q95_3m=0.02)   # x3: 0.03 within 1m, 0.06 within 3m


def obs(*pairs: tuple[int, str]) -> list[PriceObservation]:
    return [PriceObservation(ts, D(p)) for ts, p in pairs]


def test_nothing_observed_is_no_shock() -> None:
    from domain.shockguard import ShockCheck
    assert check_shock([], GUARD, PARAMS) == ShockCheck(False, "", 0.0, 0.0,
                                                        "no mark price observed")


def test_a_detection_reports_its_move_and_threshold() -> None:
    check = check_shock(obs((0, "100"), (30_000, "104")), GUARD, PARAMS)
    assert check.move == pytest.approx(math.log(1.04))
    assert check.threshold == pytest.approx(0.03)
    assert check.reason == (f"mark moved {math.log(1.04):.6f} (log) within 1m > q95_1m "
                            "0.010000 x 3")
    calm = check_shock(obs((0, "100"), (30_000, "101")), GUARD, PARAMS)
    assert (calm.detected, calm.horizon, calm.move, calm.threshold) == (False, "", 0.0, 0.0)
    assert calm.reason == (f"1m: {math.log(1.01):.6f} <= 0.030000; "
                           f"3m: {math.log(1.01):.6f} <= 0.060000")


@pytest.mark.parametrize(("points", "detected", "horizon"), [
    ([(0, "100"), (30_000, "102")], False, ""),
    ([(0, "100"), (30_000, "104")], True, "1m"),          # ln 1.04 = 0.039 > 0.03
    ([(0, "100"), (30_000, "96")], True, "1m"),           # falls count too
    ([(0, "100"), (61_000, "104")], False, ""),           # 61 s: only the 3m bar applies
    ([(0, "100"), (60_000, "104")], True, "1m"),          # exactly 1 minute is within
    ([(0, "100"), (120_000, "107")], True, "3m"),         # ln 1.07 = 0.068 > 0.06
    ([(0, "100"), (181_000, "107")], False, ""),          # beyond 3 minutes
    ([(0, "100"), (60_000, "103"), (120_000, "106")], False, ""),
    ([(0, "106"), (1_000, "100")], True, "1m"),
    ([(5_000, "104"), (0, "100")], True, "1m"),           # the latest by time, not by order
    ([(0, "100")], False, ""),
    ([], False, ""),
])
def test_detection_table(points: list[tuple[int, str]], detected: bool, horizon: str) -> None:
    check = check_shock(obs(*points), GUARD, PARAMS)
    assert (check.detected, check.horizon) == (detected, horizon)


def test_an_uncalibrated_horizon_detects_nothing() -> None:
    points = obs((0, "100"), (30_000, "150"))
    assert not check_shock(points, ShockGuardState(), PARAMS).detected
    only_3m = check_shock(points, ShockGuardState(q95_3m=0.02), PARAMS)
    assert (only_3m.detected, only_3m.horizon) == (True, "3m")
    assert "1m: not calibrated" in check_shock(points, ShockGuardState(), PARAMS).reason


def test_the_move_must_be_beyond_the_threshold_not_at_it() -> None:
    # a move of exactly the threshold (0 against a q95 of 0) is not a shock
    flat = ShockGuardState(q95_1m=0.0, q95_3m=0.0)
    assert not check_shock(obs((0, "100"), (10_000, "100")), flat, PARAMS).detected
    assert check_shock(obs((0, "100"), (10_000, "100.01")), flat, PARAMS).detected


def test_prices_from_before_the_last_trigger_are_not_counted_again() -> None:
    points = obs((0, "100"), (30_000, "104"), (50_000, "104.5"))
    first = check_shock(points[:2], GUARD, PARAMS)
    assert first.detected
    counted = count_trigger(GUARD, 30)   # the trigger at t = 30 s
    assert not check_shock(points, counted, PARAMS).detected
    # a price observed at the trigger's second is a base for the next move
    at_trigger = check_shock([*points, PriceObservation(60_000, D("108.5"))], counted, PARAMS)
    assert at_trigger.detected and at_trigger.move == pytest.approx(math.log(108.5 / 104))
    # a further leg beyond the threshold from the trigger's price counts again
    more = check_shock([*points, PriceObservation(55_000, D("108.5"))], counted, PARAMS)
    assert more.detected


@settings(max_examples=300, deadline=None)
@given(observations(), st.sampled_from([None, 0.005, 0.01, 0.03]),
       st.sampled_from([None, 0.01, 0.02, 0.05]), st.sampled_from([None, 0, 60, 200]))
def test_detection_is_a_brute_force_recomputation(points: list[PriceObservation],
                                                  q1: float | None, q3: float | None,
                                                  trigger_s: int | None) -> None:
    guard = ShockGuardState(q95_1m=q1, q95_3m=q3,
                            trigger_ts_60m=() if trigger_s is None else (trigger_s,))
    check = check_shock(points, guard, PARAMS)
    if not points:
        assert not check.detected
        return
    last_ts = max(p.ts_ms for p in points)
    latest = [p for p in points if p.ts_ms == last_ts][-1]
    expected = ""
    for name, span, q in (("1m", 60_000, q1), ("3m", 180_000, q3)):
        if q is None:
            continue
        floor = -1 if trigger_s is None else trigger_s * 1000
        moves = [abs(math.log(float(latest.price) / float(p.price))) for p in points
                 if latest.ts_ms - span <= p.ts_ms < latest.ts_ms and p.ts_ms >= floor]
        # well clear of the threshold only: exact ties are the table test's business
        if any(m > q * 3 * (1 + 1e-9) for m in moves):
            expected = name
            break
        if any(m > q * 3 * (1 - 1e-9) for m in moves):
            return
    assert (check.detected, check.horizon) == (bool(expected), expected)


def test_triggers_count_for_60_minutes() -> None:
    guard = ShockGuardState()
    for t in (NOW, NOW + 600, NOW + 3599):
        guard = count_trigger(guard, t)
    assert guard.trigger_count_60m == 3
    guard = count_trigger(guard, NOW + 3600)   # the one at NOW drops out
    assert (guard.trigger_count_60m, guard.trigger_ts_60m) == (3, (NOW + 600, NOW + 3599,
                                                                   NOW + 3600))
    assert expire_triggers(guard, NOW + 4199).trigger_count_60m == 3
    later = expire_triggers(guard, NOW + 4200)
    assert (later.trigger_count_60m, later.trigger_ts_60m) == (2, (NOW + 3599, NOW + 3600))
    assert expire_triggers(guard, NOW + 7200).trigger_count_60m == 0


FIRED = check_shock(obs((0, "100"), (1_000, "110")), GUARD, PARAMS)


def test_a_detection_outside_shock_runs_the_playbook() -> None:
    response = respond_to_shock(GUARD, Regime.TREND, FIRED, now=NOW, params=PARAMS)
    assert response.run_playbook is True and response.actions == ()
    assert response.guard == GUARD   # the playbook counts it, not this
    assert response.note == f"SHOCK detected: {FIRED.reason}"


def test_a_detection_in_shock_counts_and_locks_without_the_playbook() -> None:
    params = Params(shockguard=ShockGuardParams(max_triggers_60m=2),
                    cooldown=CooldownParams(shock_s=900, freeze_s=1800))
    guard = count_trigger(GUARD, NOW - 100)
    response = respond_to_shock(guard, Regime.SHOCK, FIRED, now=NOW, params=params)
    assert response.run_playbook is False
    assert response.guard.trigger_count_60m == 2
    assert response.actions == (
        SetCooldown(CooldownKind.SHOCK, NOW + 900, f"SHOCK detected again: {FIRED.reason}"),
        SetCooldown(CooldownKind.FREEZE, NOW + 1800, "2 SHOCKs within 60 min (limit 2)"))
    assert response.note == f"SHOCK detected again (#2 in 60 min): {FIRED.reason}"


def test_no_detection_changes_nothing() -> None:
    calm = check_shock(obs((0, "100"), (1_000, "100.1")), GUARD, PARAMS)
    response = respond_to_shock(GUARD, Regime.SHOCK, calm, now=NOW, params=PARAMS)
    assert (response.guard, response.run_playbook, response.actions) == (GUARD, False, ())
    assert response.run_playbook is False
    assert response.note == f"no shock: {calm.reason}"


@settings(max_examples=100, deadline=None)
@given(observations(), st.builds(PriceObservation, st.integers(0, 400_000),
                                 st.integers(9_000, 11_000).map(D)))
def test_keeping_the_last_3_minutes_never_changes_a_detection(
        points: list[PriceObservation], new: PriceObservation) -> None:
    kept = keep_recent(points, new)
    everything = [*points, new]
    latest = max(p.ts_ms for p in everything)
    assert all(p.ts_ms >= latest - 180_000 for p in kept)
    assert len(kept) == sum(1 for p in everything if p.ts_ms >= latest - 180_000)
    assert check_shock(kept, GUARD, PARAMS) == check_shock(everything, GUARD, PARAMS)
