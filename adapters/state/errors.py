"""Errors of the JSON state store, declared by the port so callers need not import adapters."""

from pathlib import Path

from ports.state import StateStoreCorrupt, StateStoreError, StateStoreLocked


class StateStoreInsecure(StateStoreError):
    """A state file, or the directory holding it, that another user could rewrite: positions and
    stop ids read from it could be someone else's. Refused before anything is read or sent."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path} {problem}; refusing a state store another user could rewrite "
                         "(files chmod 600, directories chmod 700, owned by this user)")


__all__ = ["StateStoreCorrupt", "StateStoreError", "StateStoreInsecure", "StateStoreLocked"]
