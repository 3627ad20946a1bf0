"""Halt and Resume with fakes: what they do and the incident record they write (every field
asserted: mutmut on application/halt.py left them unchecked by the simulator tests)."""

import asyncio

import attrs

from application.halt import Halt, HaltCommand, HaltDone, Resume, ResumeCommand, ResumeDone
from domain.incident import halt_symbol
from domain.logs import IncidentRecord
from domain.state import PositionStage, SymbolState
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
