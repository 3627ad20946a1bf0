"""What happened to a position at the exchange since we last looked, as stage-machine events.

Take-profit fills come from their orders' status (looked up by client id); any other drop in
the exchange's position size is a stop (ours if its algo shows effective, else a close from
outside the engine) at the exchange's mark price.
"""

from decimal import Decimal

from domain.algo import AlgoState
from domain.events import PositionEvent, StopTriggered, Tp1Filled, Tp2Filled
from domain.ids import Role, client_id, next_attempt
from domain.orders import OrderState, PositionSide
from domain.state import PositionStage, PositionState
from ports.algo_orders import AlgoOrders
from ports.exchange_types import PositionSnapshot
from ports.market import MarketData
from ports.orders import Orders


def current_id(pos: PositionState, role: Role) -> str | None:
    """The latest client id allocated for role, if any was."""
    attempt = next_attempt(pos.next_attempts, role)
    return client_id(pos.intent_id, role, attempt - 1) if attempt and pos.intent_id else None


async def observe(orders: Orders, algos: AlgoOrders, market: MarketData, symbol: str,
                  pos: PositionState, snapshot: PositionSnapshot | None
                  ) -> list[PositionEvent]:
    """Events explaining the difference between the stored position and the exchange's."""
    if pos.stage is PositionStage.FLAT:
        return []
    events: list[PositionEvent] = []
    expected = pos.qty_open
    stages = [(PositionStage.PRE_TP1, Role.TP1, pos.tp1_qty),
              (PositionStage.BETWEEN_TP1_TP2, Role.TP2, pos.tp2_qty)]
    stage = pos.stage
    for at, role, planned in stages:
        if stage is not at:
            continue
        event = await _take_profit(orders, symbol, pos, role, planned)
        if event is None:
            break
        events.append(event)
        expected -= event.qty
        stage = PositionStage.BETWEEN_TP1_TP2 if role is Role.TP1 else \
            PositionStage.RUNNER_ONLY
    held = _held(pos, snapshot)
    if held < expected:
        events.append(await _stop(algos, market, symbol, pos, expected - held))
    return events


def _held(pos: PositionState, snapshot: PositionSnapshot | None) -> Decimal:
    if snapshot is None or snapshot.side is PositionSide.NONE:
        return Decimal(0)
    if snapshot.side is not pos.side:
        return Decimal(0)
    return snapshot.qty


async def _take_profit(orders: Orders, symbol: str, pos: PositionState, role: Role,
                       planned: Decimal) -> Tp1Filled | Tp2Filled | None:
    cid = current_id(pos, role)
    if cid is None:
        return None
    lookup = await orders.get_order_status(symbol=symbol, order_id=None, client_order_id=cid)
    status = lookup.status
    if status is None or status.state is not OrderState.FILLED or status.avg_px is None:
        return None
    kind = Tp1Filled if role is Role.TP1 else Tp2Filled
    return kind(status.acc_fill_sz, status.avg_px, status.order_id, status.client_order_id)


async def _stop(algos: AlgoOrders, market: MarketData, symbol: str, pos: PositionState,
                closed: Decimal) -> StopTriggered:
    stop_id = pos.sl_algo.client_algo_id
    price = pos.sl_price
    ids: tuple[str, ...] = ()
    if stop_id:
        lookup = await algos.get_algo_order(symbol=symbol, algo_id=pos.sl_algo.algo_id or None,
                                            client_algo_id=stop_id)
        algo = lookup.algo_order
        if algo is not None and algo.state is AlgoState.EFFECTIVE:
            ids = (stop_id,)
    mark = await market.get_mark_price(symbol)
    return StopTriggered(closed, mark.price if mark.price > 0 else price, (), ids)
