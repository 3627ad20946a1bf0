"""One trading account: cash per currency, positions, leverage settings, frozen margin.

Margin model (simplified, documented in README): initial margin = |pos| x ctVal x mark / lever;
an opening order freezes remaining x ctVal x price / lever; maintenance margin is 0.4 % of the
notional; no liquidation engine. Cross and isolated are valued the same way.
"""

from collections.abc import Callable
from decimal import Decimal

from simulator.core.errors import Refused
from simulator.core.instruments import Instrument
from simulator.core.models import ZERO, Order, Position
from simulator.core.prices import Quote

MMR_RATE = Decimal("0.004")
BE_QUANTUM = Decimal("0.00000001")
DEFAULT_LEVER = Decimal(10)
PosKey = tuple[str, str, str]  # instId, mgnMode, posSide


class Account:
    def __init__(self, balances: dict[str, Decimal], instruments: dict[str, Instrument],
                 quotes: dict[str, Quote], new_id: Callable[[str], str]) -> None:
        self.cash = dict(balances)
        self.frozen: dict[str, Decimal] = dict.fromkeys(balances, ZERO)
        self.positions: dict[PosKey, Position] = {}
        self.levers: dict[PosKey, Decimal] = {}
        self.pos_mode = "net_mode"
        # Binance: the margin type is a per-symbol setting rather than a per-order field
        self.margin_modes: dict[str, str] = {}
        self._instruments = instruments
        self._quotes = quotes
        self._new_id = new_id

    # -- leverage -------------------------------------------------------------------------
    def lever_key(self, inst_id: str, mgn_mode: str, pos_side: str) -> PosKey:
        hedged_isolated = self.pos_mode == "long_short_mode" and mgn_mode == "isolated"
        return inst_id, mgn_mode, pos_side if hedged_isolated else ""

    def lever(self, inst_id: str, mgn_mode: str, pos_side: str) -> Decimal:
        return self.levers.get(self.lever_key(inst_id, mgn_mode, pos_side), DEFAULT_LEVER)

    def set_lever(self, inst_id: str, mgn_mode: str, pos_side: str, lever: Decimal) -> None:
        self.levers[self.lever_key(inst_id, mgn_mode, pos_side)] = lever
        for (p_inst, p_mode, p_side), position in self.positions.items():
            if p_inst == inst_id and p_mode == mgn_mode and (
                    not pos_side or p_side in (pos_side, "net")):
                position.lever = lever

    # -- positions ------------------------------------------------------------------------
    def position_key(self, order: Order) -> PosKey:
        pos_side = order.pos_side if self.pos_mode == "long_short_mode" else "net"
        return order.inst_id, order.td_mode, pos_side

    def position(self, key: PosKey) -> Position | None:
        return self.positions.get(key)

    def open_positions(self) -> list[Position]:
        return [p for p in self.positions.values() if p.pos != 0]

    def apply_fill(self, order: Order, px: Decimal, sz: Decimal, fee: Decimal,
                   now: int, trade_id: str) -> tuple[Position, Decimal]:
        """Move the position and the cash for one fill; returns (position, realized pnl)."""
        key = self.position_key(order)
        position = self.positions.get(key)
        if position is None:
            position = Position(order.inst_id, order.td_mode, key[2], self._new_id("pos"),
                                order.settle_ccy, now, now, lever=order.lever)
            self.positions[key] = position
        ct_val = self._instruments[order.inst_id].ct_val
        signed = _signed(position)
        delta = sz if order.side == "buy" else -sz
        pnl = ZERO
        if signed == 0 or (signed > 0) == (delta > 0):
            new = signed + delta
            position.avg_px = (abs(signed) * position.avg_px + sz * px) / abs(new)
        else:
            closing = min(sz, abs(signed))
            pnl = closing * ct_val * (px - position.avg_px) * (1 if signed > 0 else -1)
            new = signed + delta
            if new == 0:
                position.avg_px = ZERO
            elif (new > 0) != (signed > 0):
                position.avg_px = px
        if signed == 0:  # a new position: its lifetime's fees and realized pnl start afresh
            position.c_time = now
            position.realized_pnl = ZERO
            position.fee = ZERO
        position.pos = new if position.pos_side == "net" else abs(new)
        position.realized_pnl += pnl + fee
        position.fee += fee
        position.u_time = now
        position.trade_id = trade_id
        self.cash[order.settle_ccy] = self.cash.get(order.settle_ccy, ZERO) + pnl + fee
        return position, pnl

    # -- valuation ------------------------------------------------------------------------
    def upl(self, position: Position, price: Decimal | None = None) -> Decimal:
        if position.pos == 0:
            return ZERO
        mark = price if price is not None else self._quotes[position.inst_id].mark
        ct_val = self._instruments[position.inst_id].ct_val
        return _signed(position) * ct_val * (mark - position.avg_px)

    def breakeven(self, position: Position, taker_fee: Decimal) -> Decimal | None:
        """The price at which closing at taker fee leaves the position's pnl, net of the fees
        it paid since it opened, at zero (funding is not modelled)."""
        if position.pos == 0:
            return None
        qty = abs(position.pos) * self._instruments[position.inst_id].ct_val
        paid = -position.fee
        if _signed(position) > 0:
            price = (qty * position.avg_px + paid) / (qty * (1 - taker_fee))
        else:
            price = (qty * position.avg_px - paid) / (qty * (1 + taker_fee))
        return price.quantize(BE_QUANTUM)

    def imr(self, position: Position) -> Decimal:
        ct_val = self._instruments[position.inst_id].ct_val
        return abs(position.pos) * ct_val * self._quotes[position.inst_id].mark / position.lever

    def mmr(self, position: Position) -> Decimal:
        ct_val = self._instruments[position.inst_id].ct_val
        return abs(position.pos) * ct_val * self._quotes[position.inst_id].mark * MMR_RATE

    def totals(self, ccy: str) -> dict[str, Decimal]:
        """cash, upl, imr, mmr, frozen (by orders), eq and availEq of one currency."""
        held = [p for p in self.open_positions() if p.ccy == ccy]
        upl = sum((self.upl(p) for p in held), ZERO)
        imr = sum((self.imr(p) for p in held), ZERO)
        mmr = sum((self.mmr(p) for p in held), ZERO)
        cash = self.cash.get(ccy, ZERO)
        frozen = self.frozen.get(ccy, ZERO)
        eq = cash + upl
        return {"cash": cash, "upl": upl, "imr": imr, "mmr": mmr, "frozen": frozen, "eq": eq,
                "avail": eq - imr - frozen}

    def freeze(self, order: Order, amount: Decimal) -> None:
        order.frozen = amount
        self.frozen[order.settle_ccy] = self.frozen.get(order.settle_ccy, ZERO) + amount

    def release(self, order: Order, fraction: Decimal = Decimal(1)) -> None:
        amount = order.frozen * fraction
        order.frozen -= amount
        self.frozen[order.settle_ccy] = self.frozen.get(order.settle_ccy, ZERO) - amount

    def require_margin(self, ccy: str, amount: Decimal) -> None:
        if amount > 0 and amount > self.totals(ccy)["avail"]:
            raise Refused("insufficient_margin", ccy)


def _signed(position: Position) -> Decimal:
    if position.pos_side == "short":
        return -position.pos
    return position.pos
