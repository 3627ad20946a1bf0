"""Each performer on its own, against the fake exchange: the order it sends, the event its
answer proves, and the note (text and whether it needs attention) it leaves. The notes are
what `--json` and the risk events show an operator."""

import asyncio
from collections.abc import Coroutine
from decimal import Decimal
from typing import Any, TypeVar

from application.client_ids import allocate_ids
from application.notes import Note
from application.pending_stops import PendingStops
from application.performers import Performer
from domain.actions import (
    CancelProtection,
    CancelTakeProfits,
    CloseRunner,
    DeRisk,
    EmergencyFlatten,
    ExitMethod,
    MarginDeRisk,
    PlaceProtection,
    PlaceTakeProfit,
    ReplaceProtection,
    TakeProfit,
)
from domain.algo import AlgoState
from domain.events import (
    EmergencyFlat,
    MarginReduced,
    PositionReduced,
    RunnerClosed,
    StopConfirmed,
    StopMoved,
    StopNotVisible,
)
from domain.ids import Role, client_id
from domain.orders import OrderState, PositionSide, Side
from domain.outcome import Rejected, Unknown
from domain.params import Params
from domain.state import BookAtPlacement, PositionState, SymbolState
from ports.errors import ExchangeError
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock, InMemoryStateStore
from tests.unit.application import wiring

D = Decimal
SYMBOL = "BTC-USDT-SWAP"
INTENT = "pf1"
T = TypeVar("T")


class Steps:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def step(self, text: str) -> None:
        self.texts.append(text)


def make(ex: FakeExchange | None = None) -> tuple[FakeExchange, Performer, Steps]:
    """A performer whose ids are the store's: one fresh attempt per id asked for."""
    ex = ex or FakeExchange(FakeClock())
    used: dict[Role, int] = {}

    def allocate(role: Role, count: int) -> tuple[str, ...]:
        first = used.get(role, 0)
        used[role] = first + count
        return tuple(client_id(INTENT, role, first + n) for n in range(count))
    steps = Steps()
    return ex, Performer(wiring.venue(ex), ex.clock, Params(), spec(), allocate, steps), steps


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def long_held(ex: FakeExchange, qty: str = "0.10") -> None:
    ex.positions[SYMBOL] = (PositionSide.LONG, D(qty), D("30000"))


def only(ex: FakeExchange, prefix: str) -> list[Any]:
    return [o for o in ex.order_book.values() if o.client_order_id.startswith(prefix)]


# -- de-risk (the SHOCK playbook's cut) ------------------------------------------------------
def test_a_de_risk_sells_reduce_only_at_market_and_reports_what_filled() -> None:
    ex, perf, _ = make()
    long_held(ex)
    ex.prices[SYMBOL] = D("30100")
    event = run(perf.de_risk(DeRisk(SYMBOL, INTENT, Side.SELL, D("0.03"), "shock")))
    (order,) = only(ex, "pxDR")
    assert (order.client_order_id, order.side, order.size, order.ord_type, order.reduce_only) \
        == ("pxDRpf100", Side.SELL, D("0.03"), "market", True)
    assert event == PositionReduced(D("0.03"), D("30100"), (order.order_id,), ("pxDRpf100",))
    assert ex.position_qty(SYMBOL) == (PositionSide.LONG, D("0.07"))
    assert perf.notes == [] and perf.placed == [(order.order_id, "pxDRpf100")]


def test_a_second_de_risk_takes_the_next_attempt_of_the_id() -> None:
    ex, perf, _ = make()
    long_held(ex)
    run(perf.de_risk(DeRisk(SYMBOL, INTENT, Side.SELL, D("0.03"), "shock")))
    run(perf.de_risk(DeRisk(SYMBOL, INTENT, Side.SELL, D("0.02"), "shock")))
    assert [o.client_order_id for o in only(ex, "pxDR")] == ["pxDRpf100", "pxDRpf101"]


