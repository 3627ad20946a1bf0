"""What every performer of a position's actions shares: the roles it sends through (Venue), the
instrument, a way to allocate client ids, and what it has reported and placed so far.

application/stop_actions.py performs the stop actions over it, application/performers.py the
order actions (the Performer the driver uses).
"""

from collections.abc import Awaitable, Callable

import attrs

from application.notes import Note
from application.order_path import OrderPath, StopPath, StopSent
from application.pending_stops import PendingStops
from domain.ids import Role
from domain.instrument import InstrumentSpec
from domain.params import Params
from domain.state import BookAtPlacement
from ports.account import Account
from ports.algo_orders import AlgoOrders
from ports.clock import Clock
from ports.market import MarketData
from ports.orders import Orders
from ports.progress import Progress, Silent

# allocate(role, n): n fresh client ids for role, persisted before they are returned
Allocate = Callable[[Role, int], tuple[str, ...]]


@attrs.frozen
class Venue:
    """The roles a position's actions need (the driver's dependencies, passed on)."""

    market: MarketData
    account: Account
    orders: Orders
    algos: AlgoOrders
    path: OrderPath
    stops: StopPath


@attrs.define
class PerformerContext:
    """Per-symbol context: the roles, the instrument, and a way to allocate client ids."""

    venue: Venue
    clock: Clock
    params: Params
    spec: InstrumentSpec
    allocate: Allocate
    progress: Progress = attrs.field(factory=Silent)
    # the store's record of stops sent but not confirmed (allocate records each stop id as
    # pending; this settles it); None: nothing is recorded (unit tests of one performer)
    pending: PendingStops | None = None
    notes: list[Note] = attrs.field(factory=list)
    # stops placed but not confirmed visible: (client algo id, algo id from the ack or "")
    strays: list[tuple[str, str]] = attrs.field(factory=list)
    # every order and stop placed, in order: (exchange id or "", client id); the risk events
    # of a decision list the ones its actions placed (seed 001 §8)
    placed: list[tuple[str, str]] = attrs.field(factory=list)
    # the book read before each limit order placed (exec_quality_roll's spread_p95)
    books: list[BookAtPlacement] = attrs.field(factory=list)
    # a market entry's stop, sent beside its status read (application/early_stop.py), as it
    # ended: the first stop placement adopts it when the exchange shows it covering the position
    early: Callable[[], Awaitable[StopSent | None]] | None = None

    def note(self, text: str, needs_attention: bool = False) -> None:
        self.notes.append(Note(text, needs_attention))
        self.progress.step(text)
