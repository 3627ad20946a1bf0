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

from adapters.replay.recording import RecordedCall, gc_paused

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
    # a dict compares equal whatever its order; show() sorts what it prints
    return {k if k.__class__ is str else str(k): v if v.__class__ is str else str(v)
            for k, v in fields.items() if k not in IGNORED_FIELDS}


def key_of(call: RecordedCall) -> CallKey:
    return CallKey(call.method.upper(), call.path, canonical_fields(call.params), call.body)


class Divergence(Exception):
    """The engine did not do what the recording did: the record expected (shard, seq and
    what it holds) and what the engine did instead (None: nothing)."""

    def __init__(self, message: str, *, shard: str | None = None, seq: int | None = None,
                 expected: str | None = None, actual: str | None = None) -> None:
        super().__init__(message)
        self.shard, self.seq = shard, seq
        self.expected, self.actual = expected, actual

    def describe(self) -> dict[str, Any]:
        return {"message": str(self), "expected_shard": self.shard, "expected_seq": self.seq,
                "expected": self.expected, "actual": self.actual}


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
        with gc_paused():
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

    def first_pending_seq(self) -> int | None:
        # the head is the first pending call: every call before it is matched, and it never
        # rests on a matched one
        return self._calls[self._head].seq if self._head < len(self._calls) else None

    def next_call(self) -> tuple[float, float] | None:
        """When the first pending call was sent (wall ms, monotonic s), for the clock."""
        if self._head >= len(self._calls):
            return None
        call = self._calls[self._head]
        return float(call.wall_ms), call.mono_s

    def _take(self, index: int) -> RecordedCall:
        self._used[index] = True
        self.matched += 1
        while self._head < len(self._calls) and self._used[self._head]:
            self._head += 1
        return self._calls[index]

    def match(self, actual: CallKey) -> RecordedCall:
        if self.divergence is not None:
            raise self.divergence
        head = self._head
        if head < len(self._calls) and self._keys[head] == actual:
            return self._take(head)  # calls mostly come in recorded order
        upcoming = self._upcoming()
        for index in upcoming:
            if self._keys[index] == actual:
                return self._take(index)
        if not upcoming:
            raise self._diverge(None, actual, "the engine made a call the recording does not "
                                              f"have: {actual.show()}")
        expected = self._calls[upcoming[0]]
        raise self._diverge(expected, actual, (
            f"replay diverged at {expected.where()}: the recording has "
            f"{key_of(expected).show()}; the engine sent {actual.show()} "
            f"({_differences(key_of(expected), actual)})"))

    def diverge(self, divergence: Divergence) -> Divergence:
        """Record a divergence found elsewhere (the WS replay); the first one stands."""
        if self.divergence is None:
            self.divergence = divergence
        return self.divergence

    def finish(self) -> Divergence | None:
        """The first divergence, or a recorded call the engine never made."""
        if self.divergence is None and self._head < len(self._calls):
            expected = self._calls[self._head]
            self._diverge(expected, None, (
                f"replay diverged at {expected.where()}: the recording has "
                f"{key_of(expected).show()}; the engine made no such call "
                f"({self.pending} recorded call(s) never made)"))
        return self.divergence

    def _diverge(self, expected: RecordedCall | None, actual: CallKey | None,
                 message: str) -> Divergence:
        return self.diverge(Divergence(
            message, shard=expected.shard if expected else None,
            seq=expected.seq if expected else None,
            expected=key_of(expected).show() if expected else None,
            actual=actual.show() if actual else None))
