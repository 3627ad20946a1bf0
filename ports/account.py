"""Account: balances, positions and account settings (seed 001 §1.2)."""

from typing import Protocol

from ports.exchange_types import (
    AccountConfig,
    Balances,
    Equities,
    Equity,
    Leverage,
    Positions,
    SettingApplied,
)


class Account(Protocol):
    async def get_balances(self) -> Balances:
        """total_equity, available_balance, margin_used in the settlement currency."""
        ...

    async def get_balance_equity(self, ccy: str) -> Equity:
        """The equity of one currency, with the field it was read from (seed 000 §3.2)."""
        ...

    async def get_equities(self) -> Equities:
        """Every currency's equity from one read, each with the field it was read from: open
        asks it together with the instrument and picks the settlement currency's after both
        answered (issue 14 P2)."""
        ...

    async def get_positions(self) -> Positions:
        """Every non-flat position by symbol."""
        ...

    async def get_account_config(self) -> AccountConfig:
        """Position mode, account level and key permissions."""
        ...

    async def get_leverage(self, symbol: str) -> Leverage:
        """The leverage the exchange holds for one contract now (open reads it so it sets
        leverage only when it differs)."""
        ...

    async def set_leverage(self, symbol: str, leverage: int) -> SettingApplied:
        """Set the leverage of one contract."""
        ...

    async def set_position_mode_one_way(self) -> SettingApplied:
        """Switch the account to one-way mode; refused while positions or orders exist."""
        ...
