"""Admin read views: everything the exchange holds, for checking invariants at the exchange.

Not OKX. Unlike the account's queries these include terminal orders and algos however old, and
an algo still hidden by a visibility-delay fault (with `visible` saying whether the account's
queries would show it now). Numbers are strings, times integer milliseconds.
"""

from simulator.core.locking import locked
from simulator.core.models import AlgoOrder, Fill, Order, Position
from simulator.core.numbers import fmt
from simulator.core.state import ExchangeState

Rows = list[dict[str, object]]


class AdminViews:
    state: ExchangeState

    @locked
    def admin_orders(self, inst_id: str = "") -> Rows:
        """Every order ever placed (terminal ones included), oldest first."""
        return [_order(o) for o in sorted(self.state.orders.values(), key=lambda o: int(o.ord_id))
                if not inst_id or o.inst_id == inst_id]

    @locked
    def admin_algos(self, inst_id: str = "") -> Rows:
        """Every algo order ever placed, oldest first."""
        now = self.state.now()
        return [_algo(a, now) for a in sorted(self.state.algos.values(),
                                              key=lambda a: int(a.algo_id))
                if not inst_id or a.inst_id == inst_id]

    @locked
    def admin_positions(self) -> Rows:
        """Non-zero positions."""
        return [_position(p) for p in self.state.account.open_positions()]

    @locked
    def admin_fills(self, inst_id: str = "") -> Rows:
        """Every fill, oldest first."""
        return [_fill(f) for f in self.state.fills if not inst_id or f.inst_id == inst_id]


def _order(order: Order) -> dict[str, object]:
    return {"instId": order.inst_id, "ordId": order.ord_id, "clOrdId": order.cl_ord_id,
            "side": order.side, "ordType": order.ord_type, "sz": fmt(order.sz),
            "px": fmt(order.px), "state": order.state, "accFillSz": fmt(order.acc_fill_sz),
            "avgPx": fmt(order.avg_px), "reduceOnly": order.reduce_only,
            "source": order.source, "algoId": order.algo_id, "cTime": order.c_time,
            "uTime": order.u_time}


def _algo(algo: AlgoOrder, now: int) -> dict[str, object]:
    return {"instId": algo.inst_id, "algoId": algo.algo_id, "algoClOrdId": algo.algo_cl_ord_id,
            "side": algo.side, "sz": fmt(algo.sz), "closeFraction": algo.close_fraction,
            "slTriggerPx": fmt(algo.sl_trigger_px), "slTriggerPxType": algo.sl_trigger_px_type,
            "slOrdPx": "-1" if algo.sl_trigger_px is not None and algo.sl_ord_px is None
            else fmt(algo.sl_ord_px),
            "tpTriggerPx": fmt(algo.tp_trigger_px), "tpTriggerPxType": algo.tp_trigger_px_type,
            "tpOrdPx": "-1" if algo.tp_trigger_px is not None and algo.tp_ord_px is None
            else fmt(algo.tp_ord_px),
            "reduceOnly": algo.reduce_only, "state": algo.state,
            "visible": algo.visible(now), "cTime": algo.c_time,
            "uTime": algo.u_time or algo.c_time}


def _position(position: Position) -> dict[str, object]:
    return {"instId": position.inst_id, "pos": fmt(position.pos),
            "avgPx": fmt(position.avg_px), "posSide": position.pos_side}


def _fill(fill: Fill) -> dict[str, object]:
    return {"instId": fill.inst_id, "tradeId": fill.trade_id, "ordId": fill.ord_id,
            "clOrdId": fill.cl_ord_id, "side": fill.side, "fillPx": fmt(fill.fill_px),
            "fillSz": fmt(fill.fill_sz), "ts": fill.ts}
