"""Binance-shaped views of the core's records: ids are integers, prices and quantities
strings, booleans real JSON booleans, times integer milliseconds. Sizes are base-asset
quantities (a Binance instrument's ct_val is 1)."""

from decimal import Decimal

from simulator.core.models import MARKET_TYPES, ZERO, AlgoOrder, Fill, Order, Position
from simulator.core.numbers import fmt
from simulator.core.state import ExchangeState

TIF = {"limit": "GTC", "ioc": "IOC", "fok": "FOK", "post_only": "GTX", "market": "GTC",
       "optimal_limit_ioc": "IOC"}
SIDE = {"buy": "BUY", "sell": "SELL"}
POS_SIDE = {"net": "BOTH", "long": "LONG", "short": "SHORT"}
MARGIN = {"cross": "cross", "isolated": "isolated"}
WORKING = {"mark": "MARK_PRICE", "last": "CONTRACT_PRICE", "index": "MARK_PRICE"}
# system cancels: IOC/FOK remainders and reduce-only orders left with nothing to reduce
EXPIRING_SOURCES = ("2", "13", "14")


def num(value: Decimal | None) -> str:
    return "0" if value is None else fmt(value)


def order_type(order: Order) -> str:
    return "MARKET" if order.ord_type in MARKET_TYPES else "LIMIT"


def order_status(order: Order) -> str:
    if order.state == "canceled":
        return "EXPIRED" if order.cancel_source in EXPIRING_SOURCES else "CANCELED"
    return {"live": "NEW", "partially_filled": "PARTIALLY_FILLED",
            "filled": "FILLED"}[order.state]


def orig_type(state: ExchangeState, order: Order) -> str:
    """A triggered algo's child shows the algo's type as its original type."""
    algo = state.algos.get(order.algo_id) if order.algo_id else None
    return algo_type(algo) if algo is not None else order_type(order)


def order_view(state: ExchangeState, order: Order, ack: bool = False) -> dict[str, object]:
    """GET/DELETE /fapi/v1/order, openOrders, allOrders and the RESULT answer to a new order;
    ack=True is the ACK answer: the order as accepted, before it met the market."""
    filled = ZERO if ack else order.acc_fill_sz
    notional = ZERO if ack else order.fill_notional * state.instruments[order.inst_id].ct_val
    avg = None if ack else order.avg_px
    return {
        "orderId": int(order.ord_id), "symbol": order.inst_id,
        "status": "NEW" if ack else order_status(order), "clientOrderId": order.cl_ord_id,
        "price": num(order.px), "avgPrice": num(avg), "origQty": fmt(order.sz),
        "executedQty": fmt(filled), "cumQty": fmt(filled), "cumQuote": fmt(notional),
        "timeInForce": TIF[order.ord_type], "type": order_type(order),
        "reduceOnly": order.reduce_only, "closePosition": False, "side": SIDE[order.side],
        "positionSide": POS_SIDE[order.pos_side], "stopPrice": "0",
        "workingType": "CONTRACT_PRICE", "priceProtect": False,
        "origType": orig_type(state, order), "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER", "goodTillDate": 0, "time": order.c_time,
        "updateTime": order.c_time if ack else order.u_time,
    }


def execution_type(order: Order, fill: Fill | None) -> str:
    if fill is not None:
        return "TRADE"
    if order.state == "canceled":
        return "EXPIRED" if order.cancel_source in EXPIRING_SOURCES else "CANCELED"
    return "NEW"


