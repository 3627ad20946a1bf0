"""Halt and Resume with fakes: what they do and the incident record they write (every field
asserted: mutmut on application/halt.py left them unchecked by the simulator tests)."""

import asyncio
from collections.abc import Callable
from decimal import Decimal as D

import attrs

from application.halt import Halt, HaltCommand, HaltDone, Resume, ResumeCommand, ResumeDone
from domain.incident import halt_symbol
from domain.logs import IncidentRecord
from domain.orders import PositionSide, Side
from domain.outcome import Rejected
from domain.state import PositionStage, SymbolState
from ports.errors import ExchangeUnavailable
from tests.fake_venue import FakeExchange
from tests.fakes import FakeClock, InMemoryEvidenceSink, InMemoryStateStore
from tests.unit.application import wiring
from tests.unit.application.position_world import SYMBOL, opened

NOW_MS = 1_763_780_000_999  # mid-second: the record's ts is whole seconds, rounded down


def _halted(symbol: str, incident: str, until: int | None = None) -> SymbolState:
    return halt_symbol(SymbolState(symbol=symbol), now=1_763_770_000, until=until,
                       incident_id=incident, reason="drill")


def _resume(store: InMemoryStateStore, cmd: ResumeCommand
            ) -> tuple[ResumeDone, InMemoryEvidenceSink]:
    sink = InMemoryEvidenceSink()
    done = asyncio.run(Resume(store, FakeClock(NOW_MS), sink).execute(cmd))
    return done, sink


def test_resume_frees_every_halted_symbol_and_records_who_why_and_each_lift() -> None:
    store = InMemoryStateStore({"ETH-USDT-SWAP": _halted("ETH-USDT-SWAP", "h2"),
                                "BTC-USDT-SWAP": _halted("BTC-USDT-SWAP", "h1"),
                                "SOL-USDT-SWAP": SymbolState(symbol="SOL-USDT-SWAP")})
    done, sink = _resume(store, ResumeCommand(reason="all clear", who="ops-anna"))
    assert done == ResumeDone(("BTC-USDT-SWAP", "ETH-USDT-SWAP"), ("SOL-USDT-SWAP",))
    record = IncidentRecord(1_763_780_000, "h1,h2", "RESUME", "ops-anna", "all clear", 0,
                            ("BTC-USDT-SWAP", "ETH-USDT-SWAP"),
                            ("freeze lifted BTC-USDT-SWAP", "freeze lifted ETH-USDT-SWAP"))
    assert store.events_of(IncidentRecord) == [record]
    assert sink.documents["incident_record.json"] == attrs.asdict(record)
    for symbol in ("BTC-USDT-SWAP", "ETH-USDT-SWAP"):
        state = store.flushed[symbol]
        assert not state.halt.active and state.cooldown_until.freeze == 0
    assert store.flush_count == 1


def test_resume_of_named_symbols_leaves_the_others_frozen_and_an_idle_one_writes_nothing(
        ) -> None:
    store = InMemoryStateStore({"BTC-USDT-SWAP": _halted("BTC-USDT-SWAP", "h1"),
                                "ETH-USDT-SWAP": _halted("ETH-USDT-SWAP", "h1")})
    done, sink = _resume(store, ResumeCommand(("SOL-USDT-SWAP", "ETH-USDT-SWAP")))
    assert done == ResumeDone(("ETH-USDT-SWAP",), ("SOL-USDT-SWAP",))
    assert store.flushed["BTC-USDT-SWAP"].halt.active
    (record,) = store.events_of(IncidentRecord)
    assert record.symbols == ("ETH-USDT-SWAP",) and record.incident_id == "h1"
    done, sink = _resume(InMemoryStateStore({"SOL-USDT-SWAP": SymbolState(
        symbol="SOL-USDT-SWAP")}), ResumeCommand())
    assert done == ResumeDone((), ("SOL-USDT-SWAP",)) and sink.documents == {}


