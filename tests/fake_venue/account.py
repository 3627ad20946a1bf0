"""FakeAccount: ports.account.Account over a FakeBook."""

from decimal import Decimal

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
from tests.fake_venue.book import FakeBook

D = Decimal


class FakeAccount:
    def __init__(self, book: FakeBook) -> None:
        self._book = book

    async def get_account_config(self) -> AccountConfig:
        book = self._book
        book.scripted_result("get_account_config")
        return AccountConfig(book.pos_mode, book.acct_lv, "read_only,trade",
                             book.evidence("GET account/config"))

    async def get_balance_equity(self, ccy: str) -> Equity:
        self._book.scripted_result("get_balance_equity")
        return self._equities().of(ccy)

    async def get_equities(self) -> Equities:
        self._book.scripted_result("get_equities")
        return self._equities()

    def _equities(self) -> Equities:
        evidence = self._book.evidence("GET account/balance")
        return Equities({ccy: Equity(ccy, eq, "details.eq", evidence)
                         for ccy, eq in self._book.equity.items()},
                        "{ccy} not listed", evidence)

    async def get_balances(self) -> Balances:
        self._book.scripted_result("get_balances")
        equity, available, used = self._book.balances
        return Balances("USDT", equity, available, used, self._book.evidence("GET balance"))

    async def get_positions(self) -> Positions:
        book = self._book
        book.scripted_result("get_positions")
        snaps = {inst: PositionSnapshot(inst, side, qty, entry, D(0), D(3), book.prices[inst],
                                        "cross")
                 for inst, (side, qty, entry) in book.positions.items()}
        return Positions(snaps, book.evidence("GET account/positions"))

    async def get_leverage(self, symbol: str) -> Leverage:
        self._book.scripted_result("get_leverage")
        return Leverage(symbol, self._book.leverage.get(symbol, D(1)),
                        self._book.evidence("GET account/leverage-info"))

    async def set_leverage(self, symbol: str, leverage: int) -> SettingApplied:
        self._book.scripted_result("set_leverage")
        self._book.leverage[symbol] = D(leverage)
        return SettingApplied("lever", str(leverage),
                              self._book.evidence("POST account/set-leverage"))

    async def set_position_mode_one_way(self) -> SettingApplied:
        self._book.scripted_result("set_position_mode_one_way")
        self._book.pos_mode = "net_mode"
        return SettingApplied("posMode", "net_mode",
                              self._book.evidence("POST set-position-mode"))