def order_update(state: ExchangeState, order: Order, fill: Fill | None) -> dict[str, object]:
    """ORDER_TRADE_UPDATE (user-data stream)."""
    now = state.now()
    inst = state.instruments[order.inst_id]
    return {"e": "ORDER_TRADE_UPDATE", "E": now, "T": fill.ts if fill else order.u_time, "o": {
        "s": order.inst_id, "c": order.cl_ord_id, "S": SIDE[order.side],
        "o": order_type(order), "f": TIF[order.ord_type], "q": fmt(order.sz),
        "p": num(order.px), "ap": num(order.avg_px), "sp": "0",
        "x": execution_type(order, fill), "X": order_status(order), "i": int(order.ord_id),
        "l": fmt(fill.fill_sz) if fill else "0", "z": fmt(order.acc_fill_sz),
        "L": fmt(fill.fill_px) if fill else "0", "N": inst.settle_ccy,
        "n": fmt(-fill.fee) if fill else "0", "T": fill.ts if fill else order.u_time,
        "t": int(fill.trade_id) if fill else 0, "b": "0", "a": "0",
        "m": fill.exec_type == "M" if fill else False, "R": order.reduce_only,
        "wt": "CONTRACT_PRICE", "ot": orig_type(state, order),
        "ps": POS_SIDE[order.pos_side], "cp": False, "rp": fmt(fill.fill_pnl) if fill else "0",
        "pP": False, "si": 0, "ss": 0, "V": "EXPIRE_MAKER", "pm": "NONE", "gtd": 0, "er": "0"}}


def trade_view(state: ExchangeState, fill: Fill) -> dict[str, object]:
    ct_val = state.instruments[fill.inst_id].ct_val
    return {"symbol": fill.inst_id, "id": int(fill.trade_id), "orderId": int(fill.ord_id),
            "side": SIDE[fill.side], "price": fmt(fill.fill_px), "qty": fmt(fill.fill_sz),
            "realizedPnl": fmt(fill.fill_pnl),
            "quoteQty": fmt(fill.fill_px * fill.fill_sz * ct_val),
            "commission": fmt(-fill.fee), "commissionAsset": fill.fee_ccy, "time": fill.ts,
            "positionSide": POS_SIDE[fill.pos_side], "buyer": fill.side == "buy",
            "maker": fill.exec_type == "M"}


def algo_type(algo: AlgoOrder) -> str:
    leg = "sl" if algo.sl_trigger_px is not None else "tp"
    limit = getattr(algo, f"{leg}_ord_px") is not None
    return {("sl", False): "STOP_MARKET", ("sl", True): "STOP",
            ("tp", False): "TAKE_PROFIT_MARKET", ("tp", True): "TAKE_PROFIT"}[(leg, limit)]


def algo_status(state: ExchangeState, algo: AlgoOrder) -> str:
    if algo.state == "live":
        return "NEW"
    if algo.state == "order_failed":
        return "REJECTED"
    if algo.state == "canceled":
        return "EXPIRED" if algo.expired else "CANCELED"
    child = state.orders.get(algo.ord_id)
    return "TRIGGERED" if child is not None and child.is_live else "FINISHED"


def _leg(algo: AlgoOrder) -> tuple[Decimal | None, Decimal | None, str]:
    leg = "sl" if algo.sl_trigger_px is not None else "tp"
    return (getattr(algo, f"{leg}_trigger_px"), getattr(algo, f"{leg}_ord_px"),
            getattr(algo, f"{leg}_trigger_px_type"))


def algo_view(state: ExchangeState, algo: AlgoOrder, query: bool = True) -> dict[str, object]:
    """The algo object; query=True adds what GET/list answers carry (actualOrderId, ...)."""
    trigger, price, kind = _leg(algo)
    close_position = algo.close_fraction == "1"
    view: dict[str, object] = {
        "algoId": int(algo.algo_id), "clientAlgoId": algo.algo_cl_ord_id,
        "algoType": "CONDITIONAL", "orderType": algo_type(algo), "symbol": algo.inst_id,
        "side": SIDE[algo.side], "positionSide": POS_SIDE[algo.pos_side],
        "timeInForce": algo.tif or "GTC", "quantity": num(algo.sz),
        "algoStatus": algo_status(state, algo), "triggerPrice": num(trigger),
        "price": num(price), "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER", "workingType": WORKING[kind],
        "priceMatch": "NONE", "closePosition": close_position,
        "priceProtect": algo.price_protect,
        "reduceOnly": algo.reduce_only and not close_position,
        "activatePrice": "", "callbackRate": "", "createTime": algo.c_time,
        "updateTime": algo.u_time or algo.c_time, "triggerTime": algo.trigger_time or 0,
        "goodTillDate": 0}
    if query:
        view.update(_actual(state, algo))
    return view


