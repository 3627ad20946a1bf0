"""The cyclic garbage collector during a command's start-up (issue 14 P3).

A command imports a few hundred modules and builds its container before it does anything;
every collection the GC runs meanwhile walks all of that (~30 ms of `status`), and none of it
is garbage: modules, classes and providers live as long as the process. So the CLI's main()
pauses the GC, and the command resumes it where its real work starts (lifecycle.run for the
engine commands, before `sim serve` serves): what start-up built is frozen (moved out of the
collected generations, as the interpreter's own gc.freeze() documentation advises for objects
that live for the process), and the collector then runs as always, over what the command
itself allocates. Outside main() (tests, embedders) nothing is paused and resume() does
nothing."""

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Idempotent: only a pause() of this module is undone."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def paused() -> bool:
    return _paused
