"""The replay exchange's parts on their own: matching, the clock, the transport."""

import asyncio
from typing import Any

import httpx
import pytest

from adapters.replay import Divergence, Matcher, RecordedCall, ReplayClock, ReplayTransport
from adapters.replay.clock import SNAP_S
from adapters.replay.matching import CallKey, key_of


def _call(seq: int, path: str, params: dict[str, Any] | None = None, body: Any = None,
          response: dict[str, Any] | None = None, method: str = "GET",
          sent_s: float = 0.0) -> RecordedCall:
    return RecordedCall(seq, "m_execution_raw_part_0001.jsonl", method, path, params or {},
                        body, response or {"http_status": 200, "body": {"code": "0"},
                                           "elapsed_ms": 2.0},
                        int(1_000_000 + sent_s * 1000), 100.0 + sent_s)


def _key(path: str, fields: dict[str, str] | None = None, body: Any = None,
         method: str = "GET") -> CallKey:
    return CallKey(method, path, fields or {}, body)


def test_calls_match_in_order_and_a_concurrent_one_a_few_places_ahead() -> None:
    calls = (_call(1, "/a"), _call(2, "/b"), _call(3, "/c"))
    matcher = Matcher(calls, window=2)
    assert matcher.match(_key("/b")).seq == 2  # completed first in the recording
    assert matcher.match(_key("/a")).seq == 1
    assert matcher.match(_key("/c")).seq == 3
    assert matcher.finish() is None


def test_a_call_beyond_the_window_is_a_divergence_naming_the_expected_record() -> None:
    matcher = Matcher((_call(1, "/a"), _call(2, "/b"), _call(3, "/c")), window=2)
    with pytest.raises(Divergence) as raised:
        matcher.match(_key("/c"))
    assert raised.value.seq == 1 and raised.value.expected == "GET /a"
    assert "seq 1" in str(raised.value) and "a different endpoint" in str(raised.value)
    # sticky: the engine cannot wander on past the first difference
    with pytest.raises(Divergence):
        matcher.match(_key("/a"))
    assert matcher.finish() is raised.value


def test_timestamps_and_signatures_are_ignored_client_ids_are_not() -> None:
    recorded = _call(1, "/o", {"symbol": "X", "timestamp": "1", "signature": "aa",
                               "newClientOrderId": "pxEN1"}, method="POST")
    matcher = Matcher((recorded,))
    same = {"symbol": "X", "newClientOrderId": "pxEN1"}
    assert matcher.match(_key("/o", same, method="POST")).seq == 1
    other = Matcher((recorded,))
    with pytest.raises(Divergence, match="differs in newClientOrderId"):
        other.match(_key("/o", {**same, "newClientOrderId": "pxEN2"}, method="POST"))


def test_a_recorded_call_never_made_is_reported_at_the_end() -> None:
    matcher = Matcher((_call(1, "/a"), _call(2, "/b")))
    matcher.match(_key("/a"))
    found = matcher.finish()
    assert found is not None and found.seq == 2
    assert found.actual is None and "never made" in str(found)


def test_key_of_canonicalizes_values_as_text() -> None:
    assert key_of(_call(1, "/a", {"limit": 100})).fields == {"limit": "100"}


def test_the_clock_follows_the_recording_never_backwards_and_never_waits() -> None:
    clock = ReplayClock(1_000_000, 100.0)
    clock.at_least(1_000_500, 100.5)
    clock.at_least(1_000_100, 100.1)  # an earlier record: time does not go back
    assert (clock.now_ms(), clock.monotonic()) == (1_000_500, 100.5)
    asyncio.run(clock.sleep(30.0))
    assert (clock.now_ms(), clock.monotonic()) == (1_030_500, 130.5)


def test_a_sleep_ending_just_short_of_the_next_call_lands_on_its_send_time() -> None:
    upcoming: list[tuple[float, float]] = [(1_000_140.0, 100.14)]
    clock = ReplayClock(1_000_000, 100.0, lambda: upcoming[0] if upcoming else None)
    asyncio.run(clock.sleep(0.1))  # 40 ms short: the engine's own work before sending
    assert clock.monotonic() == pytest.approx(100.14)
    upcoming[0] = (1_000_140.0 + 1000 * (SNAP_S + 0.5), 100.14 + SNAP_S + 0.5)
    asyncio.run(clock.sleep(0.1))  # far short of the next call: only the sleep passes
    assert clock.monotonic() == pytest.approx(100.24)


