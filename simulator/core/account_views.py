"""OKX-shaped account summaries (account/config, account/balance) for each account mode.

OKX fills different balance fields per account mode (acctLv: 1 spot, 2 futures, 3
multi-currency margin, 4 portfolio margin) and returns "" for the rest: in futures mode the
margin figures live per currency (details[].imr/mmr, for cross positions only); in the
multi-currency and portfolio modes margin is pooled, so they are account-wide in USD at the top
level and "" per currency. The simulator values USDT and USDC at 1 USD.
"""

from decimal import Decimal

from simulator.core.models import ZERO
from simulator.core.numbers import fmt
from simulator.core.state import ExchangeState

ACCOUNT_MODES = ("1", "2", "3", "4")
POOLED = ("3", "4")  # multi-currency margin, portfolio margin


def _margins(state: ExchangeState, ccy: str) -> dict[str, Decimal]:
    """cross imr/mmr, isolated margin and upl, and whether a cross position exists."""
    account = state.account
    out = {"cross_imr": ZERO, "cross_mmr": ZERO, "iso_margin": ZERO, "iso_upl": ZERO,
           "cross_held": ZERO}
    for position in account.open_positions():
        if position.ccy != ccy:
            continue
        if position.mgn_mode == "isolated":
            out["iso_margin"] += account.imr(position)
            out["iso_upl"] += account.upl(position)
        else:
            out["cross_imr"] += account.imr(position)
            out["cross_mmr"] += account.mmr(position)
            out["cross_held"] += 1
    return out


def balance_detail(state: ExchangeState, ccy: str) -> dict[str, object]:
    t = state.account.totals(ccy)
    m = _margins(state, ccy)
    mode = state.config.acct_lv
    futures = mode == "2"
    cross = futures and m["cross_held"] > 0
    frozen = t["imr"] + t["frozen"]
    now = str(state.now())
    return {
        "ccy": ccy, "eq": fmt(t["eq"]), "cashBal": fmt(t["cash"]), "uTime": now,
        "isoEq": "" if mode == "1" else fmt(m["iso_margin"] + m["iso_upl"]),
        "availEq": "" if mode == "1" else fmt(t["avail"]), "disEq": fmt(t["eq"]),
        "fixedBal": "0", "availBal": fmt(t["cash"] - frozen), "frozenBal": fmt(frozen),
        "ordFrozen": fmt(t["frozen"]), "liab": "", "upl": fmt(t["upl"]), "uplLiab": "",
        "crossLiab": "", "rewardBal": "0", "isoLiab": "", "mgnRatio": "",
        "interest": "", "twap": "0", "maxLoan": "", "eqUsd": fmt(t["eq"]),
        "borrowFroz": "", "notionalLever": "", "stgyEq": "0",
        "isoUpl": "" if mode == "1" else fmt(m["iso_upl"]),
        "spotInUseAmt": "", "clSpotInUseAmt": "", "maxSpotInUse": "", "spotIsoBal": "0",
        "imr": fmt(m["cross_imr"]) if cross else "",
        "mmr": fmt(m["cross_mmr"]) if cross else "", "smtSyncEq": "0",
        "spotCopyTradingEq": "0", "spotBal": "", "openAvgPx": "", "accAvgPx": "",
        "spotUpl": "", "spotUplRatio": "", "totalPnl": "", "totalPnlRatio": "",
        "colRes": "0", "colBorrAutoConversion": "0", "collateralEnabled": False,
        "collateralRestrict": False, "frpType": "0",
    }


def _pooled(state: ExchangeState) -> dict[str, object]:
    """The account-wide USD figures the pooled modes fill at the top level."""
    account = state.account
    sums = {k: ZERO for k in ("eq", "avail", "imr", "mmr", "frozen", "upl")}
    for ccy in account.cash:
        totals = account.totals(ccy)
        for key in sums:
            sums[key] += totals[key]
    notional = sum((abs(p.pos) * state.instruments[p.inst_id].ct_val
                    * state.quotes[p.inst_id].mark for p in account.open_positions()), ZERO)
    ratio = (sums["eq"] / sums["mmr"]).quantize(Decimal("0.0001")) if sums["mmr"] else None
    return {"adjEq": fmt(sums["eq"]), "availEq": fmt(sums["avail"]), "borrowFroz": "0",
            "imr": fmt(sums["imr"] + sums["frozen"]), "mmr": fmt(sums["mmr"]),
            "mgnRatio": fmt(ratio), "notionalUsd": fmt(notional), "notionalUsdForBorrow": "0",
            "notionalUsdForFutures": "0", "notionalUsdForOption": "0",
            "notionalUsdForSwap": fmt(notional), "ordFroz": fmt(sums["frozen"]),
            "upl": fmt(sums["upl"])}


def balance_view(state: ExchangeState, ccys: list[str] | None) -> dict[str, object]:
    account = state.account
    held = {p.ccy for p in account.open_positions()}
    wanted = ccys or sorted(c for c in account.cash if account.cash[c] != 0 or c in held)
    details = [balance_detail(state, c) for c in wanted if c in account.cash]
    total = sum((Decimal(str(d["eqUsd"])) for d in details), ZERO)
    view: dict[str, object] = {
        "adjEq": "", "availEq": "", "borrowFroz": "", "details": details, "imr": "",
        "isoEq": "0", "mgnRatio": "", "mmr": "", "notionalUsd": "", "notionalUsdForBorrow": "",
        "notionalUsdForFutures": "", "notionalUsdForOption": "", "notionalUsdForSwap": "",
        "ordFroz": "", "totalEq": fmt(total), "uTime": str(state.now()), "upl": "",
    }
    if state.config.acct_lv in POOLED:
        view.update(_pooled(state))
    return view


def config_view(state: ExchangeState) -> dict[str, object]:
    uid = state.config.uid
    return {
        "uid": uid, "mainUid": uid, "acctLv": state.config.acct_lv,
        "acctStpMode": "cancel_maker", "posMode": state.account.pos_mode, "autoLoan": False,
        "greeksType": "PA", "level": "Lv1", "levelTmp": "", "ctIsoMode": "automatic",
        "mgnIsoMode": "automatic", "roleType": "0", "traderInsts": [], "spotRoleType": "0",
        "spotTraderInsts": [], "opAuth": "0", "kycLv": "2", "label": "prometheus-sim", "ip": "",
        "perm": "read_only,trade", "liquidationGear": "-1", "enableSpotBorrow": False,
        "spotBorrowAutoRepay": False, "type": "0", "settleCcy": "USDT",
        "settleCcyList": ["USDT", "USDC"], "feeType": "0", "stgyType": "0",
    }
