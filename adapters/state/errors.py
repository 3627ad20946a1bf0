"""Errors of the JSON state store, declared by the port so callers need not import adapters."""

from ports.state import StateStoreCorrupt, StateStoreError, StateStoreLocked

__all__ = ["StateStoreCorrupt", "StateStoreError", "StateStoreLocked"]