def _halt(flatten: bool, with_store: bool = True) -> tuple[HaltDone, InMemoryStateStore,
                                                          InMemoryEvidenceSink]:
    exchange, store = opened()
    exchange.clock.advance(0.999)  # mid-second: ts and until are whole seconds
    sink = InMemoryEvidenceSink()
    halt = Halt(exchange.market, exchange.account, exchange.orders, exchange.algos,
                wiring.order_path(exchange), sink, exchange.clock, wiring.DEFAULT)
    cmd = HaltCommand(flatten=flatten, reason="drill", who="ops-ben", for_s=600)
    done = asyncio.run(halt.execute(cmd, store if with_store else None, "held by pid 7"))
    return done, store, sink


TAKE_PROFITS = (f"order {SYMBOL} pxT1op100: cancel accepted",
                f"order {SYMBOL} pxT2op100: cancel accepted")


def test_halt_keeping_positions_cancels_take_profits_keeps_the_stop_and_records_it() -> None:
    done, store, sink = _halt(flatten=False)
    assert done == HaltDone("h1763780000999", 1_763_780_600, (SYMBOL,), TAKE_PROFITS,
                            (f"stop {SYMBOL} pxSLop100",), (), ())
    record = IncidentRecord(1_763_780_000, "h1763780000999", "HALT", "ops-ben", "drill",
                            1_763_780_600, (SYMBOL,), TAKE_PROFITS, ())
    assert store.events_of(IncidentRecord) == [record]
    assert sink.documents["incident_record.json"] == {
        **attrs.asdict(record), "all_orders": False, "flatten": False,
        "kept": [f"stop {SYMBOL} pxSLop100"], "foreign": []}
    state = store.flushed[SYMBOL]
    assert state.halt.active and state.halt.incident_id == "h1763780000999"
    assert state.cooldown_until.freeze == 1_763_780_600
    assert state.position_state.stage is not PositionStage.FLAT


def test_halt_with_flatten_closes_records_the_trade_and_drops_the_stop_after() -> None:
    done, store, sink = _halt(flatten=True)
    touched = (*TAKE_PROFITS,
               f"flatten {SYMBOL} LONG 0.10: 0.10 closed by pxFLh1763780000999x000, flat=True",
               f"algo {SYMBOL} pxSLop100: cancel accepted")
    assert done == HaltDone("h1763780000999", 1_763_780_600, (SYMBOL,), touched, (), (), ())
    document = sink.documents["incident_record.json"]
    assert isinstance(document, dict)
    assert (document["flatten"], document["kept"], document["touched"]) == (True, [], touched)
    state = store.flushed[SYMBOL]
    assert state.position_state.stage is PositionStage.FLAT and state.halt.active
    assert state.health_roll.trade_n == 1  # the flatten ended the trade: it is recorded


def test_halt_without_a_store_still_acts_at_the_exchange_and_says_the_freeze_is_missing(
        ) -> None:
    done, store, sink = _halt(flatten=False, with_store=False)
    assert done.touched == TAKE_PROFITS
    assert done.unconfirmed == ("freeze not set: the state store is unavailable (held by pid "
                                "7); nothing stops a later open until it is readable",)
    assert store.events_of(IncidentRecord) == [] and not store.flushed[SYMBOL].halt.active
    document = sink.documents["incident_record.json"]
    assert isinstance(document, dict) and document["unconfirmed"] == done.unconfirmed


# --- the paths the first tests left unreached (mutmut's survivors): other software's orders,
# cancels that fail, a flatten the exchange does not confirm, the read-back that fails


def _run(cmd: HaltCommand, setup: Callable[[FakeExchange], None]
         ) -> tuple[HaltDone, FakeExchange, InMemoryStateStore, InMemoryEvidenceSink]:
    exchange, store = opened()
    exchange.clock.advance(0.999)
    store.set_symbol_state("ETH-USDT-SWAP", SymbolState(symbol="ETH-USDT-SWAP"))
    setup(exchange)
    sink = InMemoryEvidenceSink()
    halt = Halt(exchange.market, exchange.account, exchange.orders, exchange.algos,
                wiring.order_path(exchange), sink, exchange.clock, wiring.DEFAULT)
    return asyncio.run(halt.execute(cmd, store)), exchange, store, sink


