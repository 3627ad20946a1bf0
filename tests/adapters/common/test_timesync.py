"""ClockOffset: the exchange clock's offset is the median of the last few measured offsets,
kept up to date as samples come and go."""

import random
import statistics

import pytest

from adapters.common.timesync import KEEP_SAMPLES, ClockOffset


def test_no_sample_is_no_offset() -> None:
    offset = ClockOffset()
    assert not offset.measured and offset.value_ms == 0


def test_an_offset_is_measured_at_the_midpoint_of_the_call() -> None:
    offset = ClockOffset()
    offset.add(server_ms=10_500, sent_ms=10_000, received_ms=10_200)  # midpoint 10_100
    assert offset.measured and offset.value_ms == 400


@pytest.mark.parametrize("seed", range(40))
def test_the_offset_is_the_median_of_the_kept_samples(seed: int) -> None:
    rng = random.Random(seed)
    offset = ClockOffset()
    offsets = [rng.randint(-5_000, 5_000) for _ in range(rng.randint(1, 2 * KEEP_SAMPLES))]
    for value in offsets:
        offset.add(server_ms=1_000_000 + value, sent_ms=1_000_000, received_ms=1_000_000)
    kept = offsets[-KEEP_SAMPLES:]
    assert offset.value_ms == round(statistics.median(kept))


@pytest.mark.parametrize(("values", "expected"), [([1, 2], 2), ([1, 4], 2), ([3, 4], 4),
                                                  ([-3, -2], -2), ([5, 1, 3], 3),
                                                  ([1, 2, 3, 4], 2)])
def test_an_even_count_takes_the_mean_of_the_middle_two(values: list[int],
                                                         expected: int) -> None:
    offset = ClockOffset()
    for value in values:
        offset.add(server_ms=value, sent_ms=0, received_ms=0)
    assert offset.value_ms == expected


def test_clear_forgets_the_samples() -> None:
    offset = ClockOffset()
    offset.add(server_ms=100, sent_ms=0, received_ms=0)
    offset.clear()
    assert not offset.measured and offset.value_ms == 0


def test_the_offset_is_the_rounded_median_of_the_kept_samples() -> None:
    offset = ClockOffset(keep=3)
    assert (offset.measured, offset.value_ms) == (False, 0)
    offset.add(server_ms=1_100, sent_ms=1_000, received_ms=1_000)  # +100
    assert (offset.measured, offset.value_ms) == (True, 100)
    offset.add(server_ms=1_000, sent_ms=1_000, received_ms=1_001)  # 1000 - 1000 = 0
    assert offset.value_ms == 50
    offset.add(server_ms=1_030, sent_ms=1_000, received_ms=1_000)  # +30
    assert offset.value_ms == 30
    offset.add(server_ms=2_000, sent_ms=1_000, received_ms=1_000)  # +1000; +100 drops out
    assert offset.value_ms == 30
    offset.add(server_ms=1_500, sent_ms=1_000, received_ms=1_000)  # +500; 0 drops out
    assert offset.value_ms == 500
    offset.clear()
    assert (offset.measured, offset.value_ms) == (False, 0)
    offset.add(server_ms=990, sent_ms=1_000, received_ms=1_000)
    assert offset.value_ms == -10
    offset.clear()
    # the midpoint is in whole ms (rounded down): 1000 - 1001, not 1000 - 1001.5
    offset.add(server_ms=1_000, sent_ms=1_000, received_ms=1_003)
    assert offset.value_ms == -1