def test_a_de_risk_the_book_fills_in_part_reports_only_the_part() -> None:
    ex, perf, _ = make()
    long_held(ex)
    ex.market_fill_ratio = D("0.5")
    event = run(perf.de_risk(DeRisk(SYMBOL, INTENT, Side.SELL, D("0.04"), "shock")))
    (order,) = only(ex, "pxDR")
    assert isinstance(event, PositionReduced) and event.qty == D("0.02")
    assert order.state is OrderState.CANCELED  # the rest was cancelled, not left resting


def test_a_de_risk_that_fills_nothing_proves_nothing_and_says_so() -> None:
    ex, perf, _ = make()
    long_held(ex)
    ex.market_fill_ratio = D("0")
    assert run(perf.de_risk(DeRisk(SYMBOL, INTENT, Side.SELL, D("0.03"), "shock"))) is None
    assert perf.notes[-1] == Note("de-risk of 0.03 observed no fill", True)


def test_a_refused_de_risk_notes_the_refusal_and_no_fill() -> None:
    ex, perf, steps = make()
    long_held(ex)
    ex.script("submit_order", Rejected("51008", "insufficient margin"))
    assert run(perf.de_risk(DeRisk(SYMBOL, INTENT, Side.SELL, D("0.03"), "shock"))) is None
    assert perf.notes[-1] == Note("de-risk of 0.03 observed no fill", True)
    assert "51008" in perf.notes[0].text and perf.notes[0].needs_attention is False
    assert steps.texts == [n.text for n in perf.notes]
    assert perf.placed == []


def test_a_margin_cut_reports_its_fill_with_the_reason() -> None:
    ex, perf, _ = make()
    long_held(ex)
    event = run(perf.margin_de_risk(MarginDeRisk(SYMBOL, INTENT, Side.SELL, D("0.05"),
                                                 "margin 91% over 85%")))
    (order,) = only(ex, "pxDR")
    assert (order.side, order.size, order.reduce_only) == (Side.SELL, D("0.05"), True)
    assert event == MarginReduced(D("0.05"), D("30000"), (order.order_id,), ("pxDRpf100",))
    assert perf.notes == [Note("margin de-risk pxDRpf100: 0.05 filled at 30000 "
                               "(margin 91% over 85%)")]


def test_a_margin_cut_that_fills_nothing_needs_attention() -> None:
    ex, perf, _ = make()
    long_held(ex)
    ex.market_fill_ratio = D("0")
    assert run(perf.margin_de_risk(MarginDeRisk(SYMBOL, INTENT, Side.SELL, D("0.05"),
                                                "margin"))) is None
    assert perf.notes[-1] == Note("margin de-risk of 0.05 observed no fill", True)


# -- stops: place, replace, cancel, strays ---------------------------------------------------
def test_a_confirmed_stop_is_reported_with_its_ids_and_a_quiet_note() -> None:
    ex, perf, _ = make()
    event = run(perf.place_protection(PlaceProtection(SYMBOL, INTENT, Side.SELL, D("0.1"),
                                                      D("29400"))))
    (algo,) = ex.open_algos(SYMBOL)
    assert event == StopConfirmed(D("29400"), algo.algo_id, "pxSLpf100")
    (note,) = perf.notes
    assert note.text.startswith("stop pxSLpf100 at 29400 for 0.1: visible via")
    assert not note.needs_attention
    assert perf.placed == [(algo.algo_id, "pxSLpf100")] and perf.strays == []


def test_a_stop_not_seen_in_time_is_a_stray_and_its_note_is_the_reason() -> None:
    ex, perf, _ = make()
    ex.algo_visibility_delay_s = 5.0
    event = run(perf.place_protection(PlaceProtection(SYMBOL, INTENT, Side.SELL, D("0.1"),
                                                      D("29400"))))
    (algo,) = ex.algo_book.values()
    (note,) = perf.notes
    assert note == Note("stop pxSLpf100 at 29400 for 0.1: stop not visible within 1000 ms",
                        True)
    assert event == StopNotVisible("pxSLpf100", note.text)
    assert perf.strays == [("pxSLpf100", algo.algo_id)]


