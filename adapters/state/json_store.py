"""JsonFileStateStore: seed 001 §2's StateStore as one JSON document, replaced atomically."""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from cattrs import BaseValidationError, transform_error

from adapters.state.atomic import atomic_write_bytes, make_private_dirs
from adapters.state.converter import state_converter
from adapters.state.errors import StateStoreCorrupt, StateStoreError
from adapters.state.events import append_event_line, encode_event
from adapters.state.lock import StoreLock
from adapters.state.private import refuse_shared
from domain.logs import LogEvent
from domain.state import SymbolState
from ports.clock import Clock

SCHEMA_VERSION = 1


@attrs.frozen
class StateDocument:
    """The file's whole content: {"schema_version": 1, "symbols": {symbol: SymbolState}}."""

    schema_version: int
    symbols: dict[str, SymbolState]


class JsonFileStateStore:
    """Per-symbol state in one JSON file plus an append-only events.jsonl beside it.

    Meant for one writer (the engine's event loop); flush() is the only call that writes the
    state file, and it refuses to run over a file that exists but was never loaded.
    """

    def __init__(self, path: Path, *, events_path: Path | None = None,
                 clock: Clock | None = None) -> None:
        self._path = path
        self._events_path = events_path or path.with_name("events.jsonl")
        self._clock = clock
        self._converter = state_converter()
        self._states: dict[str, SymbolState] = {}
        self._loaded = False
        self._read_only = False
        self._lock = StoreLock(path.with_name(path.name + ".lock"))

    @property
    def path(self) -> Path:
        return self._path

    @property
    def events_path(self) -> Path:
        return self._events_path

    def load(self) -> None:
        """Read the state file; missing means no state yet, unreadable raises StateStoreCorrupt,
        held by another live process raises StateStoreLocked, writable by another user raises
        StateStoreInsecure."""
        self._refuse_shared()
        self._lock.acquire()
        self._read_only = False
        self._loaded = False
        self._states = {}
        if not self._path.exists():
            self._loaded = True
            return
        try:
            self._states = self._decode(self._path.read_bytes())
        except BaseException:
            self._lock.release()
            raise
        self._loaded = True

    def load_snapshot(self) -> None:
        """Read the state file as last flushed, without taking the lock: for looking at a store
        a running engine holds. The file is only ever replaced whole (rename), so what is read
        is one consistent flush. The store is then read-only: flush and append_event refuse."""
        self._refuse_shared()
        self._read_only = True
        self._loaded = False
        self._states = self._decode(self._path.read_bytes()) if self._path.exists() else {}

    def flush(self) -> None:
        """Persist every symbol's state atomically (temp file, fsync, rename, fsync dir)."""
        self._refuse_read_only("flush")
        if not self._loaded and self._path.exists():
            # writing now would replace positions we never read with whatever is in memory
            raise StateStoreError(f"{self._path} exists but was not loaded; call load() first")
        make_private_dirs(self._path.parent)
        atomic_write_bytes(self._path, self.dumps())

    def close(self) -> None:
        """Release the lock; the store must be loaded again before the next flush."""
        self._lock.release()
        self._loaded = False

    def dumps(self) -> bytes:
        """The exact bytes flush() writes."""
        document = StateDocument(SCHEMA_VERSION, dict(sorted(self._states.items())))
        text = json.dumps(self._converter.unstructure(document), ensure_ascii=False, indent=2)
        return (text + "\n").encode("utf-8")

    def get_symbol_state(self, symbol: str) -> SymbolState:
        """The symbol's state, or a fresh default one."""
        state = self._states.get(symbol)
        return state if state is not None else SymbolState(symbol=symbol)

    def set_symbol_state(self, symbol: str, state: SymbolState) -> None:
        """Replace the symbol's state in memory; flush() persists it."""
        if state.symbol != symbol:
            raise ValueError(f"state of {state.symbol!r} stored under {symbol!r}")
        self._states[symbol] = state

    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted(self._states))

    def append_event(self, event: LogEvent) -> None:
        """Append one event to events.jsonl and fsync it before returning."""
        self._refuse_read_only("append_event")
        logged_ms = self._clock.now_ms() if self._clock else None
        make_private_dirs(self._events_path.parent)
        append_event_line(self._events_path, encode_event(event, logged_ms, self._converter))

    def _refuse_shared(self) -> None:
        refuse_shared(self._path.parent, directory=True)
        refuse_shared(self._path)
        refuse_shared(self._events_path.parent, directory=True)
        refuse_shared(self._events_path)

    def _refuse_read_only(self, what: str) -> None:
        if self._read_only:
            raise StateStoreError(f"{self._path} was read as a snapshot (another engine holds "
                                  f"it): {what} refused")

    def _decode(self, data: bytes) -> dict[str, SymbolState]:
        raw = self._parse(data)
        try:
            document = self._converter.structure(raw, StateDocument)
        except BaseValidationError as exc:
            raise StateStoreCorrupt(self._path, transform_error(exc)) from exc
        mismatched = [f"$.symbols[{key!r}].symbol is {state.symbol!r}"
                      for key, state in document.symbols.items() if state.symbol != key]
        if mismatched:
            raise StateStoreCorrupt(self._path, mismatched)
        return document.symbols

    def _parse(self, data: bytes) -> Mapping[str, Any]:
        try:
            raw = json.loads(data.decode("utf-8"))
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise StateStoreCorrupt(self._path, [f"not valid JSON: {exc}"]) from exc
        if not isinstance(raw, dict):
            raise StateStoreCorrupt(self._path, [f"$ is a JSON {type(raw).__name__}, "
                                                 "expected an object"])
        version = raw.get("schema_version")
        if version != SCHEMA_VERSION:
            raise StateStoreCorrupt(self._path, [
                f"$.schema_version is {version!r}; this program reads {SCHEMA_VERSION} "
                "(a newer program may have written it)"])
        return raw
