"""ClockOffset: the median of the recent samples, kept up to date as they come and go."""

from adapters.common.timesync import ClockOffset


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
