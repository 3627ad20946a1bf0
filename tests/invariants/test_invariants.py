"""The invariant-checked simulation, in the suite: fixed seeds, derandomized, bounded; on the
OKX face and on the Binance face (a smaller budget: bench.invariants runs it longer)."""

import os

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.invariants.machine import MACHINES

# INVARIANTS_SHRINK=0 reports a failing sequence as found (no shrinking), for quick iteration
PHASES = tuple(Phase) if os.environ.get("INVARIANTS_SHRINK", "1") != "0" else (
    Phase.explicit, Phase.reuse, Phase.generate)
SUITE = settings(max_examples=12, stateful_step_count=25, derandomize=True, deadline=None,
                 database=None, print_blob=True, phases=PHASES,
                 suppress_health_check=list(HealthCheck))


BUDGETS = {"okx": SUITE, "binance": settings(SUITE, max_examples=6, stateful_step_count=20)}


@pytest.mark.parametrize("venue", sorted(MACHINES))
def test_random_operation_sequences_keep_every_invariant_at_the_exchange(venue: str) -> None:
    run_state_machine_as_test(MACHINES[venue], settings=BUDGETS[venue])
