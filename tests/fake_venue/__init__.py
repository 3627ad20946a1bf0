"""An in-memory venue for application tests: one small fake per role (market.py, account.py,
orders.py, algos.py, streams.py) over shared bookkeeping (book.py), scriptable failures.

    ex = FakeExchange(FakeClock())
    OpenPosition(ex.market, ex.account, ex.orders, ...)   # each use-case gets its roles
    ex.fill_order(...), ex.open_algos(...)               # the book's helpers, for assertions

A test that needs one role can build just that fake over a FakeBook.
"""

from domain.instrument import InstrumentSpec
from tests.fake_venue.account import FakeAccount
from tests.fake_venue.algos import FakeAlgoOrders
from tests.fake_venue.book import FakeBook, FakeSubscription, spec
from tests.fake_venue.market import FakeMarket
from tests.fake_venue.orders import FakeOrders
from tests.fake_venue.streams import FakeStreams
from tests.fakes import FakeClock, InMemoryEvidenceSink


class FakeExchange(FakeBook):
    """The book with one fake of each role on it."""

    def __init__(self, clock: FakeClock, sink: InMemoryEvidenceSink | None = None,
                 instruments: tuple[InstrumentSpec, ...] | None = None) -> None:
        super().__init__(clock, sink, instruments)
        self.market = FakeMarket(self)
        self.account = FakeAccount(self)
        self.orders = FakeOrders(self)
        self.algos = FakeAlgoOrders(self)
        self.streams = FakeStreams(self)


__all__ = ["FakeAccount", "FakeAlgoOrders", "FakeBook", "FakeExchange", "FakeMarket",
           "FakeOrders", "FakeStreams", "FakeSubscription", "spec"]
