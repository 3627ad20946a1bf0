"""OpenPosition's gate reads (issue 14 P2): asked together, the same checks failing first as
when they went one after another, every read finished before the use-case returns, one
instrument read, and set-leverage only when the exchange holds another leverage."""

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import InvalidIntent
from domain.logs import CandidateEvaluation, GateVerdict
from ports.errors import ExchangeUnavailable
from ports.exchange_types import Equities, Leverage, PriceReading, Ticker
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock, InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.test_open_position import SYMBOL, command

D = Decimal
TIER_A_LEVERAGE = wiring.DEFAULT.tiers.get(command().plan.tier).leverage


class OverlapProbe:
    """Counts how many exchange reads are in flight at once; each read yields to the loop a
    few times before it answers, so reads started together are seen together."""

    def __init__(self, slow: str = "") -> None:
        self.in_flight = 0
        self.most = 0
        self.started: list[str] = []
        self.slow = slow  # this read takes many more turns of the loop than the others

    async def around(self, name: str, call: Any) -> Any:
        self.started.append(name)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            for _ in range(50 if name == self.slow else 3):
                await asyncio.sleep(0)
            return await call
        finally:
            self.in_flight -= 1


def probed(exchange: FakeExchange, probe: OverlapProbe) -> None:
    market, account, orders = exchange.market, exchange.account, exchange.orders
    get_instrument, get_mark, get_ticker = (market.get_instrument, market.get_mark_price,
                                            market.get_ticker)
    get_equities, get_leverage = account.get_equities, account.get_leverage
    get_status = orders.get_order_status

    async def instrument(symbol: str) -> Any:
        return await probe.around("instrument", get_instrument(symbol))

    async def mark(symbol: str) -> PriceReading:
        return await probe.around("mark", get_mark(symbol))  # type: ignore[no-any-return]

    async def ticker(symbol: str) -> Ticker:
        return await probe.around("ticker", get_ticker(symbol))  # type: ignore[no-any-return]

    async def equities() -> Equities:
        return await probe.around("equity", get_equities())  # type: ignore[no-any-return]

    async def leverage(symbol: str) -> Leverage:
        return await probe.around("leverage",  # type: ignore[no-any-return]
                                  get_leverage(symbol))

    async def status(**kw: Any) -> Any:
        return await probe.around("lookup", get_status(**kw))

    market.get_instrument = instrument  # type: ignore[method-assign]
    market.get_mark_price = mark  # type: ignore[method-assign]
    market.get_ticker = ticker  # type: ignore[method-assign]
    account.get_equities = equities  # type: ignore[method-assign]
    account.get_leverage = leverage  # type: ignore[method-assign]
    orders.get_order_status = status  # type: ignore[method-assign]


def run_open(exchange: FakeExchange, store: InMemoryStateStore, **changes: object) -> Any:
    async def body() -> Any:
        try:
            return await wiring.open_position(exchange, store).execute(command(**changes))
        finally:
            # nothing the use-case started is left running when it returns or raises
            left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            assert left == []
    return asyncio.run(body())


@pytest.fixture
def exchange() -> FakeExchange:
    return FakeExchange(FakeClock())


def test_the_gate_reads_are_in_flight_together(exchange: FakeExchange) -> None:
    probe = OverlapProbe()
    probed(exchange, probe)
    assert run_open(exchange, InMemoryStateStore()).status == "opened"
    gate = probe.started[:6]
    assert sorted(gate) == ["equity", "instrument", "leverage", "lookup", "mark", "ticker"]
    # all six in flight at once: the equity read does not wait for the instrument
    assert probe.most == 6


def test_a_read_still_in_flight_when_a_check_fails_is_finished_before_open_returns(
        exchange: FakeExchange) -> None:
    probe = OverlapProbe(slow="leverage")
    probed(exchange, probe)
    with pytest.raises(InvalidIntent):
        run_open(exchange, InMemoryStateStore(), symbol="DOGE-USDT-SWAP")
    assert "leverage" in probe.started and probe.in_flight == 0


def test_a_listed_instrument_that_is_not_live_is_refused_naming_its_state(
        exchange: FakeExchange) -> None:
    with pytest.raises(InvalidIntent) as caught:
        run_open(exchange, InMemoryStateStore(), symbol="XRP-USDT-SWAP")
    assert str(caught.value) == "XRP-USDT-SWAP is suspend, not live"


def test_one_instrument_is_read_not_the_list(exchange: FakeExchange) -> None:
    run_open(exchange, InMemoryStateStore())
    assert "get_instrument" in exchange.calls and "get_instruments" not in exchange.calls


def test_an_unknown_instrument_fails_first_even_when_later_reads_fail_too(
        exchange: FakeExchange) -> None:
    store = InMemoryStateStore()
    exchange.script("get_mark_price", ExchangeUnavailable("mark down"))
    exchange.script("get_equities", ExchangeUnavailable("balance down"))
    with pytest.raises(InvalidIntent) as caught:
        run_open(exchange, store, symbol="DOGE-USDT-SWAP")
    assert str(caught.value) == "DOGE-USDT-SWAP is not a listed SWAP instrument"
    (line,) = store.events_of(CandidateEvaluation)
    failed = [g.name for g in line.gates if g.verdict is GateVerdict.FAIL]
    assert failed == ["instrument_live"] and not exchange.order_book