def test_a_replaced_stop_cancels_the_old_one_named_by_either_id() -> None:
    for old_id, old_cid in (("", "pxSLold00"), ("A-old", "")):
        ex, perf, _ = make()
        ex.algo_book["A-old"] = next(iter(_placed_stop(ex, "pxSLold00").values()))
        event = run(perf.replace_protection(ReplaceProtection(
            SYMBOL, INTENT, Side.SELL, D("0.1"), D("30000"), old_id, old_cid, "tp1")))
        new = next(a for a in ex.open_algos(SYMBOL) if a.client_algo_id == "pxSLpf100")
        assert event == StopMoved(D("30000"), new.algo_id, "pxSLpf100")
        assert [a.client_algo_id for a in ex.open_algos(SYMBOL)] == ["pxSLpf100"]
        assert perf.notes[-1] == Note(f"cancel stop {old_cid or old_id}: accepted "
                                      "(replaced by pxSLpf100)")


def _placed_stop(ex: FakeExchange, cid: str) -> dict[str, Any]:
    """A live stop of an earlier attempt, under the algo id A-old."""
    _, perf, _ = make(ex)
    run(perf.place_protection(PlaceProtection(SYMBOL, "old", Side.SELL, D("0.1"),
                                              D("29400"))))
    placed = ex.algo_book.pop(next(iter(ex.algo_book)))
    from attrs import evolve
    ex.algo_visible_at["A-old"] = 0.0
    return {"A-old": evolve(placed, algo_id="A-old", client_algo_id=cid)}


def test_a_replacement_not_seen_in_time_keeps_the_old_stop() -> None:
    ex, perf, _ = make()
    ex.algo_book.update(_placed_stop(ex, "pxSLold00"))
    ex.algo_visibility_delay_s = 5.0
    event = run(perf.replace_protection(ReplaceProtection(
        SYMBOL, INTENT, Side.SELL, D("0.1"), D("30000"), "A-old", "pxSLold00", "tp1")))
    assert event == StopNotVisible("pxSLpf100", perf.notes[-1].text)
    assert perf.notes[-1].text == "stop pxSLpf100 at 30000 for 0.1: stop not visible " \
        "within 1000 ms"
    assert ex.algo_book["A-old"].state is AlgoState.LIVE


def test_a_cancel_by_client_id_alone_reaches_the_stop_and_a_refusal_needs_attention() -> None:
    ex, perf, _ = make()
    ex.algo_book.update(_placed_stop(ex, "pxSLold00"))
    run(perf.cancel_protection(CancelProtection(SYMBOL, INTENT, "", "pxSLold00", "why")))
    assert ex.algo_book["A-old"].state is AlgoState.CANCELED
    assert perf.notes == [Note("cancel stop pxSLold00: accepted (why)")]
    ex.script("cancel_algo", Rejected("51000", "busy"))
    run(perf.cancel_protection(CancelProtection(SYMBOL, INTENT, "A-old", "", "again")))
    assert perf.notes[-1] == Note("cancel stop A-old: rejected (again)", True)


def test_a_cancel_that_finds_the_stop_fired_or_gone_says_so_not_accepted() -> None:
    """Found by the watch through TP1 with the price falling while the old stop's cancel was on
    its way: the exchange refused (51412, triggered) and the note said 'accepted'."""
    from attrs import evolve
    ex, perf, _ = make()
    ex.algo_book.update(_placed_stop(ex, "pxSLold00"))
    ex.algo_book["A-old"] = evolve(ex.algo_book["A-old"], state=AlgoState.EFFECTIVE)
    run(perf.cancel_protection(CancelProtection(SYMBOL, INTENT, "A-old", "pxSLold00", "moved")))
    assert perf.notes == [Note("cancel stop pxSLold00: already effective (moved)")]
    assert ex.algo_book["A-old"].state is AlgoState.EFFECTIVE
    run(perf.cancel_protection(CancelProtection(SYMBOL, INTENT, "A-none", "", "gone")))
    assert perf.notes[-1] == Note("cancel stop A-none: not found (gone)")


