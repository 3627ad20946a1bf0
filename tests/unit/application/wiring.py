"""Use-cases built on the fake venue the way the container builds them on a real one
(entrypoints/container.py UseCases), without a container."""

from application.close_position import ClosePosition
from application.driver import PositionDriver
from application.engine import ExecutionEngine
from application.manage_position import ManagePosition, OnRegimeShift
from application.open_position import OpenPosition
from application.order_path import OrderPath, StopPath, Timings
from application.performer_context import Venue
from application.probe import ProbeExecution
from application.push_race import Lingering
from application.recover_protection import RecoverProtection
from application.selfcheck import SelfCheck
from application.shared_reads import (
    SharedAlgoReads,
    SharedOrderReads,
    shared_algos,
    shared_orders,
)
from application.status import Status
from application.watch import ProtectionWatch
from domain.params import Params
from ports.evidence import EvidenceSink
from ports.progress import Progress
from ports.state import StateStore
from tests.fake_venue import FakeExchange
from tests.fakes import InMemoryEvidenceSink, InMemoryStateStore

DEFAULT = Params()


def _shared_algos(ex: FakeExchange) -> SharedAlgoReads:
    # one wrapper per fake venue, spaced on its clock, as the container keeps one per session
    found: SharedAlgoReads = ex.__dict__.setdefault("shared_algos",
                                                    shared_algos(ex.algos, ex.clock))
    return found


def _shared_orders(ex: FakeExchange) -> SharedOrderReads:
    found: SharedOrderReads = ex.__dict__.setdefault("shared_orders",
                                                     shared_orders(ex.orders, ex.clock))
    return found


def _lingering(ex: FakeExchange) -> Lingering:
    # one set per fake venue, shared by both paths, as the container shares one
    found: Lingering = ex.__dict__.setdefault("lingering", Lingering())
    return found


def order_path(ex: FakeExchange, timings: Timings | None = None) -> OrderPath:
    return OrderPath(ex.orders, ex.market, ex.clock, timings, ex.streams, _lingering(ex))


def stop_path(ex: FakeExchange) -> StopPath:
    return StopPath(_shared_algos(ex), ex.streams, ex.clock, _lingering(ex))


def venue(ex: FakeExchange) -> Venue:
    return Venue(ex.market, ex.account, ex.orders, ex.algos, order_path(ex), stop_path(ex))


def driver(ex: FakeExchange, store: StateStore, params: Params = DEFAULT,
           progress: Progress | None = None) -> PositionDriver:
    return PositionDriver(venue(ex), store, ex.clock, params, progress)


def open_position(ex: FakeExchange, store: StateStore, params: Params = DEFAULT,
                  progress: Progress | None = None) -> OpenPosition:
    return OpenPosition(ex.market, ex.account, ex.orders, order_path(ex),
                        driver(ex, store, params, progress), store, ex.clock, params, progress)


def manage_position(ex: FakeExchange, store: StateStore,
                    params: Params = DEFAULT) -> ManagePosition:
    return ManagePosition(ex.market, ex.account, ex.orders, ex.algos,
                          driver(ex, store, params), store)


def regime_shift(ex: FakeExchange, store: StateStore, params: Params = DEFAULT) -> OnRegimeShift:
    return OnRegimeShift(ex.market, ex.account, driver(ex, store, params), store, ex.clock,
                         params)


def recover(ex: FakeExchange, store: StateStore, params: Params = DEFAULT) -> RecoverProtection:
    return RecoverProtection(ex.market, ex.account, _shared_orders(ex),
                             _shared_algos(ex), driver(ex, store, params), store,
                             ex.clock, params)


def close_position(ex: FakeExchange, store: StateStore,
                   params: Params = DEFAULT) -> ClosePosition:
    return ClosePosition(ex.market, ex.account, order_path(ex), driver(ex, store, params),
                         store)


def status(ex: FakeExchange, store: StateStore) -> Status:
    return Status(ex.account, ex.algos, store, ex.clock)


def engine(ex: FakeExchange, sink: EvidenceSink | None = None) -> ExecutionEngine:
    return ExecutionEngine(ex.market, ex.account, ex.orders, order_path(ex),
                           sink or InMemoryEvidenceSink())


def probe(ex: FakeExchange, sink: EvidenceSink) -> ProbeExecution:
    return ProbeExecution(engine(ex, sink), ex.market, ex.account, order_path(ex), sink)


def selfcheck(ex: FakeExchange, sink: EvidenceSink, params: Params = DEFAULT,
              store: StateStore | None = None) -> SelfCheck:
    return SelfCheck(ex.market, ex.account, ex.algos, ex.streams, stop_path(ex), sink,
                     ex.clock, params, store or InMemoryStateStore())


def watch(ex: FakeExchange, store: StateStore, params: Params = DEFAULT) -> ProtectionWatch:
    return ProtectionWatch(ex.streams, recover(ex, store, params),
                           manage_position(ex, store, params), store, ex.clock)
