"""FakeStreams: ports.streams.Streams over a FakeBook (events arrive through book.push)."""

from tests.fake_venue.book import FakeBook, FakeSubscription


class FakeStreams:
    def __init__(self, book: FakeBook) -> None:
        self._book = book

    async def ws_start(self) -> None:
        self._book.calls.append("ws_start")

    async def ws_stop(self) -> None:
        self._book.calls.append("ws_stop")

    def subscribe(self) -> FakeSubscription:
        sub = FakeSubscription(self._book.clock)
        self._book.subscriptions.append(sub)
        return sub
