"""The open command and what came of it: OpenPositionCommand (the plan on a symbol, with the
scoring fields logged at the gate), OpenOutcome and OpenPositionDone. The use-case is
application/open_position.py, which exports these names too (the embedding import path).
"""

import enum
from decimal import Decimal
from typing import Any

import attrs

from application.notes import Note
from domain.orders import PositionSide
from domain.plan import TradePlan
from domain.regime import Regime, Tier
from domain.state import SymbolState


@attrs.frozen
class OpenPositionCommand:
    """Open the plan on symbol. The scoring fields and the regime are logged with the gate's
    CandidateEvaluation (seed 001 §8)."""

    symbol: str
    plan: TradePlan
    regime: Regime = attrs.field(default=Regime.NONE, converter=Regime)
    template: str = ""
    base_score: float = 0.0
    penalties: tuple[tuple[str, float], ...] = ()
    final_score: float = 0.0
    entry_timeout_s: float = 10.0

    @classmethod
    def of(cls, symbol: str, side: PositionSide, qty: Decimal, stop_price: Decimal,
           tp1_price: Decimal, tp1_qty: Decimal, tp2_price: Decimal, tp2_qty: Decimal,
           intent_id: str, entry_price: Decimal | None = None, tier: Tier = Tier.A,
           **rest: Any) -> "OpenPositionCommand":
        """The command from the plan's fields, as an operator or the Quant service names them."""
        plan = TradePlan(side, qty, stop_price, tp1_price, tp1_qty, tp2_price, tp2_qty,
                         intent_id, Tier(tier), entry_price)
        return cls(symbol, plan, **rest)

    @property
    def intent_id(self) -> str:
        return self.plan.intent_id


class OpenOutcome(enum.StrEnum):
    REJECTED_BY_GATE = "rejected_by_gate"   # the gate refused it; nothing was sent
    ENTRY_REJECTED = "entry_rejected"       # the exchange refused the entry
    ENTRY_NOT_FILLED = "entry_not_filled"   # the entry ended (or never existed) unfilled
    ENTRY_UNKNOWN = "entry_unknown"         # the entry's fate could not be learned
    OPENED = "opened"                       # filled and its stop seen at the exchange
    FLATTENED = "flattened"                 # filled, could not be protected, closed again
    UNPROTECTED = "unprotected"             # filled, neither protected nor closed


@attrs.frozen
class OpenPositionDone:
    """needs_attention: an outcome is still unknown or a position may be open without a
    confirmed stop."""

    status: OpenOutcome
    reason: str
    state: SymbolState
    notes: tuple[Note, ...] = ()

    @property
    def needs_attention(self) -> bool:
        return self.status in (OpenOutcome.ENTRY_UNKNOWN, OpenOutcome.UNPROTECTED) or \
            any(n.needs_attention for n in self.notes)
