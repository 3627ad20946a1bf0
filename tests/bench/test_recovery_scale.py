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


def test_the_instid_what_if_counts_algo_writes_per_instrument_inside_its_block_only() -> None:
    from adapters.okx import pacing
    from bench.recovery_scale import okx_algo_basis
    from simulator.wire import ratelimit

    engine, exchange = pacing.LIMITS, ratelimit.LIMITS
    with okx_algo_basis("instId"):
        assert pacing.LIMITS["POST /api/v5/trade/order-algo"] == pacing.Limit(20, scope="instId")
        assert pacing.LIMITS["POST /api/v5/trade/cancel-algos"] == pacing.Limit(
            20, scope="instId")
        assert ratelimit.LIMITS[("POST", "trade/order-algo")] == (20, "inst")
        assert ratelimit.LIMITS[("POST", "trade/cancel-algos")] == (20, "inst")
        changed = {k for k in engine if pacing.LIMITS[k] != engine[k]}
        assert changed == {"POST /api/v5/trade/order-algo", "POST /api/v5/trade/cancel-algos"}
        assert {k for k in exchange if ratelimit.LIMITS[k] != exchange[k]} == {
            ("POST", "trade/order-algo"), ("POST", "trade/cancel-algos")}
        limiter = ratelimit.RateLimiter()
        assert all(limiter.allow("POST", "trade/order-algo", "k", [f"I{i}-USDT-SWAP"])
                   for i in range(25))  # 25 instruments: one bucket each
        assert all(limiter.allow("POST", "trade/order-algo", "k", ["I0-USDT-SWAP"])
                   for _ in range(19))
        assert not limiter.allow("POST", "trade/order-algo", "k", ["I0-USDT-SWAP"])
    assert pacing.LIMITS is engine and ratelimit.LIMITS is exchange
    with okx_algo_basis("uid"):
        assert pacing.LIMITS is engine and ratelimit.LIMITS is exchange
    with pytest.raises(ValueError, match="basis"), okx_algo_basis("instType"):
        pass


@pytest.mark.slow
def test_the_instid_what_if_recovers_without_rate_limit_answers(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = run(3, 1, "okx", "instId")
    assert result["protected"] == [(3, 3)] and result["rate_limited"] == 0
    assert result["requests"]["POST /api/v5/trade/order-algo"] == 3
    assert result["algo_reads"] == [result["requests"]["GET /api/v5/trade/orders-algo-pending"]]
    report(result)
    assert "OKX algo limit basis instId" in capsys.readouterr().out
