"""The Binance market entry answered with its state after matching (newOrderRespType=RESULT,
issue 14 P2) on venue sim-binance: a terminal answer is the exchange's observation of the fill
(no status read follows it); an answer still live or partly filled is read on, as after ACK.
Checked in the simulator's request journal and positions, and in the run's evidence."""

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.binance_harness import SYMBOL, BinanceWorld, binance_world, open_long

D = Decimal
ORDER = "/fapi/v1/order"


@pytest.fixture
def bw(tmp_path: Path) -> Iterator[BinanceWorld]:
    with binance_world(tmp_path) as world:
        yield world


def entry_calls(bw: BinanceWorld, cid: str) -> list[tuple[str, dict[str, str]]]:
    """The order endpoint's calls about the entry, in the order the simulator took them."""
    (order_id,) = [o["ordId"] for o in bw.orders_with(cid)]
    calls = []
    for request in bw.requests(ORDER):
        params = dict(pair.split("=", 1) for part in (str(request.get("query") or ""),
                                                      str(request.get("body") or ""))
                      for pair in part.split("&") if "=" in pair)
        if cid in (params.get("newClientOrderId"), params.get("origClientOrderId")) \
                or params.get("orderId") == order_id:
            calls.append((str(request["method"]), params))
    return calls


def test_a_filled_result_answer_is_the_fill_and_no_status_read_follows(
        bw: BinanceWorld) -> None:
    opened = bw.run(open_long("res1"))
    assert opened.status == "opened", opened
    calls = entry_calls(bw, "pxENres100")
    # the gate's lookup of the intent's entry id, then the placement, and nothing after it
    assert [method for method, _ in calls] == ["GET", "POST"]
    assert calls[1][1]["newOrderRespType"] == "RESULT"
    assert bw.position() == D("0.010")
    pos = opened.state.position_state
    (entry,) = bw.orders_with("pxENres100")
    assert (pos.qty_total, pos.entry_price) == (D(entry["accFillSz"]), D(entry["avgPx"]))
    # the evidence holds the answer that proved the fill
    run_dir = next((bw.tmp / "runs").iterdir())
    posts = [r for r in map(json.loads, (run_dir / "m_execution_raw_part_0001.jsonl")
                            .read_text().splitlines())
             if r.get("endpoint") == f"POST {ORDER}"]
    bodies = [json.dumps(r) for r in posts]
    assert any('"FILLED"' in b and "pxENres100" in b for b in bodies)


def test_a_partly_filled_answer_is_read_on_until_the_exchange_shows_the_end(
        bw: BinanceWorld) -> None:
    bw.sim.faults.inject("partial_fill", SYMBOL, ratio=0.5, times=1)
    opened = bw.run(open_long("res2"))
    calls = entry_calls(bw, "pxENres200")
    methods = [method for method, _ in calls]
    assert methods[:2] == ["GET", "POST"] and "GET" in methods[2:]
    (entry,) = bw.orders_with("pxENres200")
    # whatever the exchange shows filled is what the engine holds, and the exchange holds it
    assert D(entry["accFillSz"]) == bw.position() > 0
    assert opened.state.position_state.qty_total == bw.position()
    # the stop went out with the status read (application/early_stop.py) for the entry's
    # size; the position is protected by one stop of the filled size, the first cancelled
    assert opened.status == "opened", opened
    (stop,) = bw.live_algos()
    assert (stop["algoClOrdId"], D(stop["sz"])) == ("pxSLres201", bw.position())
    first = [a for a in bw.admin("/sim/algos")["algos"] if a["algoClOrdId"] == "pxSLres200"]
    assert [a["state"] for a in first] == ["canceled"]
    assert opened.state.pending_stops == ()