def _actual(state: ExchangeState, algo: AlgoOrder) -> dict[str, object]:
    child = state.orders.get(algo.ord_id) if algo.ord_id else None
    if child is None:
        return {"actualOrderId": "", "actualPrice": ""}
    return {"actualOrderId": child.ord_id, "actualPrice": num(child.avg_px),
            "actualType": order_type(child), "actualQty": fmt(child.acc_fill_sz)}


def algo_update(state: ExchangeState, algo: AlgoOrder, status: str | None = None
                ) -> dict[str, object]:
    """ALGO_UPDATE (user-data stream); status overrides the derived one (TRIGGERING)."""
    now = state.now()
    trigger, price, kind = _leg(algo)
    child = state.orders.get(algo.ord_id) if algo.ord_id else None
    close_position = algo.close_fraction == "1"
    body: dict[str, object] = {
        "caid": algo.algo_cl_ord_id, "aid": int(algo.algo_id), "at": "CONDITIONAL",
        "o": algo_type(algo), "s": algo.inst_id, "S": SIDE[algo.side],
        "ps": POS_SIDE[algo.pos_side], "f": algo.tif or "GTC", "q": num(algo.sz),
        "X": status or algo_status(state, algo), "ai": child.ord_id if child else "",
        "tp": num(trigger), "p": num(price), "V": "EXPIRE_MAKER", "wt": WORKING[kind],
        "pm": "NONE", "cp": close_position, "pP": algo.price_protect,
        "R": algo.reduce_only and not close_position, "tt": algo.trigger_time or 0,
        "gtd": 0, "rm": _failure(algo)}
    if child is not None:
        body.update({"ap": num(child.avg_px), "aq": fmt(child.acc_fill_sz),
                     "act": order_type(child)})
    return {"e": "ALGO_UPDATE", "T": algo.u_time or now, "E": now, "o": body}


def _failure(algo: AlgoOrder) -> str:
    reasons = {"insufficient_margin": "Margin is insufficient.",
               "reduce_only_no_position": "ReduceOnly Order is rejected.",
               "reduce_only_same_side": "ReduceOnly Order is rejected."}
    if not algo.fail_reason:
        return ""
    return reasons.get(algo.fail_reason, algo.fail_reason)


def position_of(state: ExchangeState, position: Position) -> dict[str, Decimal]:
    account = state.account
    mark = state.quotes[position.inst_id].mark
    signed = position.pos if position.pos_side == "net" else (
        position.pos if position.pos_side == "long" else -position.pos)
    ct_val = state.instruments[position.inst_id].ct_val
    return {"amt": signed * ct_val, "upl": account.upl(position),
            "imr": account.imr(position), "mmr": account.mmr(position),
            "notional": signed * ct_val * mark}


def position_update(state: ExchangeState, position: Position) -> dict[str, object]:
    """ACCOUNT_UPDATE after a fill: the position and the wallet of its margin asset."""
    now = state.now()
    figures = position_of(state, position)
    cash = state.account.cash.get(position.ccy, ZERO)
    return {"e": "ACCOUNT_UPDATE", "E": now, "T": position.u_time, "a": {
        "m": "ORDER",
        "B": [{"a": position.ccy, "wb": fmt(cash), "cw": fmt(cash), "bc": "0"}],
        "P": [{"s": position.inst_id, "pa": fmt(figures["amt"]),
               "ep": fmt(position.avg_px) if position.pos else "0",
               "bep": num(state.account.breakeven(position, state.config.taker_fee)),
               "cr": fmt(position.realized_pnl), "up": fmt(figures["upl"]),
               "mt": MARGIN[position.mgn_mode], "iw": "0",
               "ps": POS_SIDE[position.pos_side], "ma": position.ccy}]}}
