"""The risk budget: what a position loses if its initial stop is hit, against the tier's share
of equity. A guard against a size the strategy did not mean, checked before any order."""

from decimal import Decimal

import attrs

from domain.instrument import InstrumentSpec
from domain.logs import GateResult, GateVerdict


@attrs.frozen
class RiskBudget:
    risk: Decimal
    budget: Decimal

    @property
    def allowed(self) -> bool:
        return self.risk <= self.budget

    def gate(self) -> GateResult:
        verdict = GateVerdict.PASS if self.allowed else GateVerdict.FAIL
        reason = "" if self.allowed else (f"stop-loss risk {self.risk} exceeds the tier budget "
                                          f"{self.budget}")
        return GateResult("risk_budget", verdict, reason)


def stop_loss_risk(spec: InstrumentSpec, qty: Decimal, entry: Decimal,
                   stop: Decimal) -> Decimal:
    """Settlement-currency loss of qty contracts from entry to stop (linear contracts)."""
    return abs(entry - stop) * qty * spec.ct_val * spec.ct_mult


def risk_budget(spec: InstrumentSpec, *, qty: Decimal, entry: Decimal, stop: Decimal,
                equity: Decimal, risk_fraction: Decimal) -> RiskBudget:
    return RiskBudget(stop_loss_risk(spec, qty, entry, stop), equity * risk_fraction)