def _foreign(exchange: FakeExchange) -> None:
    """Another program's resting limit (otherbot8) and buy stop (otherbot7) on the symbol."""
    (stop,) = exchange.open_algos(SYMBOL)
    exchange.algo_book["A9"] = attrs.evolve(stop, algo_id="A9", client_algo_id="otherbot7",
                                            side=Side.BUY, stop_price=D("31000"))
    (tp1,) = exchange.orders_with_client_id("pxT1op100")
    exchange.order_book["9"] = attrs.evolve(tp1, order_id="9", client_order_id="otherbot8")


def _working(exchange: FakeExchange) -> tuple[set[str], set[str]]:
    orders = {o.client_order_id for o in exchange.order_book.values() if not o.state.is_terminal}
    algos = {a.client_algo_id for a in exchange.algo_book.values() if a.state.is_open}
    return orders, algos


def test_halt_leaves_other_softwares_orders_and_names_them_foreign() -> None:
    done, exchange, store, sink = _run(HaltCommand(who="ops", reason="drill"), _foreign)
    assert done.symbols == ("BTC-USDT-SWAP", "ETH-USDT-SWAP")  # the store's idle one too
    assert done.touched == TAKE_PROFITS and done.unconfirmed == ()
    assert done.foreign == (f"order 9 ({SYMBOL})", f"algo A9 ({SYMBOL})")
    assert done.kept == (f"stop {SYMBOL} pxSLop100",) and not done.needs_attention
    assert _working(exchange) == ({"otherbot8"}, {"pxSLop100", "otherbot7"})
    document = sink.documents["incident_record.json"]
    assert isinstance(document, dict)
    assert (document["all_orders"], document["foreign"]) == (False, list(done.foreign))
    assert store.flushed["ETH-USDT-SWAP"].halt.active


def test_halt_all_orders_cancels_other_softwares_orders_but_keeps_our_guarding_stop() -> None:
    done, exchange, _, sink = _run(HaltCommand(all_orders=True), _foreign)
    assert done.touched == (*TAKE_PROFITS, f"order {SYMBOL} otherbot8: cancel accepted",
                            f"algo {SYMBOL} otherbot7: cancel accepted")
    assert (done.foreign, done.unconfirmed) == ((), ())
    assert done.kept == (f"stop {SYMBOL} pxSLop100",)
    assert _working(exchange) == (set(), {"pxSLop100"})
    document = sink.documents["incident_record.json"]
    assert isinstance(document, dict) and document["all_orders"] is True


def test_halt_all_orders_whose_cancels_fail_reports_each_and_what_still_works() -> None:
    def failing(exchange: FakeExchange) -> None:
        _foreign(exchange)
        exchange.script("cancel_order", None, None, Rejected("51400", "cancel failed"))
        exchange.script("cancel_algo", ExchangeUnavailable("connection reset"))

    done, exchange, store, sink = _run(HaltCommand(all_orders=True), failing)
    failed = (f"order {SYMBOL} otherbot8: cancel rejected",
              f"algo {SYMBOL} otherbot7: cancel failed (connection reset)")
    assert done.touched == (*TAKE_PROFITS, *failed)
    assert done.unconfirmed == (*failed, f"order {SYMBOL} otherbot8 still works",
                                f"algo {SYMBOL} otherbot7 still works")
    assert done.needs_attention
    assert _working(exchange) == ({"otherbot8"}, {"pxSLop100", "otherbot7"})
    (record,) = store.events_of(IncidentRecord)
    assert record.unconfirmed == done.unconfirmed and record.touched == done.touched
    document = sink.documents["incident_record.json"]
    assert isinstance(document, dict) and document["unconfirmed"] == done.unconfirmed


def test_halt_whose_own_cancel_raises_says_the_order_still_works() -> None:
    done, exchange, _, _ = _run(HaltCommand(), lambda ex: ex.script(
        "cancel_order", ExchangeUnavailable("timeout")))
    failed = f"order {SYMBOL} pxT1op100: cancel failed (timeout)"
    assert done.touched == (failed, TAKE_PROFITS[1])
    assert done.unconfirmed == (failed, f"order {SYMBOL} pxT1op100 still works")
    assert _working(exchange)[0] == {"pxT1op100"}


