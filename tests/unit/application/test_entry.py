"""The entry order on fakes: each way it can end, its reason as the operator reads it, and how
long a limit entry is given before what is left is cancelled."""

import asyncio
from decimal import Decimal

import attrs

from application.entry import EntryOutcome, EntryStatus, place_entry
from application.order_path import OrderPath, Timings
from domain.orders import OrderIntent, OrderState, OrderStatus, OrdType, Side
from domain.outcome import Rejected, Unknown
from ports.errors import ExchangeUnavailable
from ports.exchange_types import OrderLookup
from tests.fake_venue import FakeExchange, spec
from tests.fakes import FakeClock

D = Decimal
CID = "pxENent100"


def entry(exchange: FakeExchange, ord_type: OrdType = OrdType.MARKET,
          price: str | None = None, timeout_s: float = 1.0) -> EntryOutcome:
    intent = OrderIntent(spec(), Side.BUY, ord_type, D("0.10"),
                         D(price) if price else None, False, CID)
    path = OrderPath(exchange.orders, exchange.market, exchange.clock, Timings())
    return asyncio.run(place_entry(path, intent=intent, timeout_s=timeout_s))


def test_a_market_entry_is_filled_as_the_exchange_shows_it() -> None:
    exchange = FakeExchange(FakeClock())
    out = entry(exchange)
    assert out.status is EntryStatus.FILLED and out.fill is not None
    assert (out.fill.size, out.fill.avg_price) == (D("0.10"), D("30000"))
    assert out.reason == "filled 0.10 at 30000"
    assert out.order_status is not None and out.order_status.state is OrderState.FILLED


def test_a_rejected_entry_names_the_code() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_order", Rejected("51008", "Insufficient margin", 200))
    out = entry(exchange)
    assert out == EntryOutcome(EntryStatus.REJECTED, "51008: Insufficient margin", None, None)


def test_a_lost_answer_is_not_filled_when_the_exchange_never_took_it() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_order", Unknown("timeout"))
    out = entry(exchange)
    assert out == EntryOutcome(EntryStatus.NOT_FILLED,
                               f"{CID} answer lost (timeout); lookup by client id: absent",
                               None, None)


def test_a_lost_answer_the_lookups_cannot_resolve_stays_unknown() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.script("submit_order", Unknown("timeout"))
    exchange.script("get_order_status", *[ExchangeUnavailable("down")] * 200)
    out = entry(exchange)
    assert out == EntryOutcome(EntryStatus.UNKNOWN,
                               f"{CID} answer lost (timeout); lookup by client id: unresolved",
                               None, None)


def test_a_resting_limit_entry_gets_its_timeout_then_is_cancelled() -> None:
    exchange = FakeExchange(FakeClock())
    start = exchange.clock.monotonic()
    out = entry(exchange, OrdType.LIMIT, "29000.0", timeout_s=0.5)
    assert out.status is EntryStatus.NOT_FILLED and out.fill is None
    assert out.reason == "entry canceled with no fill"
    assert out.order_status is not None and out.order_status.state is OrderState.CANCELED
    # 0.5 s at one read per 0.05 s: ten reads before the cancel, one after it
    assert exchange.calls.count("get_order_status") == 11
    assert exchange.calls.count("cancel_order") == 1
    assert round(exchange.clock.monotonic() - start, 3) == 0.45


def test_a_limit_entry_with_a_timeout_under_one_poll_is_read_once() -> None:
    exchange = FakeExchange(FakeClock())
    out = entry(exchange, OrdType.LIMIT, "29000.0", timeout_s=0.01)
    assert out.status is EntryStatus.NOT_FILLED
    assert exchange.calls.count("get_order_status") == 2  # one read, then one after the cancel


def test_an_entry_whose_status_cannot_be_read_is_unknown() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.script("get_order_status", *[ExchangeUnavailable("down")] * 200)
    out = entry(exchange, OrdType.LIMIT, "29000.0", timeout_s=0.1)
    assert out == EntryOutcome(EntryStatus.UNKNOWN, "no order status could be read", None, None)


