"""Which recorded call a request is, or the divergence that says it is none.

A request matches on method, path and canonical fields (query, form and JSON body, client ids
included; timestamps and signatures ignored, they differ on every send). Calls are taken in
chain order; a request may match one of the next few pending calls, because the chain holds
concurrent calls (recovery asks about several symbols at once) in the order they *completed*.
The first request that matches none, a call the recording does not have, or a recorded call
never made, is a Divergence, and it is sticky: every later request fails the same way.
"""

import json
from collections.abc import Mapping
from typing import Any

import attrs

from adapters.replay.recording import RecordedCall

# differ on every send by design: never part of what a call *is*
IGNORED_FIELDS = frozenset({"timestamp", "signature"})
WINDOW = 16


@attrs.frozen
class CallKey:
    method: str
    path: str
    fields: Mapping[str, str]
    body: Any

    def show(self) -> str:
        text = f"{self.method} {self.path}"
        if self.fields:
            text += " " + json.dumps(dict(self.fields), sort_keys=True)
        if self.body is not None:
            text += " body " + json.dumps(self.body, sort_keys=True, default=str)
        return text


def canonical_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in sorted(fields.items()) if k not in IGNORED_FIELDS}


def key_of(call: RecordedCall) -> CallKey:
    return CallKey(call.method.upper(), call.path, canonical_fields(call.params), call.body)


class Divergence(Exception):
    """The engine did not do what the recording did; `expected` names the recorded call."""

    def __init__(self, expected: RecordedCall | None, actual: CallKey | None,
                 message: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual

    def describe(self) -> dict[str, Any]:
        return {
            "message": str(self),
            "expected_shard": self.expected.shard if self.expected else None,
            "expected_seq": self.expected.seq if self.expected else None,
            "expected": key_of(self.expected).show() if self.expected else None,
            "actual": self.actual.show() if self.actual else None,
        }


def _differences(expected: CallKey, actual: CallKey) -> str:
    if (expected.method, expected.path) != (actual.method, actual.path):
        return "a different endpoint"
    changed = sorted(k for k in set(expected.fields) | set(actual.fields)
                     if expected.fields.get(k) != actual.fields.get(k))
    if isinstance(expected.body, dict) and isinstance(actual.body, dict):
        changed += [f"body.{k}" for k in sorted(set(expected.body) | set(actual.body))
                    if expected.body.get(k) != actual.body.get(k)]
    elif expected.body != actual.body:
        changed.append("body")
    return "differs in " + ", ".join(changed)


class Matcher:
    def __init__(self, calls: tuple[RecordedCall, ...], window: int = WINDOW) -> None:
        self._calls = calls
        self._keys = [key_of(c) for c in calls]
        self._used = [False] * len(calls)
        self._head = 0  # every call before it is matched
        self._window = window
        self.divergence: Divergence | None = None
        self.matched = 0

    @property
    def pending(self) -> int:
        return len(self._calls) - self.matched

    def _upcoming(self) -> list[int]:
        """The next window pending calls, in chain order."""
        found: list[int] = []
        index = self._head
        while index < len(self._calls) and len(found) < self._window:
            if not self._used[index]:
                found.append(index)
            index += 1
        return found

    def next_call(self) -> tuple[float, float] | None:
        """When the first pending call was sent (wall ms, monotonic s), for the clock."""
        upcoming = self._upcoming()[:1]
        if not upcoming:
            return None
        call = self._calls[upcoming[0]]
        return float(call.wall_ms), call.mono_s

    def match(self, actual: CallKey) -> RecordedCall:
        if self.divergence is not None:
            raise self.divergence
        upcoming = self._upcoming()
        for index in upcoming:
            if self._keys[index] == actual:
                self._used[index] = True
                self.matched += 1
                while self._head < len(self._calls) and self._used[self._head]:
                    self._head += 1
                return self._calls[index]
        if not upcoming:
            raise self._diverge(None, actual, "the engine made a call the recording does not "
                                              f"have: {actual.show()}")
        expected = self._calls[upcoming[0]]
        raise self._diverge(expected, actual, (
            f"replay diverged at {expected.where()}: the recording has "
            f"{key_of(expected).show()}; the engine sent {actual.show()} "
            f"({_differences(key_of(expected), actual)})"))

    def finish(self) -> Divergence | None:
        """The first divergence, or a recorded call the engine never made."""
        upcoming = self._upcoming()[:1]
        if self.divergence is None and upcoming:
            expected = self._calls[upcoming[0]]
            self._diverge(expected, None, (
                f"replay diverged at {expected.where()}: the recording has "
                f"{key_of(expected).show()}; the engine made no such call "
                f"({self.pending} recorded call(s) never made)"))
        return self.divergence

    def _diverge(self, expected: RecordedCall | None, actual: CallKey | None,
                 message: str) -> Divergence:
        self.divergence = Divergence(expected, actual, message)
        return self.divergence