def test_a_cancel_with_no_id_at_all_sends_nothing() -> None:
    ex, perf, _ = make()
    run(perf.cancel_protection(CancelProtection(SYMBOL, INTENT, "", "", "none")))
    assert "cancel_algo" not in ex.calls and perf.notes == []


def test_strays_are_each_cancelled_once_they_show_and_one_never_seen_is_reported() -> None:
    ex, perf, steps = make()
    ex.algo_book.update(_placed_stop(ex, "pxSLold00"))
    perf.strays = [("pxSLgone00", ""), ("pxSLold00", "")]
    started = ex.clock.monotonic()
    run(perf.cancel_strays(SYMBOL))
    assert perf.strays == []
    assert ex.algo_book["A-old"].state is AlgoState.CANCELED
    assert perf.notes == [
        Note("cancel unconfirmed stop pxSLold00: canceled"),
        Note("cancel unconfirmed stop pxSLgone00: not found; not seen within 5 s, it may "
             "still appear (the next recovery cancels it)", True)]
    # the one never seen was watched for stray_stop_wait_ms, no longer
    waited = ex.clock.monotonic() - started
    assert round(waited, 6) == Params().protection.stray_stop_wait_ms / 1000
    assert steps.texts == [n.text for n in perf.notes]


# -- take profits -----------------------------------------------------------------------------
def test_a_take_profit_rests_as_a_reduce_only_limit_and_its_note_says_so() -> None:
    ex, perf, _ = make()
    long_held(ex)
    run(perf.place_take_profit(PlaceTakeProfit(SYMBOL, INTENT, TakeProfit.TP1, Side.SELL,
                                               D("0.04"), D("30300"))))
    (order,) = only(ex, "pxT1")
    assert (order.state, order.side, order.size, order.price, order.reduce_only) == (
        OrderState.LIVE, Side.SELL, D("0.04"), D("30300"), True)
    # placed and looked up once: a resting take-profit is not waited on
    assert ex.calls.count("get_order_status") == 1
    assert perf.notes == [Note("TP1 pxT1pf100 0.04@30300: live")]
    assert perf.placed == [(order.order_id, "pxT1pf100")]


def test_the_book_is_read_before_each_limit_order_for_the_spread_roll() -> None:
    ex, perf, _ = make()
    long_held(ex)
    ex.ticker_spread[SYMBOL] = (D("29995"), D("30005"))
    run(perf.place_take_profit(PlaceTakeProfit(SYMBOL, INTENT, TakeProfit.TP1, Side.SELL,
                                               D("0.04"), D("30300"))))
    run(perf.close_runner(CloseRunner(SYMBOL, INTENT, Side.SELL, D("0.02"),
                                      ExitMethod.LIMIT_THEN_MARKET, "bars")))
    assert perf.books == [BookAtPlacement("pxT1pf100", D("29995"), D("30005")),
                          BookAtPlacement("pxRLpf100", D("29995"), D("30005")),
                          # the market fallback is judged against the bid it sells into
                          BookAtPlacement("pxRMpf100", D("29995"), D("30005"), D("29995"))]
    # an unreadable book leaves the order out of the roll, never unplaced
    ex.script("get_ticker", ExchangeError("ticker down"))
    run(perf.place_take_profit(PlaceTakeProfit(SYMBOL, INTENT, TakeProfit.TP2, Side.SELL,
                                               D("0.03"), D("30600"))))
    assert len(perf.books) == 3 and only(ex, "pxT2")


def test_a_refused_take_profit_is_noted_without_a_status() -> None:
    ex, perf, _ = make()
    ex.script("submit_order", Rejected("51008", "insufficient"))
    run(perf.place_take_profit(PlaceTakeProfit(SYMBOL, INTENT, TakeProfit.TP2, Side.SELL,
                                               D("0.03"), D("30600"))))
    assert not only(ex, "pxT2") and perf.placed == []
    first, last = perf.notes
    assert "51008" in first.text and first.needs_attention is False
    assert last.text.startswith("TP2 pxT2pf100 0.03@30600: rejected")


