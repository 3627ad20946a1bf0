"""Binance account answers: balances, account information, position risk, settings.

The account is in single-asset mode: each margin asset (USDT, USDC) margins its own
contracts. As on Binance, the account-level totals of /fapi/v2|v3/account count the USDT
asset only in that mode; the per-asset rows carry each asset's own figures.
"""

from decimal import Decimal

from simulator.binance.views import MARGIN, POS_SIDE, position_of
from simulator.core.models import ZERO, Position
from simulator.core.numbers import fmt
from simulator.core.state import ExchangeState

ALIAS = "SgsRmYFzAuXqTfmp"


def _asset(state: ExchangeState, ccy: str) -> dict[str, Decimal]:
    totals = state.account.totals(ccy)
    held = [p for p in state.account.open_positions() if p.ccy == ccy]
    iso = sum((state.account.imr(p) for p in held if p.mgn_mode == "isolated"), ZERO)
    return {**totals, "iso": iso, "wallet": totals["cash"],
            "margin_balance": totals["cash"] + totals["upl"],
            "position_im": totals["imr"], "order_im": totals["frozen"]}


def balances(state: ExchangeState) -> list[dict[str, object]]:
    """/fapi/v2|v3/balance rows (updateTime is the last change; ccxt drops rows with 0)."""
    out = []
    for ccy in sorted(state.account.cash):
        a = _asset(state, ccy)
        out.append({"accountAlias": ALIAS, "asset": ccy, "balance": fmt(a["wallet"]),
                    "crossWalletBalance": fmt(a["wallet"] - a["iso"]),
                    "crossUnPnl": fmt(a["upl"]), "availableBalance": fmt(a["avail"]),
                    "maxWithdrawAmount": fmt(max(a["avail"], ZERO)), "marginAvailable": True,
                    "updateTime": state.t0})
    return out


def _asset_row(state: ExchangeState, ccy: str) -> dict[str, object]:
    a = _asset(state, ccy)
    return {"asset": ccy, "walletBalance": fmt(a["wallet"]), "unrealizedProfit": fmt(a["upl"]),
            "marginBalance": fmt(a["margin_balance"]), "maintMargin": fmt(a["mmr"]),
            "initialMargin": fmt(a["position_im"] + a["order_im"]),
            "positionInitialMargin": fmt(a["position_im"]),
            "openOrderInitialMargin": fmt(a["order_im"]),
            "crossWalletBalance": fmt(a["wallet"] - a["iso"]), "crossUnPnl": fmt(a["upl"]),
            "availableBalance": fmt(a["avail"]), "maxWithdrawAmount": fmt(max(a["avail"], ZERO)),
            "marginAvailable": True, "updateTime": state.t0}


def account(state: ExchangeState, version: int) -> dict[str, object]:
    usdt = _asset(state, "USDT") if "USDT" in state.account.cash else None
    zero = "0"
    totals = {
        "totalInitialMargin": fmt(usdt["position_im"] + usdt["order_im"]) if usdt else zero,
        "totalMaintMargin": fmt(usdt["mmr"]) if usdt else zero,
        "totalWalletBalance": fmt(usdt["wallet"]) if usdt else zero,
        "totalUnrealizedProfit": fmt(usdt["upl"]) if usdt else zero,
        "totalMarginBalance": fmt(usdt["margin_balance"]) if usdt else zero,
        "totalPositionInitialMargin": fmt(usdt["position_im"]) if usdt else zero,
        "totalOpenOrderInitialMargin": fmt(usdt["order_im"]) if usdt else zero,
        "totalCrossWalletBalance": fmt(usdt["wallet"] - usdt["iso"]) if usdt else zero,
        "totalCrossUnPnl": fmt(usdt["upl"]) if usdt else zero,
        "availableBalance": fmt(usdt["avail"]) if usdt else zero,
        "maxWithdrawAmount": fmt(max(usdt["avail"], ZERO)) if usdt else zero}
    positions = [_account_position(state, p, version) for p in state.account.open_positions()]
    body: dict[str, object] = {**totals,
                               "assets": [_asset_row(state, c) for c in
                                          sorted(state.account.cash)],
                               "positions": positions}
    if version == 2:
        body = {"feeTier": 0, "feeBurn": True, "canTrade": True, "canDeposit": True,
                "canWithdraw": True, "updateTime": 0, "multiAssetsMargin": False,
                "tradeGroupId": -1, **body}
    return body


def _account_position(state: ExchangeState, position: Position, version: int
                      ) -> dict[str, object]:
    f = position_of(state, position)
    row: dict[str, object] = {
        "symbol": position.inst_id, "positionSide": POS_SIDE[position.pos_side],
        "positionAmt": fmt(f["amt"]), "unrealizedProfit": fmt(f["upl"]),
        "isolatedMargin": fmt(f["imr"]) if position.mgn_mode == "isolated" else "0",
        "notional": fmt(f["notional"]), "isolatedWallet": "0", "initialMargin": fmt(f["imr"]),
        "maintMargin": fmt(f["mmr"]), "updateTime": position.u_time}
    if version == 2:
        row.update({"entryPrice": fmt(position.avg_px), "leverage": fmt(position.lever),
                    "isolated": position.mgn_mode == "isolated", "maxNotional": "5000000",
                    "positionInitialMargin": fmt(f["imr"]), "openOrderInitialMargin": "0",
                    "bidNotional": "0", "askNotional": "0"})
    return row


def position_risk(state: ExchangeState, position: Position, version: int
                  ) -> dict[str, object]:
    f = position_of(state, position)
    mark = state.quotes[position.inst_id].mark
    breakeven = state.account.breakeven(position, state.config.taker_fee)
    isolated = position.mgn_mode == "isolated"
    row: dict[str, object] = {
        "symbol": position.inst_id, "positionSide": POS_SIDE[position.pos_side],
        "positionAmt": fmt(f["amt"]), "entryPrice": fmt(position.avg_px) if position.pos else "0",
        "breakEvenPrice": fmt(breakeven) if breakeven is not None else "0",
        "markPrice": fmt(mark), "unRealizedProfit": fmt(f["upl"]), "liquidationPrice": "0",
        "isolatedMargin": fmt(f["imr"]) if isolated else "0", "notional": fmt(f["notional"]),
        "marginAsset": position.ccy, "isolatedWallet": "0", "initialMargin": fmt(f["imr"]),
        "maintMargin": fmt(f["mmr"]), "positionInitialMargin": fmt(f["imr"]),
        "openOrderInitialMargin": "0", "adl": 0, "bidNotional": "0", "askNotional": "0",
        "updateTime": position.u_time}
    if version == 2:
        row.update({"leverage": fmt(position.lever), "marginType": MARGIN[position.mgn_mode],
                    "isAutoAddMargin": "false", "maxNotionalValue": "5000000"})
    return row
