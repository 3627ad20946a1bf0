"""SelfCheck reports every check and fails on a skewed clock, wrong mode or bad instrument."""

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from application.selfcheck import RunSelfCheck, SelfCheckDone
from domain.algo import AlgoOrder
from ports.errors import ExchangeRejected
from tests.fake_venue import FakeExchange
from tests.fakes import FakeClock, InMemoryEvidenceSink
from tests.unit.application import wiring


def check(exchange: FakeExchange, **kw: Any) -> SelfCheckDone:
    cmd = RunSelfCheck(venue="sim", symbols=tuple(kw.pop("symbols", ("BTC-USDT-SWAP",))),
                       intent_id="sc1", **kw)
    use_case = wiring.selfcheck(exchange, InMemoryEvidenceSink())
    return asyncio.run(use_case.execute(cmd))


def by_name(done: SelfCheckDone) -> dict[str, bool]:
    return {c.name: c.passed for c in done.checks}


def test_a_healthy_venue_passes_every_check_including_the_algo_roundtrip() -> None:
    exchange = FakeExchange(FakeClock())
    done = check(exchange, with_orders=True)
    assert done.all_passed, done.checks
    assert len(done.checks) == 10
    assert not exchange.open_algos("BTC-USDT-SWAP") and exchange.algo_book


def test_without_with_orders_no_order_is_placed() -> None:
    exchange = FakeExchange(FakeClock())
    check(exchange)
    assert not exchange.algo_book and not exchange.order_book


def test_a_skewed_clock_fails_the_check() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.server_offset_ms = 2500
    done = check(exchange)
    assert not done.all_passed
    assert by_name(done)["rest connectivity and clock skew"] is False


def test_a_hedge_mode_account_and_a_suspended_symbol_fail() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.pos_mode = "long_short_mode"
    done = check(exchange, symbols=("BTC-USDT-SWAP", "XRP-USDT-SWAP"))
    results = by_name(done)
    assert results["position mode"] is False
    assert results["instruments: size and precision"] is False


def test_a_spot_mode_account_fails_with_a_line_that_says_why() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.acct_lv = "1"
    done = check(exchange)
    failed = next(c for c in done.checks if c.name == "account mode")
    assert not failed.passed and not done.all_passed
    assert failed.detail.startswith("spot mode (acctLv 1) cannot trade perpetual swaps")
    assert by_name(done)["position mode"] is True  # the other checks still run


def test_margin_modes_pass_and_an_unknown_mode_fails() -> None:
    exchange = FakeExchange(FakeClock())
    for acct_lv, passed in (("2", True), ("3", True), ("4", True), ("9", False)):
        exchange.acct_lv = acct_lv
        assert by_name(check(exchange))["account mode"] is passed, acct_lv


def test_a_key_for_the_other_environment_is_named() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.script("get_account_config", ExchangeRejected("50101", "APIKey does not match"))
    done = check(exchange)
    failed = next(c for c in done.checks if c.name == "keys match venue and can trade")
    assert not failed.passed and "demo key on live" in failed.detail


@pytest.mark.parametrize("breaks", ["keys", "account", "pos_mode", "instrument", "algo query"])
def test_the_test_stop_is_not_sent_when_a_check_it_needs_failed(
        breaks: str, monkeypatch: pytest.MonkeyPatch) -> None:
    exchange = FakeExchange(FakeClock())
    symbols = ("BTC-USDT-SWAP",)
    failing = {"keys": "keys match venue and can trade", "account": "account mode",
               "pos_mode": "position mode", "instrument": "instruments: size and precision",
               "algo query": "algo order query"}[breaks]
    if breaks == "keys":
        exchange.script("get_account_config", ExchangeRejected("50113", "Invalid Sign"))
    elif breaks == "account":
        exchange.acct_lv = "1"
    elif breaks == "pos_mode":
        exchange.pos_mode = "long_short_mode"
    elif breaks == "instrument":
        symbols = ("XRP-USDT-SWAP",)
    else:
        async def broken(symbol: str) -> tuple[AlgoOrder, ...]:
            raise RuntimeError("boom")
        monkeypatch.setattr(exchange.algos, "get_open_algo_orders", broken)
    done = check(exchange, with_orders=True, symbols=symbols)
    roundtrip = done.checks[-1]
    assert roundtrip.name == "algo stop place / see / cancel" and not roundtrip.passed
    assert roundtrip.detail.startswith("not attempted, nothing sent: ")
    assert failing in roundtrip.detail
    assert not exchange.algo_book and not exchange.order_book
    assert "submit_algo_stop" not in exchange.calls


