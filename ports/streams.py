"""Streams: what the venue pushes (orders, algos, positions, prices), fanned out to subscribers."""

from typing import Protocol, runtime_checkable

from ports.exchange_events import EventSubscription


@runtime_checkable
class Streams(Protocol):
    async def ws_start(self) -> None:
        """Connect the streams and subscribe; reconnect on loss (a gap is ResyncNeeded)."""
        ...

    async def ws_stop(self) -> None:
        """Close the streams."""
        ...

    def subscribe(self) -> EventSubscription:
        """A new queue receiving every event from now on (works before ws_start too)."""
        ...