def test_a_take_profit_whose_answer_is_lost_for_good_needs_attention() -> None:
    ex, perf, _ = make()
    ex.script("submit_order", Unknown("timeout"))
    ex.script("get_order_status", *[ExchangeError("unreachable")] * 100)
    run(perf.place_take_profit(PlaceTakeProfit(SYMBOL, INTENT, TakeProfit.TP1, Side.SELL,
                                               D("0.04"), D("30300"))))
    assert perf.notes[0].needs_attention is True
    assert perf.placed == [("", "pxT1pf100")]  # it may exist: remembered as placed


def test_only_the_intents_own_take_profits_are_cancelled() -> None:
    ex, perf, _ = make()
    long_held(ex)
    for which, role in ((TakeProfit.TP1, "pxT1"), (TakeProfit.TP2, "pxT2")):
        run(perf.place_take_profit(PlaceTakeProfit(SYMBOL, INTENT, which, Side.SELL,
                                                   D("0.03"), D("30300"))))
        assert only(ex, role)
    _, other, _ = make(ex)
    other_tp = client_id("other", Role.TP1, 0)
    from domain.orders import OrderIntent, OrdType
    run(wiring.order_path(ex).send(OrderIntent.closing(
        spec(), PositionSide.LONG, OrdType.LIMIT, D("0.01"), D("30400"), other_tp)))
    perf.notes.clear()
    run(perf.cancel_take_profits(CancelTakeProfits(SYMBOL, INTENT, "flat")))
    states = {o.client_order_id: o.state for o in ex.order_book.values()}
    assert states == {"pxT1pf100": OrderState.CANCELED, "pxT2pf100": OrderState.CANCELED,
                      other_tp: OrderState.LIVE}
    assert perf.notes == [Note("cancel pxT1pf100: accepted"), Note("cancel pxT2pf100: accepted")]
    ex.script("cancel_order", Rejected("51000", "busy"))
    run(other.cancel_take_profits(CancelTakeProfits(SYMBOL, "other", "flat")))
    assert other.notes[-1].needs_attention


# -- the runner's exit --------------------------------------------------------------------------
def test_a_runner_exit_at_market_closes_it_all() -> None:
    ex, perf, _ = make()
    long_held(ex, "0.03")
    event = run(perf.close_runner(CloseRunner(SYMBOL, INTENT, Side.SELL, D("0.03"),
                                              ExitMethod.MARKET, "bars")))
    (order,) = only(ex, "pxRM")
    assert event == RunnerClosed(D("0.03"), D("30000"), (order.order_id,), ("pxRMpf100",))
    assert not only(ex, "pxRL") and not ex.positions


def test_a_runner_limit_exit_prices_at_the_touch_and_market_sells_what_it_left() -> None:
    for side, touch in ((Side.SELL, D("29990")), (Side.BUY, D("30010"))):
        ex, perf, _ = make()
        ex.ticker_spread[SYMBOL] = (D("29990"), D("30010"))
        ex.positions[SYMBOL] = (PositionSide.LONG if side is Side.SELL else PositionSide.SHORT,
                                D("0.03"), D("30000"))
        event = run(perf.close_runner(CloseRunner(SYMBOL, INTENT, side, D("0.03"),
                                                  ExitMethod.LIMIT_THEN_MARKET, "bars")))
        (limit,) = only(ex, "pxRL")
        (market,) = only(ex, "pxRM")
        assert (limit.price, limit.side, limit.state) == (touch, side, OrderState.CANCELED)
        # it rested RUNNER_LIMIT_WAIT_S (3 s) of status reads, then was cancelled
        assert ex.calls.count("get_order_status") >= 3.0 / 0.05
        assert market.size == D("0.03")
        assert event == RunnerClosed(D("0.03"), D("30000"), (market.order_id,),
                                     ("pxRMpf100",))
        assert perf.notes == [Note("runner limit pxRLpf100: canceled")]