def test_a_refused_algo_placement_is_told_in_words_not_as_a_repr() -> None:
    from domain.outcome import Rejected, Unknown

    for scripted, words in ((Rejected("51000", "Parameter sz error", 400),
                             "placement rejected: stop rejected 51000: Parameter sz error"),
                            (Unknown("timeout"), "(answer lost: timeout)")):
        exchange = FakeExchange(FakeClock())
        exchange.script("submit_algo_stop", scripted)
        done = check(exchange, with_orders=True)
        roundtrip = next(c for c in done.checks if c.name == "algo stop place / see / cancel")
        assert not roundtrip.passed and words in roundtrip.detail
        assert "Rejected(" not in roundtrip.detail and "Unknown(" not in roundtrip.detail


def test_a_parameter_out_of_its_range_fails_the_parameters_check() -> None:
    from domain.params import Params, ShockGuardParams
    guard = ShockGuardParams()
    # a value no validator would let in, smuggled past construction as a bad loader might
    object.__setattr__(guard, "shock_multiplier", -1)
    params = Params(shockguard=guard)
    exchange = FakeExchange(FakeClock())
    cmd = RunSelfCheck(venue="sim", symbols=("BTC-USDT-SWAP",), intent_id="sc1")
    done = asyncio.run(wiring.selfcheck(exchange, InMemoryEvidenceSink(), params).execute(cmd))
    line = next(c for c in done.checks if c.name == "parameters loaded")
    assert not line.passed and "shock_multiplier" in line.detail
    healthy = check(FakeExchange(FakeClock()))
    good = next(c for c in healthy.checks if c.name == "parameters loaded")
    assert good.passed and "required keys present" in good.detail


def test_any_exception_in_a_check_is_a_failed_line_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    exchange = FakeExchange(FakeClock())

    async def broken(symbol: str) -> tuple[AlgoOrder, ...]:
        raise RuntimeError("decoder blew up")
    monkeypatch.setattr(exchange.algos, "get_open_algo_orders", broken)
    done = check(exchange)
    line = next(c for c in done.checks if c.name == "algo order query")
    assert not line.passed and line.detail == "check failed: RuntimeError: decoder blew up"
    assert by_name(done)["position mode"] is True   # the other checks still ran


