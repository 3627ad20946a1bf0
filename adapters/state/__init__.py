"""The JSON file state store (seed 001 §2) and its event log."""

from adapters.state.errors import StateStoreCorrupt, StateStoreError, StateStoreInsecure
from adapters.state.events import read_events
from adapters.state.json_store import SCHEMA_VERSION, JsonFileStateStore

__all__ = ["SCHEMA_VERSION", "JsonFileStateStore", "StateStoreCorrupt", "StateStoreError",
           "StateStoreInsecure", "read_events"]
