"""Time, injected: the domain never reads a clock and tests never sleep for real."""

from typing import Protocol, runtime_checkable


# runtime-checkable for the container: Dependency(instance_of=...) checks it when wiring
@runtime_checkable
class Clock(Protocol):
    def now_ms(self) -> int:
        """Wall-clock time, Unix epoch milliseconds."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes backwards; for deadlines."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait; a test clock advances virtual time instead."""
        ...
