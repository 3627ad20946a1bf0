"""Account reads and settings; also the cached position mode orders are shaped by."""

from decimal import Decimal

from adapters.common.single_flight import SingleFlight
from adapters.okx import wire
from adapters.okx.config import OkxConfig
from adapters.okx.converter import structure_all, unstructure
from adapters.okx.market import first
from adapters.okx.rest import Answer, OkxRest
from adapters.okx.translate import protocol_guard, to_position
from domain.numbers import ZERO
from domain.orders import PositionSide
from ports.errors import ExchangeProtocolError
from ports.exchange_types import (
    AccountConfig,
    Balances,
    Equities,
    Equity,
    Leverage,
    Positions,
    PositionSnapshot,
    SettingApplied,
)

NET_MODE = "net_mode"
LONG_SHORT_MODE = "long_short_mode"


class OkxAccount:
    def __init__(self, rest: OkxRest, config: OkxConfig) -> None:
        self._rest = rest
        self._config = config
        self._pos_mode: str | None = None
        self._acct_lv: str | None = None
        self._reading_config = SingleFlight(self.get_account_config)

    async def pos_mode(self) -> str:
        """net_mode or long_short_mode, read once from account/config; raises if unreadable."""
        if self._pos_mode is None:
            await self._reading_config()  # concurrent orders share one read
        assert self._pos_mode is not None
        return self._pos_mode

    async def get_account_config(self) -> AccountConfig:
        answer = await self._rest.read("GET", "/api/v5/account/config", signed=True)
        item = first(answer, wire.AccountConfig, "account config")
        if item.pos_mode not in (NET_MODE, LONG_SHORT_MODE):
            raise ExchangeProtocolError(f"unknown posMode {item.pos_mode!r}", answer.evidence)
        self._pos_mode = item.pos_mode
        self._acct_lv = item.acct_lv
        return AccountConfig(item.pos_mode, item.acct_lv, item.perm, answer.evidence)

    async def _balance(self, ccy: str) -> tuple[wire.Balance, wire.BalanceDetail | None,
                                                Answer]:
        answer = await self._rest.read("GET", "/api/v5/account/balance", params={"ccy": ccy},
                                       signed=True)
        balance = first(answer, wire.Balance, "balance")
        return balance, next((d for d in balance.details if d.ccy == ccy), None), answer

    async def get_balances(self) -> Balances:
        """Equity (eq), available (availEq, else availBal) and margin used of the settlement
        currency; a currency OKX does not list holds nothing. Margin used is the initial
        margin of open positions plus the margin frozen for open orders, read where OKX puts
        it for the account mode (acctLv, read once from account/config)."""
        ccy = self._config.settle_ccy
        if self._acct_lv is None:
            await self.get_account_config()
        assert self._acct_lv is not None
        balance, detail, answer = await self._balance(ccy)
        with protocol_guard("balance", answer.evidence):
            used = margin_used(self._acct_lv, balance, detail)
        if detail is None:
            return Balances(ccy, ZERO, ZERO, used, answer.evidence)
        available = _first_of(detail.avail_eq, detail.avail_bal)
        return Balances(ccy, detail.eq or ZERO, available, used, answer.evidence)

    async def get_balance_equity(self, ccy: str) -> Equity:
        """The one equity parser: details[ccy].eq (cash balance + unrealized PnL, in ccy)."""
        _, _, answer = await self._balance(ccy)
        return _equities(answer).of(ccy)

    async def get_equities(self) -> Equities:
        """account/balance without ccy: OKX lists every currency with a non-zero balance."""
        return _equities(await self._rest.read("GET", "/api/v5/account/balance", signed=True))

    async def get_positions(self) -> Positions:
        """Every non-flat SWAP position by instId. Both legs of a hedge-mode position on one
        instrument cannot be one snapshot: that is refused rather than merged."""
        answer = await self._rest.read("GET", "/api/v5/account/positions",
                                       params={"instType": "SWAP"}, signed=True)
        items = structure_all(answer.items, wire.Position, answer.evidence)
        by_symbol: dict[str, PositionSnapshot] = {}
        with protocol_guard("position", answer.evidence):
            for snapshot in map(to_position, items):
                if snapshot.side is PositionSide.NONE:
                    continue
                if snapshot.inst_id in by_symbol:
                    raise ValueError(f"{snapshot.inst_id} is held long and short at once; "
                                     "the engine needs net (one-way) mode")
                by_symbol[snapshot.inst_id] = snapshot
        return Positions(by_symbol, answer.evidence)

    async def get_leverage(self, symbol: str) -> Leverage:
        """leverage-info in the margin mode orders use (td_mode); one value, or None when the
        two sides of an isolated hedge-mode position hold different ones."""
        answer = await self._rest.read("GET", "/api/v5/account/leverage-info",
                                       params={"instId": symbol,
                                               "mgnMode": self._config.td_mode}, signed=True)
        rows = [r for r in structure_all(answer.items, wire.Leverage, answer.evidence)
                if r.inst_id in ("", symbol)]
        if not rows:
            raise ExchangeProtocolError(f"leverage-info of {symbol}: no row", answer.evidence)
        try:
            levers = {Decimal(r.lever) for r in rows}
        except ArithmeticError:
            raise ExchangeProtocolError(f"leverage-info of {symbol}: lever is not a number",
                                        answer.evidence) from None
        return Leverage(symbol, levers.pop() if len(levers) == 1 else None, answer.evidence)

    async def set_leverage(self, symbol: str, leverage: int) -> SettingApplied:
        if isinstance(leverage, bool) or not isinstance(leverage, int) or leverage < 1:
            raise ValueError(f"leverage must be a positive int, got {leverage!r}")
        body = unstructure(wire.SetLeverage(inst_id=symbol, lever=str(leverage),
                                            mgn_mode=self._config.td_mode))
        # setting the same leverage twice is harmless, so this is retried like a read
        answer = await self._rest.read("POST", "/api/v5/account/set-leverage", body=body,
                                       signed=True)
        item = first(answer, wire.Leverage, "set-leverage")
        return SettingApplied("leverage", item.lever, answer.evidence)

    async def set_position_mode_one_way(self) -> SettingApplied:
        self._pos_mode = None  # whatever happens, the next order reads the mode afresh
        body = unstructure(wire.SetPositionMode(pos_mode=NET_MODE))
        answer = await self._rest.read("POST", "/api/v5/account/set-position-mode", body=body,
                                       signed=True)
        item = first(answer, wire.PositionMode, "set-position-mode")
        if item.pos_mode in (NET_MODE, LONG_SHORT_MODE):
            self._pos_mode = item.pos_mode
        return SettingApplied("pos_mode", item.pos_mode, answer.evidence)