def test_an_algo_answer_for_another_symbol_fails_the_query_check(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from domain.algo import AlgoOrder, AlgoState, WorkingType
    from domain.orders import Side
    exchange = FakeExchange(FakeClock())
    foreign = AlgoOrder("ETH-USDT-SWAP", "9001", "", AlgoState.LIVE, Side.SELL, Decimal("1"),
                        False, Decimal("1500"), WorkingType.MARK_PRICE, True, 0)

    async def wrong(symbol: str) -> tuple[AlgoOrder, ...]:
        return (foreign,)
    monkeypatch.setattr(exchange.algos, "get_open_algo_orders", wrong)
    done = check(exchange)
    line = next(c for c in done.checks if c.name == "algo order query")
    assert not line.passed
    assert line.detail == "BTC-USDT-SWAP: got an algo of ETH-USDT-SWAP"


def test_a_websocket_that_never_acknowledges_fails_within_the_deadline(
        monkeypatch: pytest.MonkeyPatch) -> None:
    exchange = FakeExchange(FakeClock())

    async def silent() -> None:
        await asyncio.Event().wait()
    monkeypatch.setattr(exchange.streams, "ws_start", silent)
    done = check(exchange, ws_timeout_s=0.05)
    line = next(c for c in done.checks if c.name == "websocket login and subscribe")
    assert not line.passed
    assert line.detail == "not logged in and subscribed within 0.05 s"
    assert "ws_stop" in exchange.calls  # the streams are closed again


def test_a_refused_websocket_login_is_named_when_the_streams_never_come_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from ports.exchange_events import PriceUpdate, ResyncNeeded
    exchange = FakeExchange(FakeClock())

    async def refused() -> None:  # the streams retry a refused login: ws_start never returns
        for sub in exchange.subscriptions:
            sub.offer(ResyncNeeded("private stream lost: LoginRefused: 60007: Invalid sign",
                                   None))
            sub.offer(ResyncNeeded("private stream lost: LoginRefused: 60009: Login failed.",
                                   None))
            sub.offer(PriceUpdate("BTC-USDT-SWAP", "last", Decimal("1"), 0, None))  # type: ignore[arg-type]
        await asyncio.Event().wait()
    monkeypatch.setattr(exchange.streams, "ws_start", refused)
    done = check(exchange, ws_timeout_s=0.05)
    line = next(c for c in done.checks if c.name == "websocket login and subscribe")
    assert not line.passed
    assert line.detail == ("not logged in and subscribed within 0.05 s: private stream lost: "
                           "LoginRefused: 60009: Login failed.")
    assert all(sub.closed for sub in exchange.subscriptions)


def test_evidence_that_cannot_be_read_back_fails_the_evidence_check() -> None:
    sink = InMemoryEvidenceSink()
    sink.lose_records = True
    cmd = RunSelfCheck(venue="sim", symbols=("BTC-USDT-SWAP",), intent_id="sc1")
    done = asyncio.run(wiring.selfcheck(FakeExchange(FakeClock()), sink).execute(cmd))
    line = next(c for c in done.checks if c.name == "evidence directory writable")
    assert not line.passed and "could not be read back" in line.detail
    assert sink.flushes >= 1


def selfcheck_with_store(exchange: FakeExchange, store: Any) -> SelfCheckDone:
    cmd = RunSelfCheck(venue="sim", symbols=("BTC-USDT-SWAP",), intent_id="sc1",
                       with_orders=True, with_ws=False)
    use_case = wiring.selfcheck(exchange, InMemoryEvidenceSink(), store=store)
    return asyncio.run(use_case.execute(cmd))


def test_the_test_stop_is_durable_as_pending_before_it_is_sent_and_settled_once_canceled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes import InMemoryStateStore
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    submit = exchange.algos.submit_algo_stop
    durable_at_send: list[list[str]] = []

    async def watched(intent: Any) -> Any:
        state = store.flushed.get("BTC-USDT-SWAP")
        durable_at_send.append([p.client_algo_id for p in state.pending_stops] if state else [])
        return await submit(intent)
    monkeypatch.setattr(exchange.algos, "submit_algo_stop", watched)
    done = selfcheck_with_store(exchange, store)
    assert done.all_passed, done.checks
    assert durable_at_send == [["pxSCsc100"]]
    assert store.flushed["BTC-USDT-SWAP"].pending_stops == ()


def test_a_selfcheck_killed_before_its_cancel_leaves_the_recovery_a_stop_to_cancel(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from application.recover_protection import RecoverCommand
    from domain.algo import AlgoState
    from tests.fakes import InMemoryStateStore
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    exchange.algo_visibility_delay_s = 60  # placed, but the queries do not show it yet

    async def killed(**kw: Any) -> Any:
        raise asyncio.CancelledError()  # SIGTERM between the placement and its cancel
    monkeypatch.setattr(exchange.algos, "cancel_algo", killed)
    with pytest.raises(asyncio.CancelledError):
        selfcheck_with_store(exchange, store)
    (algo,) = exchange.algo_book.values()
    assert algo.state is AlgoState.LIVE
    assert not asyncio.run(exchange.algos.get_open_algo_orders("BTC-USDT-SWAP"))  # unseen
    monkeypatch.undo()
    store.load()  # the next process reads what was flushed
    asyncio.run(wiring.recover(exchange, store).execute(RecoverCommand(("BTC-USDT-SWAP",))))
    # cancelled at the exchange by client id while its queries still do not show it
    assert exchange.algo_book[algo.algo_id].state is AlgoState.CANCELED
    assert store.flushed["BTC-USDT-SWAP"].pending_stops == ()


def test_the_killed_selfchecks_pending_stop_carries_the_exchanges_id(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes import InMemoryStateStore
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()

    async def killed(**kw: Any) -> Any:
        raise asyncio.CancelledError()
    monkeypatch.setattr(exchange.algos, "cancel_algo", killed)
    with pytest.raises(asyncio.CancelledError):
        selfcheck_with_store(exchange, store)
    (algo,) = exchange.algo_book.values()
    pending = store.get_symbol_state("BTC-USDT-SWAP").pending_stops
    assert [(p.client_algo_id, p.algo_id, p.since) for p in pending] == [
        ("pxSCsc100", algo.algo_id, exchange.clock.now_ms() // 1000)]


def test_a_refused_cancel_keeps_the_test_stop_pending_and_says_so() -> None:
    from domain.algo import AlgoState
    from domain.outcome import Rejected
    from tests.fakes import InMemoryStateStore
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    exchange.script("cancel_algo", Rejected("51000", "Parameter error", 400))
    done = selfcheck_with_store(exchange, store)
    line = next(c for c in done.checks if c.name == "algo stop place / see / cancel")
    assert not line.passed
    assert line.detail.endswith("pxSCsc100 kept as a pending stop: the next recovery cancels it")
    pending, = store.get_symbol_state("BTC-USDT-SWAP").pending_stops
    (algo,) = exchange.algo_book.values()
    assert (pending.client_algo_id, pending.algo_id) == ("pxSCsc100", algo.algo_id)
    assert algo.state is AlgoState.LIVE


def test_a_refused_test_stop_is_not_left_pending() -> None:
    from domain.outcome import Rejected
    from tests.fakes import InMemoryStateStore
    exchange, store = FakeExchange(FakeClock()), InMemoryStateStore()
    exchange.script("submit_algo_stop", Rejected("51000", "Parameter sz error", 400))
    done = selfcheck_with_store(exchange, store)
    assert not done.all_passed and not exchange.algo_book
    assert store.get_symbol_state("BTC-USDT-SWAP").pending_stops == ()
    assert store.flush_count == 2  # recorded before the placement, settled after the refusal
