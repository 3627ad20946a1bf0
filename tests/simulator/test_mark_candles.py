"""market/mark-price-candles: OKX's mark-candle shape over the simulator's bars."""

from simulator.embedded import EmbeddedSimulator
from tests.simulator.conftest import BTC
from tests.simulator.okx_http import OkxHttp


def test_mark_candles_have_six_fields_newest_first_and_match_the_bars(
        sim: EmbeddedSimulator, okx: OkxHttp) -> None:
    marks = okx.public("market/mark-price-candles", f"instId={BTC}&bar=1m&limit=5").json()
    bars = okx.public("market/candles", f"instId={BTC}&bar=1m&limit=5").json()
    assert marks["code"] == "0" and len(marks["data"]) == 5
    for mark, bar in zip(marks["data"], bars["data"], strict=True):
        assert mark == [*bar[:5], bar[-1]]
    times = [int(row[0]) for row in marks["data"]]
    assert times == sorted(times, reverse=True)
    history = okx.public("market/history-mark-price-candles",
                         f"instId={BTC}&bar=1m&limit=100&after={times[-1]}").json()
    assert len(history["data"]) == 100 and all(len(r) == 6 for r in history["data"])
    assert all(int(r[0]) < times[-1] for r in history["data"])
    too_many = okx.public("market/mark-price-candles", f"instId={BTC}&limit=101")
    assert (too_many.status_code, too_many.json()["code"]) == (400, "51000")