def test_a_failed_mark_read_is_reported_before_a_failed_lookup_and_nothing_is_sent(
        exchange: FakeExchange) -> None:
    store = InMemoryStateStore()
    exchange.script("get_mark_price", ExchangeUnavailable("mark down"))
    exchange.script("get_order_status", ExchangeUnavailable("lookup down"))
    with pytest.raises(ExchangeUnavailable, match="mark down"):
        run_open(exchange, store)
    (line,) = store.events_of(CandidateEvaluation)
    assert [g.name for g in line.gates if g.verdict is GateVerdict.FAIL] == \
        ["exchange_reachable"]
    assert [g.name for g in line.gates if g.verdict is GateVerdict.PASS] == \
        ["request_valid", "instrument_live", "plan_valid"]
    # every read that was started finished (and was recorded) before the use-case raised
    assert {"get_instrument", "get_ticker", "get_order_status", "get_leverage",
            "get_equities"} <= set(exchange.calls)
    assert not exchange.order_book and "set_leverage" not in exchange.calls


def test_leverage_already_at_the_tier_is_not_set_again(exchange: FakeExchange) -> None:
    exchange.leverage[SYMBOL] = D(TIER_A_LEVERAGE)
    assert run_open(exchange, InMemoryStateStore()).status == "opened"
    assert "get_leverage" in exchange.calls and "set_leverage" not in exchange.calls


def test_another_leverage_is_set_to_the_tier_before_the_entry(exchange: FakeExchange) -> None:
    exchange.leverage[SYMBOL] = D(TIER_A_LEVERAGE + 7)
    assert run_open(exchange, InMemoryStateStore()).status == "opened"
    assert exchange.leverage[SYMBOL] == D(TIER_A_LEVERAGE)
    assert exchange.calls.index("set_leverage") < exchange.calls.index("submit_order")


def test_an_unreadable_leverage_is_set_anyway(exchange: FakeExchange) -> None:
    exchange.leverage[SYMBOL] = D(TIER_A_LEVERAGE)
    exchange.script("get_leverage", ExchangeUnavailable("leverage-info down"))
    assert run_open(exchange, InMemoryStateStore()).status == "opened"
    assert exchange.calls.index("set_leverage") < exchange.calls.index("submit_order")


def test_a_rejected_candidate_sets_no_leverage(exchange: FakeExchange) -> None:
    store = InMemoryStateStore()
    assert run_open(exchange, store).status == "opened"
    calls = len(exchange.calls)
    exchange.leverage[SYMBOL] = D(TIER_A_LEVERAGE + 1)
    done = run_open(exchange, store, intent_id="op2")  # the symbol is busy
    assert done.status == "rejected_by_gate"
    assert "set_leverage" not in exchange.calls[calls:]


def known_entry(exchange: FakeExchange) -> None:
    """The exchange already holds the intent's entry id (a store that forgot it is new)."""
    assert run_open(exchange, InMemoryStateStore()).status == "opened"


# Each gate read's exchange value on its own refuses the open; the command's plan stays the
# same (stop 29,400, TP1 30,300, 0.10 contracts of 0.01 BTC: 0.6 USDT at risk, 1 % of equity).
REFUSALS: list[tuple[str, Any, str]] = [
    ("instrument", lambda ex: setattr(ex, "instruments", (spec(SYMBOL, "suspend"),)),
     "BTC-USDT-SWAP is suspend, not live"),
    ("mark", lambda ex: ex.prices.__setitem__(SYMBOL, D("29350")), "mark 29350"),
    ("ticker", lambda ex: ex.ticker_spread.__setitem__(SYMBOL, (D("29990"), D("30310"))),
     "ask 30310"),
    ("lookup", known_entry, "the exchange holds pxENop1"),
    ("equity", lambda ex: ex.equity.__setitem__("USDT", D("59.99")),
     "stop-loss risk 0.60000 exceeds the tier budget 0.5999"),
    ("equity", lambda ex: ex.equity.pop("USDT"),
     "stop-loss risk 0.60000 exceeds the tier budget 0.00"),
]


@pytest.mark.parametrize(("read", "change", "why"), REFUSALS)
def test_each_gate_read_refuses_on_the_exchanges_value_with_all_read_together(
        exchange: FakeExchange, read: str, change: Any, why: str) -> None:
    change(exchange)
    orders_before = dict(exchange.order_book)
    writes_before = [c for c in exchange.calls if c in ("submit_order", "set_leverage")]
    probe = OverlapProbe()
    probed(exchange, probe)
    store = InMemoryStateStore()
    try:
        done = run_open(exchange, store)
    except InvalidIntent as refused:
        reason = str(refused)
    else:
        assert done.status == "rejected_by_gate"
        reason = done.reason
    assert why in reason
    assert read in probe.started and probe.most == 6
    (line,) = store.events_of(CandidateEvaluation)
    assert line.action.value == "REJECT"
    assert exchange.order_book == orders_before
    assert [c for c in exchange.calls if c in ("submit_order", "set_leverage")] == \
        writes_before


def test_the_equity_is_the_instruments_settlement_currency_as_the_exchange_lists_it() -> None:
    usdc = "BTC-USDC-SWAP"
    exchange = FakeExchange(FakeClock(), instruments=(spec(SYMBOL), spec(usdc)))
    exchange.equity.update(USDT=D("59.99"), USDC=D("60"))  # 1 % of 60 covers 0.6 at risk
    assert run_open(exchange, InMemoryStateStore(), symbol=usdc).status == "opened"
    done = run_open(exchange, InMemoryStateStore(), intent_id="op2")
    assert done.status == "rejected_by_gate" and "risk" in done.reason
