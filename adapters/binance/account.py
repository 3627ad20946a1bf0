"""Account reads and settings; also the cached position mode orders are shaped by.

Balances are the margin asset's row (USDC for USDC-M) of GET /fapi/v3/account; positions come
from GET /fapi/v3/positionRisk (symbols with a position or open orders), with leverage and
margin type from GET /fapi/v1/symbolConfig (v3 positionRisk no longer carries them).
"""

from decimal import Decimal

from adapters.binance import wire
from adapters.binance.config import BinanceConfig
from adapters.binance.converter import structure_list, structure_one
from adapters.binance.rest import Answer, BinanceRest
from adapters.binance.translate import margin_mode, protocol_guard, to_position
from adapters.common.single_flight import SingleFlight
from domain.numbers import ZERO
from domain.orders import PositionSide
from ports.errors import ExchangeProtocolError, ExchangeRejected
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
DUAL_PATH = "/fapi/v1/positionSide/dual"
NO_CHANGE_NEEDED = "-4059"  # "No need to change position side."


class BinanceAccount:
    def __init__(self, rest: BinanceRest, config: BinanceConfig) -> None:
        self._rest = rest
        self._config = config
        self._hedged: bool | None = None
        self._reading_mode = SingleFlight(self._read_mode)

    async def hedged(self) -> bool:
        """Hedge (dual-side) mode? Read once from positionSide/dual (concurrent orders share
        the read); raises if unreadable."""
        if self._hedged is None:
            self._hedged = await self._reading_mode()
        return self._hedged

    async def _read_mode(self) -> bool:
        answer = await self._rest.read("GET", DUAL_PATH)
        return structure_one(answer.payload, wire.PositionMode, answer.evidence) \
            .dual_side_position

    async def pos_mode(self) -> str:
        return LONG_SHORT_MODE if await self.hedged() else NET_MODE

    async def get_account_config(self) -> AccountConfig:
        """Position mode and whether the key may trade (v2 account's canTrade); Binance has no
        account level, so acct_lv is ""."""
        self._hedged = None
        mode = await self.pos_mode()
        answer = await self._rest.read("GET", "/fapi/v2/account")
        account = structure_one(answer.payload, wire.Account, answer.evidence)
        perm = "read_only,trade" if account.can_trade else "read_only"
        return AccountConfig(mode, "", perm, answer.evidence)

    async def _asset(self, asset: str) -> tuple[wire.AccountAsset | None, Answer]:
        answer = await self._rest.read("GET", "/fapi/v3/account")
        account = structure_one(answer.payload, wire.Account, answer.evidence)
        return next((a for a in account.assets if a.asset == asset), None), answer

    async def get_balances(self) -> Balances:
        """Equity (marginBalance: wallet + unrealized PnL), available balance and the initial
        margin of positions and open orders, all of the margin asset; an asset Binance does not
        list holds nothing."""
        ccy = self._config.margin_asset
        row, answer = await self._asset(ccy)
        if row is None:
            return Balances(ccy, ZERO, ZERO, ZERO, answer.evidence)
        return Balances(ccy, row.margin_balance, row.available_balance or ZERO,
                        row.initial_margin or ZERO, answer.evidence)

    async def get_balance_equity(self, ccy: str) -> Equity:
        return (await self.get_equities()).of(ccy)

    async def get_equities(self) -> Equities:
        """assets[].marginBalance of every asset the account lists (wallet + unrealized PnL)."""
        answer = await self._rest.read("GET", "/fapi/v3/account")
        account = structure_one(answer.payload, wire.Account, answer.evidence)
        found = {a.asset: Equity(a.asset, a.margin_balance, f"assets[asset={a.asset}]"
                                 ".marginBalance", answer.evidence) for a in account.assets}
        return Equities(found, "assets[asset={ccy}] absent: Binance lists only the account's "
                               "assets", answer.evidence)

    async def _symbol_config(self) -> dict[str, wire.SymbolConfig]:
        answer = await self._rest.read("GET", "/fapi/v1/symbolConfig")
        rows = structure_list(answer.payload, wire.SymbolConfig, answer.evidence)
        return {row.symbol: row for row in rows}

    async def get_positions(self) -> Positions:
        """Every non-flat position by symbol. Both legs of a hedge-mode position on one symbol
        cannot be one snapshot: that is refused rather than merged."""
        answer = await self._rest.read("GET", "/fapi/v3/positionRisk")
        rows = [r for r in structure_list(answer.payload, wire.PositionRisk, answer.evidence)
                if r.position_amt != 0]
        configs = await self._symbol_config() if rows else {}
        by_symbol: dict[str, PositionSnapshot] = {}
        with protocol_guard("position", answer.evidence):
            for row in rows:
                config = configs.get(row.symbol)
                snapshot = to_position(row, Decimal(config.leverage) if config else ZERO,
                                       margin_mode(config.margin_type) if config else "")
                if snapshot.side is PositionSide.NONE:
                    continue
                if snapshot.inst_id in by_symbol:
                    raise ValueError(f"{snapshot.inst_id} is held long and short at once; "
                                     "the engine needs one-way mode")
                by_symbol[snapshot.inst_id] = snapshot
        return Positions(by_symbol, answer.evidence)

    async def get_leverage(self, symbol: str) -> Leverage:
        """symbolConfig?symbol=: the symbol's leverage (one-way and hedge share it)."""
        answer = await self._rest.read("GET", "/fapi/v1/symbolConfig", {"symbol": symbol})
        rows = [r for r in structure_list(answer.payload, wire.SymbolConfig, answer.evidence)
                if r.symbol == symbol]
        if not rows:
            raise ExchangeProtocolError(f"symbolConfig of {symbol}: no row", answer.evidence)
        return Leverage(symbol, Decimal(rows[0].leverage), answer.evidence)

    async def set_leverage(self, symbol: str, leverage: int) -> SettingApplied:
        if isinstance(leverage, bool) or not isinstance(leverage, int) or leverage < 1:
            raise ValueError(f"leverage must be a positive int, got {leverage!r}")
        # setting the same leverage twice is harmless, so this is retried like a read
        answer = await self._rest.read("POST", "/fapi/v1/leverage",
                                       {"symbol": symbol, "leverage": str(leverage)})
        item = structure_one(answer.payload, wire.LeverageSet, answer.evidence)
        return SettingApplied("leverage", str(item.leverage), answer.evidence)

    async def set_position_mode_one_way(self) -> SettingApplied:
        """dualSidePosition=false; Binance's "no need to change" (-4059) means it already is."""
        self._hedged = None  # whatever happens, the next order reads the mode afresh
        try:
            answer = await self._rest.read("POST", DUAL_PATH, {"dualSidePosition": "false"})
        except ExchangeRejected as exc:
            if exc.code != NO_CHANGE_NEEDED:
                raise
            return SettingApplied("pos_mode", NET_MODE, self._rest.evidence_of(exc, DUAL_PATH))
        self._hedged = False
        return SettingApplied("pos_mode", NET_MODE, answer.evidence)

