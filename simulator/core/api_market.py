"""Public market data and account calls of the core, as OKX `data` lists."""

from decimal import Decimal

from simulator.core import params as p
from simulator.core.account_views import balance_view, config_view
from simulator.core.errors import ApiError, ItemError
from simulator.core.locking import locked
from simulator.core.market_views import (
    funding_view,
    mark_view,
    open_interest_view,
    price_limit_view,
    ticker_view,
)
from simulator.core.numbers import fmt, parse_decimal
from simulator.core.state import ExchangeState
from simulator.core.views import position_view

Data = list[dict[str, object]]
INST_TYPES = ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION")
MAX_BOOK_DEPTH = 400


class MarketApi:
    state: ExchangeState

    def _inst_id(self, params: p.Params, name: str = "instId") -> str:
        inst_id = p.required(params, name)
        if inst_id not in self.state.instruments:
            raise ApiError("51001")
        return inst_id

    def _inst_ids(self, params: p.Params) -> list[str]:
        inst_id = p.text(params, "instId")
        if inst_id:
            return [self._inst_id(params)]
        family = p.text(params, "instFamily") or p.text(params, "uly")
        return [i for i, inst in self.state.instruments.items()
                if not family or inst.inst_family == family]

    @locked
    def instruments(self, params: p.Params) -> Data:
        inst_type = p.required(params, "instType")
        if inst_type not in INST_TYPES:
            raise ApiError("51000", "instType")
        if inst_type != "SWAP":
            return []
        return [self.state.instruments[i].to_wire() for i in self._inst_ids(params)]

    @locked
    def server_time(self) -> Data:
        return [{"ts": str(self.state.now())}]

    @locked
    def ticker(self, params: p.Params) -> Data:
        return [ticker_view(self.state, self._inst_id(params))]

    @locked
    def tickers(self, params: p.Params) -> Data:
        if p.required(params, "instType") != "SWAP":
            return []
        return [ticker_view(self.state, i) for i in self._inst_ids(params)]

    @locked
    def books(self, params: p.Params) -> Data:
        """`sz` levels a side (default 1, at most 400), one tick apart around last."""
        inst_id = self._inst_id(params)
        raw = p.text(params, "sz") or "1"
        if not raw.isdigit() or not 0 < int(raw) <= MAX_BOOK_DEPTH:
            raise ApiError("51000", "sz")
        tick = self.state.instruments[inst_id].tick_sz
        last = self.state.quotes[inst_id].last
        depth = int(raw)
        asks = [[fmt(last + k * tick), str(120 + 35 * (k - 1)), "0", str(3 + k % 4)]
                for k in range(1, depth + 1)]
        bids = [[fmt(last - k * tick), str(95 + 40 * (k - 1)), "0", str(2 + k % 5)]
                for k in range(1, depth + 1) if last - k * tick > 0]
        return [{"asks": asks, "bids": bids, "ts": str(self.state.now())}]

    @locked
    def candles(self, params: p.Params, max_limit: int = 300) -> Data:
        inst_id = self._inst_id(params)
        after, before = p.text(params, "after"), p.text(params, "before")
        book = self.state.candles[inst_id]
        book.roll(self.state.now(), self.state.quotes[inst_id].last)
        try:
            rows = book.rows(p.text(params, "bar") or "1m", self.state.now(),
                             self.state.instruments[inst_id].ct_val,
                             p.limit(params, 100, max_limit),
                             int(after) if after.isdigit() else None,
                             int(before) if before.isdigit() else None)
        except ItemError as bad:
            raise ApiError(bad.code, msg=bad.msg) from None
        return rows  # type: ignore[return-value]

    @locked
    def candle_rows(self, inst_id: str, bar: str, limit: int = 1) -> list[list[str]]:
        book = self.state.candles[inst_id]
        book.roll(self.state.now(), self.state.quotes[inst_id].last)
        return book.rows(bar, self.state.now(), self.state.instruments[inst_id].ct_val, limit)

    @locked
    def mark_price(self, params: p.Params) -> Data:
        p.required(params, "instType")
        return [mark_view(self.state, i) for i in self._inst_ids(params)]

    @locked
    def funding_rate(self, params: p.Params) -> Data:
        if p.required(params, "instId") == "ANY":
            return [funding_view(self.state, i) for i in self.state.instruments]
        return [funding_view(self.state, self._inst_id(params))]

    @locked
    def open_interest(self, params: p.Params) -> Data:
        p.required(params, "instType")
        return [open_interest_view(self.state, i) for i in self._inst_ids(params)]

    @locked
    def price_limit(self, params: p.Params) -> Data:
        return [price_limit_view(self.state, self._inst_id(params))]

    # -- account ------------------------------------------------------------------------
    @locked
    def account_config(self) -> Data:
        return [config_view(self.state)]

    @locked
    def balance(self, params: p.Params) -> Data:
        ccys = [c for c in p.text(params, "ccy").split(",") if c]
        return [balance_view(self.state, ccys or None)]

    @locked
    def positions(self, params: p.Params) -> Data:
        inst_ids = [i for i in p.text(params, "instId").split(",") if i]
        pos_ids = [i for i in p.text(params, "posId").split(",") if i]
        inst_type = p.text(params, "instType")
        if inst_type and inst_type != "SWAP":
            return []
        return [position_view(self.state, pos) for pos in self.state.account.open_positions()
                if (not inst_ids or pos.inst_id in inst_ids)
                and (not pos_ids or pos.pos_id in pos_ids)]

    @locked
    def set_leverage(self, params: p.Params) -> Data:
        lever_raw = p.required(params, "lever")
        mgn_mode = p.required(params, "mgnMode")
        inst_id = self._inst_id(params)
        if mgn_mode not in ("cross", "isolated"):
            raise ApiError("51000", "mgnMode")
        lever = parse_decimal(lever_raw, "lever")
        if lever < 1:
            raise ApiError("51000", "lever")
        if lever > self.state.instruments[inst_id].max_lever:
            raise ApiError("59102")
        pos_side = p.text(params, "posSide")
        hedged_isolated = (self.state.account.pos_mode == "long_short_mode"
                           and mgn_mode == "isolated")
        if hedged_isolated and pos_side not in ("long", "short"):
            raise ApiError("51000", "posSide")
        self.state.account.set_lever(inst_id, mgn_mode, pos_side, lever)
        return [{"lever": fmt(lever), "mgnMode": mgn_mode, "instId": inst_id,
                 "posSide": pos_side if hedged_isolated else "net"}]

    @locked
    def leverage_info(self, params: p.Params) -> Data:
        mgn_mode = p.required(params, "mgnMode")
        out: Data = []
        for inst_id in p.required(params, "instId").split(","):
            if inst_id not in self.state.instruments:
                raise ApiError("51001")
            sides = ["long", "short"] if (self.state.account.pos_mode == "long_short_mode"
                                           and mgn_mode == "isolated") else ["net"]
            for side in sides:
                lever: Decimal = self.state.account.lever(inst_id, mgn_mode, side)
                out.append({"instId": inst_id, "mgnMode": mgn_mode, "posSide": side,
                            "lever": fmt(lever), "ccy": ""})
        return out

    @locked
    def set_position_mode(self, params: p.Params) -> Data:
        mode = p.required(params, "posMode")
        if mode not in ("long_short_mode", "net_mode"):
            raise ApiError("51000", "posMode")
        busy = self.state.account.open_positions() or any(self.state.live.values())
        if busy and mode != self.state.account.pos_mode:
            raise ApiError("59000")
        self.state.account.pos_mode = mode
        return [{"posMode": mode}]
