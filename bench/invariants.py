"""The invariant-checked simulation, longer than the suite runs it.

    python -m bench.invariants --sequences 200 --steps 40 [--seed N] [--shrink]
        [--venue okx|binance]

Each sequence is a fresh simulator and a fresh engine state; each step is one operator action
(see tests/invariants/machine.py) followed by every invariant check at the exchange. Prints
sequences, steps, commands by kind, kills, how many algo-visibility-delay draws were the 60 s
variant, faults by kind and the invariant breaks found (the first failing sequence, shrunk with
--shrink, is printed in full).
"""

import argparse
import random
import sys
import time

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.invariants.machine import MACHINES, Tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--sequences", type=int, default=100)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--venue", choices=sorted(MACHINES), default="okx",
                        help="the simulator face the engine trades on (default okx)")
    parser.add_argument("--shrink", action="store_true",
                        help="shrink a failing sequence to a short counterexample")
    args = parser.parse_args(argv)
    random.seed(args.seed)  # hypothesis draws its seed from the global generator
    phases = tuple(Phase) if args.shrink else (Phase.explicit, Phase.generate)
    run_settings = settings(max_examples=args.sequences, stateful_step_count=args.steps,
                            derandomize=False, deadline=None, database=None, phases=phases,
                            print_blob=True, suppress_health_check=list(HealthCheck))
    started = time.perf_counter()
    breaks = 0
    try:
        run_state_machine_as_test(MACHINES[args.venue], settings=run_settings)
    except AssertionError as failure:
        breaks = 1
        print(failure, file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(f"venue {args.venue}  sequences {Tally.sequences}  steps {Tally.steps}  "
          f"kills {Tally.crashes}  60 s visibility delays {Tally.long_delays} of "
          f"{Tally.faults.get('algo_visibility_delay', 0)}  "
          f"invariant-breaking sequences {breaks}  wall {elapsed:.0f} s "
          f"({Tally.steps / elapsed:.1f} steps/s)")
    print("commands " + ", ".join(f"{k} {v}" for k, v in sorted(Tally.commands.items())))
    print("seconds per command " + ", ".join(
        f"{k} {Tally.seconds[k] / Tally.commands[k]:.2f}" for k in sorted(Tally.seconds)))
    print("faults   " + ", ".join(f"{k} {v}" for k, v in sorted(Tally.faults.items())))
    return 1 if breaks else 0


if __name__ == "__main__":
    sys.exit(main())
