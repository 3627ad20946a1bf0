"""BinanceApi: every Binance endpoint the face serves, as a call on the core (thread-safe).

Account settings: leverage per symbol, margin type per symbol (CROSSED/ISOLATED), position
mode account-wide (one-way = the core's net mode, hedge = long/short mode).
"""

from decimal import Decimal

from simulator.binance import account_views as av
from simulator.binance import market as m
from simulator.binance import params as p
from simulator.binance.api_algos import AlgoApi
from simulator.binance.errors import BinanceError, invalid
from simulator.core.locking import locked
from simulator.core.models import Position

MARGIN_TYPES = {"CROSSED": "cross", "ISOLATED": "isolated"}
SUCCESS = {"code": 200, "msg": "success"}


class BinanceApi(AlgoApi):
    # -- market data --------------------------------------------------------------------
    @locked
    def server_time(self) -> dict[str, object]:
        return {"serverTime": self.state.now()}

    @locked
    def exchange_info(self) -> dict[str, object]:
        return m.exchange_info(self.state)

    @locked
    def klines(self, params: p.Params) -> list[list[object]]:
        return m.klines(self.state, params, m.symbol_of(self.state, params))

    @locked
    def premium_index(self, params: p.Params) -> object:
        return m.many(self.state, params, m.premium_index)

    @locked
    def funding_rate(self, params: p.Params) -> object:
        limit = p.integer(params, "limit", 100, 1, 1000)
        symbols = [m.symbol_of(self.state, params)] if params.get("symbol") else list(
            self.state.instruments)
        return [row for s in symbols for row in m.funding_history(self.state, s, limit)]

    @locked
    def open_interest(self, params: p.Params) -> dict[str, object]:
        return m.open_interest(self.state, m.symbol_of(self.state, params))

    @locked
    def ticker_price(self, params: p.Params) -> object:
        return m.many(self.state, params, m.price_ticker)

    @locked
    def book_ticker(self, params: p.Params) -> object:
        return m.many(self.state, params, m.book_ticker)

    @locked
    def ticker_24h(self, params: p.Params) -> object:
        return m.many(self.state, params, m.ticker_24h)

    @locked
    def depth(self, params: p.Params) -> dict[str, object]:
        return m.depth(self.state, params, m.symbol_of(self.state, params))

    # -- account ------------------------------------------------------------------------
    @locked
    def balances(self) -> list[dict[str, object]]:
        return av.balances(self.state)

    @locked
    def account(self, version: int) -> dict[str, object]:
        return av.account(self.state, version)

    @locked
    def position_risk(self, params: p.Params, version: int) -> list[dict[str, object]]:
        """v3: symbols with a position or open orders; v2: every symbol."""
        state = self.state
        wanted = m.symbol_of(state, params) if params.get("symbol") else ""
        rows = []
        for symbol in state.instruments:
            if wanted and symbol != wanted:
                continue
            held = [x for x in state.account.open_positions() if x.inst_id == symbol]
            if held:
                rows += [av.position_risk(state, x, version) for x in held]
            elif version == 2 or state.live[symbol]:
                rows.append(av.position_risk(state, self._flat(symbol), version))
        return rows

    def _flat(self, symbol: str) -> Position:
        mode = self.td_mode(symbol)
        return Position(symbol, mode, "net", "0", self.state.instruments[symbol].settle_ccy,
                        0, 0, lever=self.state.account.lever(symbol, mode, "net"))

    @locked
    def symbol_config(self, params: p.Params) -> list[dict[str, object]]:
        symbols = [m.symbol_of(self.state, params)] if params.get("symbol") else list(
            self.state.instruments)
        return [{"symbol": s, "marginType": "ISOLATED" if self.td_mode(s) == "isolated"
                 else "CROSSED", "isAutoAddMargin": False,
                 "leverage": int(self.state.account.lever(s, self.td_mode(s), "net")),
                 "maxNotionalValue": "5000000"} for s in symbols]

    @locked
    def set_leverage(self, params: p.Params) -> dict[str, object]:
        symbol = m.symbol_of(self.state, params)
        raw = p.required(params, "leverage")
        inst = self.state.instruments[symbol]
        if not raw.isdigit() or not 1 <= int(raw) <= inst.max_lever:
            raise BinanceError(-4028, raw)
        for mode in ("cross", "isolated"):
            for side in ("net", "long", "short"):
                self.state.account.set_lever(symbol, mode, side, Decimal(raw))
        return {"leverage": int(raw), "maxNotionalValue": "5000000", "symbol": symbol}

    @locked
    def set_margin_type(self, params: p.Params) -> dict[str, object]:
        symbol = m.symbol_of(self.state, params)
        raw = p.required(params, "marginType")
        if raw not in MARGIN_TYPES:
            raise invalid("marginType")
        if self.td_mode(symbol) == MARGIN_TYPES[raw]:
            raise BinanceError(-4046)
        if self.state.live[symbol]:
            raise BinanceError(-4047, msg="Margin type cannot be changed if there exists open "
                               "orders.")
        if any(x.inst_id == symbol for x in self.state.account.open_positions()):
            raise BinanceError(-4048, msg="Margin type cannot be changed if there exists "
                               "position.")
        self.state.account.margin_modes[symbol] = MARGIN_TYPES[raw]
        return SUCCESS

    @locked
    def position_mode(self) -> dict[str, object]:
        return {"dualSidePosition": self.state.account.pos_mode == "long_short_mode"}

    @locked
    def set_position_mode(self, params: p.Params) -> dict[str, object]:
        hedge = p.boolean(params, "dualSidePosition") if params.get(
            "dualSidePosition") else None
        if hedge is None:
            raise BinanceError(-1102, "dualSidePosition")
        wanted = "long_short_mode" if hedge else "net_mode"
        account = self.state.account
        if account.pos_mode == wanted:
            raise BinanceError(-4059)
        if any(self.state.live.values()):
            raise BinanceError(-4067)
        if account.open_positions():
            raise BinanceError(-4068)
        account.pos_mode = wanted
        return SUCCESS

    @locked
    def multi_assets_mode(self) -> dict[str, object]:
        return {"multiAssetsMargin": False}

    @locked
    def commission_rate(self, params: p.Params) -> dict[str, object]:
        symbol = m.symbol_of(self.state, params)
        config = self.state.config
        return {"symbol": symbol, "makerCommissionRate": str(config.maker_fee),
                "takerCommissionRate": str(config.taker_fee), "rpiCommissionRate": "0"}

    @locked
    def leverage_brackets(self, params: p.Params) -> object:
        symbols = [m.symbol_of(self.state, params)] if params.get("symbol") else list(
            self.state.instruments)
        rows = [{"symbol": s, "notionalCoef": 1.0, "brackets": [
            {"bracket": 1, "initialLeverage": self.state.instruments[s].max_lever,
             "notionalCap": 5000000, "notionalFloor": 0, "maintMarginRatio": 0.004,
             "cum": 0.0}]} for s in symbols]
        return rows[0] if params.get("symbol") else rows
