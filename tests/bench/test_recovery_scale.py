"""bench.recovery_scale with tiny counts, so it cannot rot (no timing is asserted)."""

import pytest

from bench.recovery_scale import report, run


@pytest.mark.slow
@pytest.mark.parametrize(("venue", "placement"), [("okx", "POST /api/v5/trade/order-algo"),
                                                  ("binance", "POST /fapi/v1/algoOrder")])
def test_the_recovery_benchmark_runs_and_checks_at_the_exchange(
        venue: str, placement: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(3, 2, venue)
    # every position protected by exactly one live stop, on each run, and no rate limit hit
    assert result["protected"] == [(3, 3), (3, 3)]
    assert result["rate_limited"] == 0 and result["needs_attention"] == 0
    assert result["requests"][placement] == 6
    assert len(result["seconds"]) == 2
    report(result)
    assert "rate-limit answers 0" in capsys.readouterr().out
