"""Progress: where a multi-step use-case reports each step as it happens (a CLI prints it)."""

from typing import Protocol, runtime_checkable


# runtime-checkable for the container: Dependency(instance_of=...) checks it when wiring
@runtime_checkable
class Progress(Protocol):
    def step(self, text: str) -> None:
        """One step done (or begun), in words an operator reads."""
        ...


class Silent:
    """Progress that goes nowhere: the default for embedders and tests."""

    def step(self, text: str) -> None:
        return None