def test_an_entry_still_live_after_a_refused_cancel_is_unknown_with_its_fill() -> None:
    exchange = FakeExchange(FakeClock())
    read = exchange.orders.get_order_status

    async def fills_part_first(*, symbol: str, order_id: str | None,
                               client_order_id: str | None) -> OrderLookup:
        for order in list(exchange.order_book.values()):
            if order.acc_fill_sz == 0:
                exchange.fill_order(order.order_id, qty=D("0.04"))
        return await read(symbol=symbol, order_id=order_id, client_order_id=client_order_id)

    exchange.orders.get_order_status = fills_part_first  # type: ignore[method-assign]
    exchange.script("cancel_order", Rejected("51400", "cancel failed", 200))
    out = entry(exchange, OrdType.LIMIT, "29000.0", timeout_s=0.1)
    assert out.status is EntryStatus.UNKNOWN
    assert out.order_status is not None and out.order_status.state is OrderState.PARTIALLY_FILLED
    assert out.reason == "entry still partially_filled after cancel"
    assert out.fill is not None and out.fill.size == D("0.04")


# --- a placement answered with the order after matching (Binance newOrderRespType=RESULT)

def test_a_market_entry_answered_filled_takes_its_fill_from_the_answer() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.placement_answer = lambda order: order
    out = entry(exchange)
    assert out.status is EntryStatus.FILLED and out.fill is not None
    assert (out.fill.size, out.fill.avg_price) == (D("0.10"), D("30000"))
    assert "get_order_status" not in exchange.calls  # the answer was the observation
    # the fill's evidence is the placement's answer, recorded as every call is
    [placement] = [r for r in exchange.sink.records if r.endpoint == "POST trade/order"]
    assert out.fill.evidence is not None and out.order_status is not None
    assert out.fill.evidence == out.order_status.evidence
    assert out.fill.evidence.seq == exchange.sink.records.index(placement)


def test_an_answer_still_new_or_partly_filled_is_read_on() -> None:
    for shown, acc in ((OrderState.LIVE, D(0)), (OrderState.PARTIALLY_FILLED, D("0.04"))):
        exchange = FakeExchange(FakeClock())
        exchange.placement_answer = lambda order, s=shown, a=acc: attrs.evolve(
            order, state=s, acc_fill_sz=a)
        out = entry(exchange)
        assert exchange.calls.count("get_order_status") == 1
        assert out.status is EntryStatus.FILLED and out.fill is not None
        assert out.fill.size == D("0.10")  # from the read, not the answer


def test_a_filled_answer_without_its_average_price_is_read_on() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.placement_answer = lambda order: attrs.evolve(order, avg_px=None)
    out = entry(exchange)
    assert exchange.calls.count("get_order_status") == 1
    assert out.status is EntryStatus.FILLED and out.fill is not None


def answer_expired(exchange: FakeExchange) -> None:
    """The placement's answer is the order ended (expired, as Binance's RESULT may show a
    market order the book could not fill), whatever part of it filled."""
    def expired(order: OrderStatus) -> OrderStatus:
        gone = attrs.evolve(order, state=OrderState.CANCELED)
        exchange.order_book[order.order_id] = gone
        return gone

    exchange.placement_answer = expired


def test_an_expired_answer_opens_nothing_and_reads_nothing() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.market_fill_ratio = D("0")
    answer_expired(exchange)
    out = entry(exchange)
    assert out.status is EntryStatus.NOT_FILLED and out.fill is None
    assert out.reason == "entry canceled with no fill"
    assert "get_order_status" not in exchange.calls and "cancel_order" not in exchange.calls


def test_an_expired_answer_with_a_part_filled_is_that_part() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.market_fill_ratio = D("0.4")
    answer_expired(exchange)
    out = entry(exchange)
    assert out.status is EntryStatus.FILLED and out.fill is not None
    assert out.fill.size == D("0.04")
    assert "get_order_status" not in exchange.calls


def test_a_rejected_placement_carries_no_answer_to_read() -> None:
    exchange = FakeExchange(FakeClock())
    exchange.placement_answer = lambda order: order
    exchange.script("submit_order", Rejected("-2019", "Margin is insufficient.", 400))
    out = entry(exchange)
    assert out == EntryOutcome(EntryStatus.REJECTED, "-2019: Margin is insufficient.", None,
                               None)
    assert exchange.order_book == {}