def _equities(answer: Answer) -> Equities:
    """details[ccy].eq of each listed currency (cash balance + unrealized PnL, in ccy)."""
    balance = first(answer, wire.Balance, "balance")
    found = {d.ccy: Equity(d.ccy, d.eq, f"details[ccy={d.ccy}].eq", answer.evidence)
             for d in balance.details if d.eq is not None}
    empty = tuple(d.ccy for d in balance.details if d.eq is None)
    return Equities(found, "details[ccy={ccy}] absent: OKX lists only non-zero balances",
                    answer.evidence, empty)


def margin_used(acct_lv: str, balance: wire.Balance, detail: wire.BalanceDetail | None
                ) -> Decimal:
    """Initial margin of positions plus order-frozen margin, in the detail's currency.

    Futures mode (2) fills it per currency: details.imr (cross positions; "" when there are
    none), isolated margin (isoEq - isoUpl) and ordFrozen. The multi-currency (3) and
    portfolio (4) modes pool margin: details.imr is "" and the account's requirement
    (positions and pending orders) is the top-level imr in USD, converted at eq / eqUsd.
    A spot-mode account (1) holds no swap positions: only its frozen balance counts.
    """
    if acct_lv == "2":
        if detail is None:
            return ZERO
        isolated = _first_of(detail.iso_eq) - _first_of(detail.iso_upl)
        return _first_of(detail.imr) + isolated + _first_of(detail.ord_frozen)
    if acct_lv in ("3", "4"):
        if balance.imr is None:
            raise ValueError(f"account imr is empty in account mode {acct_lv}")
        if detail is None or not detail.eq or not detail.eq_usd:
            return balance.imr  # no rate to convert at: a USD stablecoin is taken at par
        return balance.imr * detail.eq / detail.eq_usd
    if acct_lv == "1":
        return _first_of(detail.frozen_bal) if detail is not None else ZERO
    raise ValueError(f"unknown account mode acctLv={acct_lv!r}")


def _first_of(*values: Decimal | None) -> Decimal:
    return next((v for v in values if v is not None), ZERO)
