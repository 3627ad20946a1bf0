"""OKX-shaped dicts of the core's records: string numbers, ms-string times, "" for n/a."""

from decimal import Decimal

from simulator.core.errors import Refused, okx_code
from simulator.core.models import ZERO, AlgoOrder, Fill, Order, Position
from simulator.core.numbers import fmt
from simulator.core.state import ExchangeState


def _ms(value: int | None) -> str:
    return "" if value is None else str(value)


def order_view(order: Order) -> dict[str, object]:
    fee_ccy = order.settle_ccy
    return {
        "instType": "SWAP", "instId": order.inst_id, "tgtCcy": "", "ccy": "",
        "ordId": order.ord_id, "clOrdId": order.cl_ord_id, "tag": order.tag,
        "px": fmt(order.px), "pxUsd": "", "pxVol": "", "pxType": "", "sz": fmt(order.sz),
        "pnl": fmt(order.pnl), "ordType": order.ord_type, "side": order.side,
        "posSide": order.pos_side, "tdMode": order.td_mode, "accFillSz": fmt(order.acc_fill_sz),
        "fillPx": fmt(order.fill_px), "tradeId": order.trade_id,
        "fillSz": fmt(order.fill_sz), "fillTime": _ms(order.fill_time),
        "avgPx": fmt(order.avg_px), "state": order.state, "stpId": "", "stpMode": "cancel_maker",
        "lever": fmt(order.lever), "attachAlgoClOrdId": "", "tpTriggerPx": "",
        "tpTriggerPxType": "", "tpOrdPx": "", "slTriggerPx": "", "slTriggerPxType": "",
        "slOrdPx": "", "attachAlgoOrds": [], "linkedAlgoOrd": {"algoId": ""},
        "feeCcy": fee_ccy, "fee": fmt(order.fee), "rebateCcy": fee_ccy, "rebate": "0",
        "source": order.source, "category": "normal",
        "reduceOnly": "true" if order.reduce_only else "false", "isTpLimit": "false",
        "cancelSource": order.cancel_source, "cancelSourceReason": "", "quickMgnType": "",
        "algoClOrdId": order.algo_cl_ord_id, "algoId": order.algo_id,
        "uTime": str(order.u_time), "cTime": str(order.c_time), "tradeQuoteCcy": "",
    }


def order_push_view(order: Order, fill: Fill | None) -> dict[str, object]:
    """The orders channel adds per-update fill fields (zero/empty when the update is no fill)."""
    view = order_view(order)
    view.update({
        "fillPx": fmt(fill.fill_px) if fill else "", "tradeId": fill.trade_id if fill else "",
        "fillSz": fmt(fill.fill_sz) if fill else "0",
        "fillPnl": fmt(fill.fill_pnl) if fill else "0",
        "fillTime": str(fill.ts) if fill else "", "fillFee": fmt(fill.fee) if fill else "0",
        "fillFeeCcy": order.settle_ccy if fill else "", "execType": fill.exec_type if fill else "",
        "fillMarkPx": fmt(fill.mark_px) if fill else "",
        "fillIdxPx": fmt(fill.index_px) if fill else "",
        "fillNotionalUsd": "", "fillPxVol": "", "fillPxUsd": "", "fillMarkVol": "",
        "fillFwdPx": "", "notionalUsd": "", "lastPx": "", "amendSource": "",
        "amendResult": "", "reqId": "", "code": "0", "msg": "",
    })
    return view


def fill_view(fill: Fill) -> dict[str, object]:
    return {
        "instType": "SWAP", "instId": fill.inst_id, "tradeId": fill.trade_id,
        "ordId": fill.ord_id, "clOrdId": fill.cl_ord_id, "billId": fill.bill_id,
        "subType": "1" if fill.side == "buy" else "2", "tag": fill.tag,
        "fillPx": fmt(fill.fill_px), "fillSz": fmt(fill.fill_sz),
        "fillIdxPx": fmt(fill.index_px), "fillPnl": fmt(fill.fill_pnl),
        "fillMarkPx": fmt(fill.mark_px), "side": fill.side, "posSide": fill.pos_side,
        "execType": fill.exec_type, "feeCcy": fill.fee_ccy, "fee": fmt(fill.fee),
        "ts": str(fill.ts), "fillTime": str(fill.ts), "feeRate": "", "tradeQuoteCcy": "",
    }


def _leg_ord_px(trigger: Decimal | None, ord_px: Decimal | None) -> str:
    """A leg's order price: "-1" for a market leg, "" when the leg is absent."""
    if trigger is None:
        return ""
    return "-1" if ord_px is None else fmt(ord_px)


def _fail_code(algo: AlgoOrder) -> str:
    return okx_code(Refused(algo.fail_reason)) if algo.fail_reason else "0"


