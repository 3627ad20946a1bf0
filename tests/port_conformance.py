"""Every adapter and every test fake against the port it stands for, checked by mypy (strict,
tests/ included in .ci/run) rather than by an isinstance() at run time: a runtime-checkable
Protocol only proves that the method names exist, while each function below makes mypy compare
every signature. Nothing here runs; pytest does not collect this module.

The container composes ExchangeAdapter from its parts through dependency-injector providers,
which mypy cannot see through; these functions are where a role implementation that drifts from
its port fails the type check.
"""

from adapters.binance.account import BinanceAccount
from adapters.binance.algos import BinanceAlgos
from adapters.binance.market import BinanceMarket
from adapters.binance.trading import BinanceTrading
from adapters.binance.ws import BinanceStreams
from adapters.clock import SystemClock
from adapters.common.hub import EventHub
from adapters.evidence.sink import FileEvidenceSink
from adapters.okx.account import OkxAccount
from adapters.okx.algos import OkxAlgos
from adapters.okx.market import OkxMarket
from adapters.okx.trading import OkxTrading
from adapters.okx.ws import OkxStreams
from adapters.replay.clock import ReplayClock
from adapters.state.json_store import JsonFileStateStore
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.evidence import EvidenceSink
from ports.exchange import ExchangeAdapter
from ports.exchange_events import EventSubscription
from ports.market import MarketData
from ports.orders import Orders
from ports.state import StateStore
from ports.streams import Streams
from tests.fake_venue.account import FakeAccount
from tests.fake_venue.algos import FakeAlgoOrders
from tests.fake_venue.market import FakeMarket
from tests.fake_venue.orders import FakeOrders
from tests.fake_venue.streams import FakeStreams
from tests.fakes import FakeClock, InMemoryEvidenceSink, InMemoryStateStore


def okx_exchange(market: OkxMarket, account: OkxAccount, orders: OkxTrading, algos: OkxAlgos,
                 streams: OkxStreams) -> ExchangeAdapter:
    return ExchangeAdapter(market, account, orders, algos, streams)


def binance_exchange(market: BinanceMarket, account: BinanceAccount, orders: BinanceTrading,
                     algos: BinanceAlgos, streams: BinanceStreams) -> ExchangeAdapter:
    return ExchangeAdapter(market, account, orders, algos, streams)


def fake_roles(market: FakeMarket, account: FakeAccount, orders: FakeOrders,
               algos: FakeAlgoOrders, streams: FakeStreams
               ) -> tuple[MarketData, Account, Orders, AlgoOrders, Streams]:
    return market, account, orders, algos, streams


def clocks(system: SystemClock, replay: ReplayClock, fake: FakeClock
           ) -> tuple[Clock, Clock, Clock]:
    return system, replay, fake


def evidence_sinks(file: FileEvidenceSink, memory: InMemoryEvidenceSink
                   ) -> tuple[EvidenceSink, EvidenceSink]:
    return file, memory


def state_stores(json_file: JsonFileStateStore, memory: InMemoryStateStore
                 ) -> tuple[StateStore, StateStore]:
    return json_file, memory


def hub_subscription(hub: EventHub) -> EventSubscription:
    return hub.subscribe()
