"""The CLI's exit codes, one per kind of outcome, so a caller can act on the number alone."""

import enum


class ExitCode(enum.IntEnum):
    DONE = 0
    # an operation failed at the exchange (rejected, unreachable, an answer we cannot read);
    # nothing is left half done that needs a human
    EXCHANGE_FAILED = 1
    # bad input or configuration: refused before any order was sent
    BAD_INPUT = 2
    # an outcome is unknown, a position may be unprotected, or the engine met an error it did
    # not expect: look at the exchange (`status`) before doing anything else
    NEEDS_ATTENTION = 3
    # valid input that the engine's rules refuse now (a lock or cooldown, the risk budget, a
    # position already open): the order asked for was not sent (the recovery that runs first
    # may still have repaired stops; the result's `recovery` says so)
    REFUSED = 4
    # stopped by Ctrl-C (128 + SIGINT, as shells report it)
    INTERRUPTED = 130
    # stopped by SIGTERM (128 + 15); like Ctrl-C, the run directory is still packaged
    TERMINATED = 143