def algo_view(algo: AlgoOrder, state: ExchangeState) -> dict[str, object]:
    quote = state.quotes[algo.inst_id]
    return {
        "instType": "SWAP", "instId": algo.inst_id, "ccy": "", "ordId": algo.ord_id,
        "ordIdList": [algo.ord_id] if algo.ord_id else [], "algoId": algo.algo_id,
        "algoClOrdId": algo.algo_cl_ord_id, "clOrdId": algo.algo_cl_ord_id,
        "sz": fmt(algo.sz),
        "closeFraction": algo.close_fraction, "ordType": algo.ord_type, "side": algo.side,
        "posSide": algo.pos_side, "tdMode": algo.td_mode, "tgtCcy": "", "state": algo.state,
        "lever": fmt(algo.lever), "tpTriggerPx": fmt(algo.tp_trigger_px),
        "tpTriggerPxType": algo.tp_trigger_px_type,
        "tpOrdPx": _leg_ord_px(algo.tp_trigger_px, algo.tp_ord_px),
        "slTriggerPx": fmt(algo.sl_trigger_px), "slTriggerPxType": algo.sl_trigger_px_type,
        "slOrdPx": _leg_ord_px(algo.sl_trigger_px, algo.sl_ord_px), "triggerPx": "",
        "triggerPxType": "", "ordPx": "", "actualSz": fmt(algo.actual_sz or ZERO),
        "actualPx": fmt(algo.actual_px),
        "actualSide": algo.actual_side, "triggerTime": _ms(algo.trigger_time),
        "pxVar": "", "pxSpread": "", "szLimit": "", "pxLimit": "", "timeInterval": "",
        "callbackRatio": "", "callbackSpread": "", "activePx": "", "moveTriggerPx": "",
        "reduceOnly": "true" if algo.reduce_only else "false", "quickMgnType": "",
        "last": fmt(quote.last), "failCode": _fail_code(algo), "algoClOrdIdList": [],
        "amendPxOnTriggerType": "0", "attachAlgoOrds": [], "linkedOrd": {"ordId": ""},
        "isTradeBorrowMode": "", "tag": algo.tag, "cTime": str(algo.c_time),
        "uTime": str(algo.u_time or algo.c_time),
    }


def close_algos_of(state: ExchangeState, position: Position) -> list[dict[str, object]]:
    now = state.now()
    out: list[dict[str, object]] = []
    for algo in state.live_algos.get(position.inst_id, {}).values():
        if algo.close_fraction and algo.visible(now) and algo.td_mode == position.mgn_mode:
            out.append({"algoId": algo.algo_id, "slTriggerPx": fmt(algo.sl_trigger_px),
                        "slTriggerPxType": algo.sl_trigger_px_type,
                        "tpTriggerPx": fmt(algo.tp_trigger_px),
                        "tpTriggerPxType": algo.tp_trigger_px_type, "closeFraction": "1"})
    return out


def position_view(state: ExchangeState, position: Position) -> dict[str, object]:
    account = state.account
    quote = state.quotes[position.inst_id]
    ct_val = state.instruments[position.inst_id].ct_val
    upl = account.upl(position)
    upl_last = account.upl(position, quote.last)
    imr = account.imr(position)
    mmr = account.mmr(position)
    notional = abs(position.pos) * ct_val * quote.mark
    cost = abs(position.pos) * ct_val * position.avg_px
    ratio = (upl / (cost / position.lever)) if cost else ZERO
    ratio_last = (upl_last / (cost / position.lever)) if cost else ZERO
    isolated = position.mgn_mode == "isolated"
    return {
        "instType": "SWAP", "instId": position.inst_id, "mgnMode": position.mgn_mode,
        "posId": position.pos_id, "posSide": position.pos_side, "pos": fmt(position.pos),
        "baseBal": "", "quoteBal": "", "posCcy": "", "availPos": fmt(abs(position.pos)),
        "avgPx": fmt(position.avg_px) if position.pos else "",
        "nonSettleAvgPx": fmt(position.avg_px) if position.pos else "",
        "markPx": fmt(quote.mark), "upl": fmt(upl), "uplRatio": fmt(_round(ratio)),
        "uplLastPx": fmt(upl_last), "uplRatioLastPx": fmt(_round(ratio_last)),
        "lever": fmt(position.lever), "liqPx": "", "imr": "" if isolated else fmt(imr),
        "margin": fmt(imr) if isolated else "",
        "mgnRatio": fmt(_round(account.totals(position.ccy)["eq"] / mmr)) if mmr else "",
        "mmr": fmt(mmr), "liab": "", "liabCcy": "", "interest": "",
        "tradeId": position.trade_id, "optVal": "", "notionalUsd": fmt(notional), "adl": "1",
        "ccy": position.ccy, "last": fmt(quote.last), "idxPx": fmt(quote.index),
        "usdPx": "", "bePx": fmt(account.breakeven(position, state.config.taker_fee)),
        "realizedPnl": fmt(position.realized_pnl),
        "pnl": fmt(position.realized_pnl - position.fee), "fee": fmt(position.fee),
        "fundingFee": "0", "liqPenalty": "0", "settledPnl": "",
        "closeOrderAlgo": close_algos_of(state, position), "deltaBS": "", "deltaPA": "",
        "gammaBS": "", "gammaPA": "", "thetaBS": "", "thetaPA": "", "vegaBS": "", "vegaPA": "",
        "spotInUseAmt": "", "spotInUseCcy": "", "clSpotInUseAmt": "", "maxSpotInUseAmt": "",
        "bizRefId": "", "bizRefType": "", "pendingCloseOrdLiabVal": "",
        "cTime": str(position.c_time), "uTime": str(position.u_time),
    }


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0000000001"))
