"""StateStore: the root of restart recovery (seed 001 §2)."""

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from domain.logs import LogEvent
from domain.state import SymbolState


class StateStoreError(Exception):
    """Root of state store errors."""


class StateStoreCorrupt(StateStoreError):
    """A persisted file that cannot be read back exactly. The file is left as it was: a store that
    may hold open positions is never reset or renamed behind the operator's back."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        listed = "; ".join(self.problems)
        super().__init__(f"{path} cannot be loaded: {listed}. The file was left untouched; "
                         "repair or move it by hand before starting again.")


class StateStoreLocked(StateStoreError):
    """Another live process holds the store: two engines must never write one store."""

    def __init__(self, lock_path: Path, holder: str) -> None:
        self.lock_path = lock_path
        self.holder = holder
        super().__init__(f"state store locked by process {holder} ({lock_path}); stop that "
                         "engine first, or give this one its own state_path")


# runtime-checkable for the container: Dependency(instance_of=...) checks it when wiring
@runtime_checkable
class StateStore(Protocol):
    def load(self) -> None:
        """Read the persisted state; a missing store means defaults, a corrupt one is an error."""
        ...

    def flush(self) -> None:
        """Persist atomically (temp file, fsync, rename, fsync of the directory)."""
        ...

    def get_symbol_state(self, symbol: str) -> SymbolState:
        """The symbol's state, or the default state if it has none yet."""
        ...

    def set_symbol_state(self, symbol: str, state: SymbolState) -> None:
        """Replace the symbol's state in memory; flush() persists it."""
        ...

    def append_event(self, event: LogEvent) -> None:
        """Append one event to the durable event log."""
        ...

    def symbols(self) -> tuple[str, ...]:
        """Every symbol the store has state for."""
        ...

    def close(self) -> None:
        """Release the store (and its lock) for other processes."""
        ...