def _send(transport: ReplayTransport, request: httpx.Request) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://replay.invalid") as c:
            return await c.send(request)
    return asyncio.run(go())


def test_the_transport_serves_the_recorded_answer_at_the_recorded_time() -> None:
    recorded = _call(1, "/api/v5/trade/order", body={"clOrdId": "pxEN1", "sz": "1"},
                     method="POST", sent_s=2.0,
                     response={"http_status": 200, "body": {"code": "0", "data": []},
                               "elapsed_ms": 5.0, "headers": {"x-kept": "1"}})
    clock = ReplayClock(1_000_000, 100.0)
    transport = ReplayTransport(Matcher((recorded,)), clock)
    request = httpx.Request("POST", "http://replay.invalid/api/v5/trade/order",
                            content=b'{"sz":"1","clOrdId":"pxEN1"}')
    response = _send(transport, request)
    assert response.status_code == 200 and response.json() == {"code": "0", "data": []}
    assert response.headers["x-kept"] == "1"
    assert clock.monotonic() == pytest.approx(102.005)


@pytest.mark.parametrize("error, raised", [("timeout", httpx.ReadTimeout),
                                           ("transport:ReadError", httpx.ReadError),
                                           ("transport:Mystery", httpx.TransportError)])
def test_a_recorded_failure_is_raised_again(error: str, raised: type[Exception]) -> None:
    recorded = _call(1, "/x", response={"http_status": None, "error": error,
                                        "elapsed_ms": 1.0})
    transport = ReplayTransport(Matcher((recorded,)), ReplayClock(0, 0.0))
    with pytest.raises(raised):
        _send(transport, httpx.Request("GET", "http://replay.invalid/x"))


def test_concurrent_waits_end_in_virtual_deadline_order() -> None:
    clock = ReplayClock(1_000_000, 100.0)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.monotonic()))

    async def both() -> None:
        await asyncio.gather(sleeper("keepalive", 25.0), sleeper("poll", 0.1),
                             sleeper("deadline", 1.0))
    asyncio.run(both())
    assert [name for name, _ in woke] == ["poll", "deadline", "keepalive"]
    assert [at for _, at in woke] == pytest.approx([100.1, 101.0, 125.0])


def test_a_wait_that_can_never_end_gets_the_stalled_error() -> None:
    clock = ReplayClock(0, 0.0, stalled=lambda: Divergence("nothing recorded is due"))

    async def waits_in_vain() -> None:
        await clock.wait_until(1.0, gate=lambda: False)
    with pytest.raises(Divergence, match="nothing recorded is due"):
        asyncio.run(waits_in_vain())


def test_listen_keys_are_handed_out_as_stand_ins_and_compared_as_fingerprints() -> None:
    from adapters.replay.keys import ListenKeyStandIns

    keys = ListenKeyStandIns()
    assert not keys and keys.as_recorded({"params": ["x"]}) == {"params": ["x"]}
    body = keys.hand_out({"listenKey": "lk:0123456789ab", "other": "lk:0123456789ab"})
    stand_in = body["listenKey"]
    assert len(stand_in) == 64 and stand_in.isalnum() and body["other"] == "lk:0123456789ab"
    assert keys.hand_out({"listenKey": "not-a-fingerprint"}) == {
        "listenKey": "not-a-fingerprint"}
    frame = {"method": "SUBSCRIBE", "params": [stand_in, "btcusdc@markPrice@1s"], "id": 2}
    assert keys.as_recorded(frame) == {"method": "SUBSCRIBE", "id": 2,
                                       "params": ["lk:0123456789ab", "btcusdc@markPrice@1s"]}
    assert keys.as_recorded(f"/ws/{stand_in}") == "/ws/lk:0123456789ab"
    other = keys.hand_out({"listenKey": "lk:ba9876543210"})["listenKey"]
    assert other != stand_in and keys.as_recorded([other]) == ["lk:ba9876543210"]


def test_a_stand_in_key_in_a_rest_request_is_matched_as_its_fingerprint() -> None:
    import httpx

    from adapters.replay.keys import ListenKeyStandIns
    from adapters.replay.transport import key_of_request

    keys = ListenKeyStandIns()
    (entry,) = keys.hand_out([{"listenKey": "lk:0123456789ab"}])
    request = httpx.Request("PUT", "http://replay.invalid/fapi/v1/listenKey",
                            params={"listenKey": entry["listenKey"], "timestamp": "1"})
    assert key_of_request(request, keys).fields == {"listenKey": "lk:0123456789ab"}
    assert key_of_request(request).fields == {"listenKey": entry["listenKey"]}
