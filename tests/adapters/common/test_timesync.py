"""ClockOffset: the exchange clock's offset is the median of the last few measured offsets."""

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
