"""The invariant-checked simulation, in the suite: fixed seeds, derandomized, bounded."""

import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.invariants.machine import EngineMachine

# INVARIANTS_SHRINK=0 reports a failing sequence as found (no shrinking), for quick iteration
PHASES = tuple(Phase) if os.environ.get("INVARIANTS_SHRINK", "1") != "0" else (
    Phase.explicit, Phase.reuse, Phase.generate)
SUITE = settings(max_examples=12, stateful_step_count=25, derandomize=True, deadline=None,
                 database=None, print_blob=True, phases=PHASES,
                 suppress_health_check=list(HealthCheck))


def test_random_operation_sequences_keep_every_invariant_at_the_exchange() -> None:
    run_state_machine_as_test(EngineMachine, settings=SUITE)
