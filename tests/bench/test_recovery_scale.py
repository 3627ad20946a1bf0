"""bench.recovery_scale with tiny counts, so it cannot rot (no timing is asserted)."""

import pytest

from bench.recovery_scale import report, run


@pytest.mark.slow
def test_the_recovery_benchmark_runs_and_checks_at_the_exchange(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = run(2, 2)
    # every position protected by exactly one live stop, on each run, and no 50011
    assert result["protected"] == [(2, 2), (2, 2)]
    assert result["rate_limited"] == 0 and result["needs_attention"] == 0
    assert result["requests"]["POST /api/v5/trade/order-algo"] == 4
    assert len(result["seconds"]) == 2
    report(result)
    assert "50011 answers    0" in capsys.readouterr().out