def test_a_runner_limit_that_fills_leaves_nothing_for_the_market() -> None:
    ex, perf, _ = make()
    long_held(ex, "0.03")
    read = ex.orders.get_order_status

    async def fills(*, symbol: str, order_id: str | None, client_order_id: str | None) -> Any:
        for order in list(ex.order_book.values()):
            if order.client_order_id.startswith("pxRL") and order.acc_fill_sz == 0:
                ex.fill_order(order.order_id, price=D("30005"))
        return await read(symbol=symbol, order_id=order_id, client_order_id=client_order_id)
    ex.orders.get_order_status = fills  # type: ignore[method-assign]
    event = run(perf.close_runner(CloseRunner(SYMBOL, INTENT, Side.SELL, D("0.03"),
                                              ExitMethod.LIMIT_THEN_MARKET, "bars")))
    (limit,) = only(ex, "pxRL")
    assert not only(ex, "pxRM")
    assert event == RunnerClosed(D("0.03"), D("30005"), (limit.order_id,), ("pxRLpf100",))


def test_a_runner_limit_refused_goes_to_market_and_a_runner_nothing_closes_is_said() -> None:
    ex, perf, _ = make()
    long_held(ex, "0.03")
    ex.script("submit_order", Rejected("51000", "busy"), Rejected("51000", "busy"))
    assert run(perf.close_runner(CloseRunner(SYMBOL, INTENT, Side.SELL, D("0.03"),
                                             ExitMethod.LIMIT_THEN_MARKET, "bars"))) is None
    assert perf.notes[-1] == Note("runner close of 0.03 observed no fill", True)
    ex2, perf2, _ = make()
    long_held(ex2, "0.03")
    ex2.script("submit_order", Rejected("51000", "busy"))
    event = run(perf2.close_runner(CloseRunner(SYMBOL, INTENT, Side.SELL, D("0.03"),
                                               ExitMethod.LIMIT_THEN_MARKET, "bars")))
    assert isinstance(event, RunnerClosed) and event.client_ids == ("pxRMpf100",)


# -- the emergency flatten ------------------------------------------------------------------------
def test_a_flatten_reports_every_attempt_and_cancels_the_strays_after_it() -> None:
    ex, perf, _ = make()
    long_held(ex)
    perf.placed.append(("A-earlier", "pxSLpf100"))
    ex.algo_book.update(_placed_stop(ex, "pxSLold00"))
    perf.strays = [("pxSLold00", "")]
    ex.script("submit_order", Rejected("51000", "busy"))
    event = run(perf.flatten(EmergencyFlatten(SYMBOL, INTENT, PositionSide.LONG, D("0.10"),
                                              "stop not visible")))
    (order,) = only(ex, "pxFL")
    assert event == EmergencyFlat(D("0.10"), D("30000"), "stop not visible",
                                  (order.order_id,), ("pxFLpf100", "pxFLpf101"))
    assert perf.placed == [("A-earlier", "pxSLpf100"), (order.order_id, "pxFLpf100")]
    flat_note = next(n for n in perf.notes if n.text.startswith("emergency flatten"))
    assert flat_note == Note("emergency flatten (stop not visible): flat=True; flatten "
                             "pxFLpf100 rejected 51000: busy")
    assert perf.notes[-1] == Note("cancel unconfirmed stop pxSLold00: canceled")
    assert ex.algo_book["A-old"].state is AlgoState.CANCELED


def test_a_flatten_that_cannot_close_is_no_event_and_needs_attention() -> None:
    ex, perf, _ = make()
    long_held(ex)
    ex.script("submit_order", *[Rejected("51000", "busy")] * 3)
    assert run(perf.flatten(EmergencyFlatten(SYMBOL, INTENT, PositionSide.LONG, D("0.10"),
                                             "why"))) is None
    assert perf.notes[-1].needs_attention
    assert perf.notes[-1].text.startswith("emergency flatten (why): flat=False; ")


