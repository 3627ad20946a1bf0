"""The risk budget gate."""

from decimal import Decimal

import pytest

from domain.instrument import InstrumentSpec
from domain.logs import GateVerdict
from domain.risk import risk_budget, stop_loss_risk

D = Decimal
BTC = InstrumentSpec("BTC-USDT-SWAP", "SWAP", "live", D("0.1"), D("0.01"), D("0.01"),
                     D("0.01"), D("1"), "USDT")


def test_the_loss_at_the_stop_is_price_distance_times_contracts_times_contract_value() -> None:
    # 10 contracts of 0.01 BTC, 600 USDT from entry to stop: 60 USDT
    assert stop_loss_risk(BTC, D("10"), D("30000"), D("29400")) == D("60.00")
    assert stop_loss_risk(BTC, D("10"), D("29400"), D("30000")) == D("60.00")


@pytest.mark.parametrize(("qty", "allowed"), [("0.10", True), ("83.33", True), ("83.34", False)])
def test_the_gate_passes_up_to_the_budget_and_names_both_numbers_when_it_fails(
        qty: str, allowed: bool) -> None:
    budget = risk_budget(BTC, qty=D(qty), entry=D("30000"), stop=D("29400"),
                         equity=D("100000"), risk_fraction=D("0.005"))
    assert budget.allowed is allowed
    gate = budget.gate()
    assert gate.name == "risk_budget"
    assert (gate.verdict is GateVerdict.PASS) is allowed
    if not allowed:
        assert "500.000" in gate.reason and str(budget.risk) in gate.reason