def test_halt_flatten_not_confirmed_flat_keeps_the_stop_and_says_the_position_holds() -> None:
    rejected = Rejected("51008", "insufficient margin")
    done, exchange, store, _ = _run(HaltCommand(flatten=True), lambda ex: ex.script(
        "submit_order", rejected, rejected, rejected))
    ids = ", ".join(f"pxFLh1763780000999x00{n}" for n in range(3))
    why = "; ".join(f"flatten pxFLh1763780000999x00{n} rejected 51008: insufficient margin"
                    for n in range(3))
    flatten = f"flatten {SYMBOL} LONG 0.10: 0 closed by {ids}, flat=False ({why})"
    kept = f"stop {SYMBOL} pxSLop100: kept, its position is not confirmed flat"
    assert done.touched == (*TAKE_PROFITS, flatten, kept)
    assert done.kept == (f"stop {SYMBOL} pxSLop100",)
    assert done.unconfirmed == (flatten, f"{SYMBOL} still holds LONG 0.10")
    assert _working(exchange)[1] == {"pxSLop100"}
    state = store.flushed[SYMBOL]
    assert state.halt.active and state.position_state.stage is not PositionStage.FLAT
    assert state.health_roll.trade_n == 0  # no trade ended


def test_halt_flatten_whose_stop_cancel_raises_says_the_stop_still_works() -> None:
    done, exchange, _, _ = _run(HaltCommand(flatten=True), lambda ex: ex.script(
        "cancel_algo", ExchangeUnavailable("reset")))
    failed = f"algo {SYMBOL} pxSLop100: cancel failed (reset)"
    assert done.touched[-1] == failed and done.kept == ()
    assert done.unconfirmed == (failed, f"algo {SYMBOL} pxSLop100 still works")
    assert exchange.position_qty(SYMBOL)[1] == 0


def test_halt_that_cannot_read_the_exchange_back_says_so() -> None:
    done, _, store, _ = _run(HaltCommand(), lambda ex: ex.script(
        "get_open_orders", None, None, ExchangeUnavailable("down")))
    assert done.touched == TAKE_PROFITS
    assert done.unconfirmed == ("could not read the exchange back (down)",)
    assert store.flushed[SYMBOL].halt.active


def test_halt_without_a_store_or_a_reason_for_it_says_not_given() -> None:
    exchange, _ = opened()
    halt = Halt(exchange.market, exchange.account, exchange.orders, exchange.algos,
                wiring.order_path(exchange), InMemoryEvidenceSink(), exchange.clock,
                wiring.DEFAULT)
    done = asyncio.run(halt.execute(HaltCommand(), None))
    assert done.unconfirmed == ("freeze not set: the state store is unavailable (not given); "
                                "nothing stops a later open until it is readable",)


def test_halt_freezes_with_its_reason_and_a_flattened_short_keeps_the_ask_it_was_meant_at(
        ) -> None:
    exchange, store = opened(side=PositionSide.SHORT, stop_price=D("30600.0"),
                             tp1_price=D("29700.0"), tp2_price=D("29400.0"))
    exchange.ticker_spread[SYMBOL] = (D("29990"), D("30010"))  # the buy back takes the ask
    halt = Halt(exchange.market, exchange.account, exchange.orders, exchange.algos,
                wiring.order_path(exchange), InMemoryEvidenceSink(), exchange.clock,
                wiring.DEFAULT)
    done = asyncio.run(halt.execute(HaltCommand(flatten=True, reason="venue incident"), store))
    assert done.unconfirmed == () and exchange.position_qty(SYMBOL)[1] == 0
    state = store.flushed[SYMBOL]
    assert (state.halt.reason, state.halt.incident_id) == ("venue incident", done.incident_id)
    (fill,) = [f for f in state.roll_history.fills if f.client_order_id.startswith("pxFL")]
    assert fill.intended_px == D("30010")