def test_a_runner_whose_market_order_fills_nothing_is_not_closed() -> None:
    ex, perf, _ = make()
    long_held(ex, "0.03")
    ex.market_fill_ratio = D("0")
    ex.script("submit_order", Rejected("51000", "busy"))  # the limit exit
    assert run(perf.close_runner(CloseRunner(SYMBOL, INTENT, Side.SELL, D("0.03"),
                                             ExitMethod.LIMIT_THEN_MARKET, "bars"))) is None
    assert perf.notes[-1] == Note("runner close of 0.03 observed no fill", True)
    # the next try takes the next attempt of each id
    ex.market_fill_ratio = None
    run(perf.close_runner(CloseRunner(SYMBOL, INTENT, Side.SELL, D("0.03"),
                                      ExitMethod.LIMIT_THEN_MARKET, "bars")))
    assert [o.client_order_id for o in only(ex, "pxRL")] == ["pxRLpf101"]
    assert [o.client_order_id for o in only(ex, "pxRM")] == ["pxRMpf100", "pxRMpf101"]


def make_stored() -> tuple[FakeExchange, Performer, InMemoryStateStore]:
    """A performer whose stop ids are recorded as pending in a store, as the driver's are."""
    ex = FakeExchange(FakeClock())
    store = InMemoryStateStore({SYMBOL: SymbolState(
        SYMBOL, position_state=PositionState(intent_id=INTENT))})

    def allocate(role: Role, count: int) -> tuple[str, ...]:
        since = ex.clock.now_ms() // 1000 if role is Role.STOP else None
        return allocate_ids(store, SYMBOL, role, count, pending_since=since)
    perf = Performer(wiring.venue(ex), ex.clock, Params(), spec(), allocate, Steps(),
                     PendingStops(store, SYMBOL))
    return ex, perf, store


def pending(states: dict[str, SymbolState]) -> list[tuple[str, str]]:
    return [(p.client_algo_id, p.algo_id) for p in states[SYMBOL].pending_stops]


def test_a_stop_is_pending_in_the_store_until_the_exchange_shows_it() -> None:
    _, perf, store = make_stored()
    run(perf.place_protection(PlaceProtection(SYMBOL, INTENT, Side.SELL, D("0.1"),
                                              D("29400"))))
    assert pending(store.states) == []
    # durable once the confirmed stop's event is written (the driver flushes it)
    assert pending(store.flushed) == [("pxSLpf100", "")]


def test_a_stop_not_seen_in_time_stays_pending_with_its_algo_id_until_seen_cancelled() -> None:
    ex, perf, store = make_stored()
    ex.algo_visibility_delay_s = 3.0
    run(perf.place_protection(PlaceProtection(SYMBOL, INTENT, Side.SELL, D("0.1"),
                                              D("29400"))))
    (algo,) = ex.algo_book.values()
    assert pending(store.flushed) == [("pxSLpf100", algo.algo_id)]
    run(perf.cancel_strays(SYMBOL))
    assert ex.algo_book[algo.algo_id].state is AlgoState.CANCELED
    assert pending(store.flushed) == []


def test_a_stray_whose_cancel_is_not_seen_stays_pending() -> None:
    ex, perf, store = make_stored()
    ex.algo_visibility_delay_s = 60.0
    ex.script("submit_algo_stop", "drop")  # no algo id: the cancel needs the stop to show
    run(perf.place_protection(PlaceProtection(SYMBOL, INTENT, Side.SELL, D("0.1"),
                                              D("29400"))))
    run(perf.cancel_strays(SYMBOL))
    assert perf.notes[-1].needs_attention
    assert pending(store.flushed) == [("pxSLpf100", "")]


def test_a_refused_stop_is_not_pending() -> None:
    ex, perf, store = make_stored()
    ex.script("submit_algo_stop", Rejected("51000", "bad"))
    run(perf.place_protection(PlaceProtection(SYMBOL, INTENT, Side.SELL, D("0.1"),
                                              D("29400"))))
    assert pending(store.flushed) == [] and not ex.algo_book
