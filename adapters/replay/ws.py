"""Recorded WebSocket connections served to the venue's stream code, in recorded order.

Each connection the engine opens to a path takes the next recorded session of that path
(`connecting` ... up to the next `connecting`): a session the recording never connected fails
to connect with its recorded reason; otherwise every frame the engine sends must equal the
session's next recorded `ws_out` (login credentials, timestamps and signatures aside), and
the engine reads the session's `ws_in` frames one by one, each when the clock reaches the
moment it was read and once the engine has made every REST call and sent every frame that
came before it in the chain, so pushes and the engine's own calls interleave as recorded. A
session that ended in a `disconnected` record the engine did not cause ends there with a
lost connection; otherwise it stays open until the engine closes it.
"""

import heapq
import json
from collections import deque
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import attrs

from adapters.replay.clock import ReplayClock
from adapters.replay.keys import ListenKeyStandIns
from adapters.replay.matching import Divergence, Matcher
from adapters.replay.recording import RecordedFrame

# credentials and stamps of a login, masked or different on every send
IGNORED_WS_FIELDS = frozenset({"apiKey", "passphrase", "timestamp", "sign", "signature"})


def canonical_frame(frame: Any) -> Any:
    if isinstance(frame, dict):
        return {k: canonical_frame(v) for k, v in sorted(frame.items())
                if k not in IGNORED_WS_FIELDS}
    if isinstance(frame, list):
        return [canonical_frame(v) for v in frame]
    return frame


def _show(frame: Any) -> str:
    return frame if isinstance(frame, str) else json.dumps(frame, sort_keys=True)


@attrs.define
class _Session:
    path: str
    connected: bool = False
    failure: str = ""
    self_closed: bool = False
    outs: deque[RecordedFrame] = attrs.Factory(deque)
    ins: deque[RecordedFrame] = attrs.Factory(deque)
    lost: RecordedFrame | None = None


def _sessions(frames: Iterable[RecordedFrame]) -> dict[str, deque[_Session]]:
    found: dict[str, deque[_Session]] = {}
    current: dict[str, _Session] = {}
    for frame in frames:
        if frame.kind == "ws_state" and frame.state == "connecting":
            current[frame.path] = _Session(frame.path)
            found.setdefault(frame.path, deque()).append(current[frame.path])
            continue
        session = current.get(frame.path)
        if session is None:
            continue  # not about one connection (a start timeout of the whole set)
        if frame.kind == "ws_out":
            session.outs.append(frame)
        elif frame.kind == "ws_in":
            session.ins.append(frame)
        elif frame.state == "connected":
            session.connected = True
        elif frame.state == "pong_timeout":
            session.self_closed = True  # the engine closed it: nothing to replay
        elif frame.state == "disconnected" and session.lost is None:
            if not session.connected:
                session.failure = frame.detail or "connection refused"
            elif not session.self_closed:
                session.lost = frame
    return found


class WsReplay:
    def __init__(self, frames: tuple[RecordedFrame, ...], matcher: Matcher,
                 clock: ReplayClock, keys: ListenKeyStandIns | None = None) -> None:
        self._sessions = _sessions(frames)
        self._matcher = matcher
        self._clock = clock
        # listen keys handed out by the REST replay: compared as their recorded fingerprints
        self.keys = keys if keys is not None else ListenKeyStandIns()
        self._outs = [f.seq for f in frames if f.kind == "ws_out"]
        heapq.heapify(self._outs)
        self._sent: set[int] = set()
        self.connections = 0
        self.read = 0  # frames the engine read

    @property
    def sent(self) -> int:
        return len(self._sent)

    def connect(self, url: str, **_: Any) -> "_Connecting":
        """Stands in for websockets' connect(): `async with connect(url) as ws`."""
        return _Connecting(self, self.keys.as_recorded(urlsplit(url).path or url))

    def gate_open(self, seq: int) -> bool:
        """Has the engine made every REST call and sent every frame chained before seq?"""
        while self._outs and self._outs[0] in self._sent:
            heapq.heappop(self._outs)
        rest = self._matcher.first_pending_seq()
        return (rest is None or rest > seq) and (not self._outs or self._outs[0] > seq)

    def first_unsent_seq(self) -> int | None:
        self.gate_open(-1)
        return self._outs[0] if self._outs else None

    def finish(self) -> Divergence | None:
        """A recorded frame the engine never sent is a divergence (as a call never made)."""
        if self._matcher.divergence is None and self.first_unsent_seq() is not None:
            seq = self._outs[0]
            frame = next(f for s in self._sessions.values() for session in s
                         for f in session.outs if f.seq == seq)
            self._diverge(frame, None, f"replay diverged at {frame.where()}: the recording "
                                       f"sends {_show(frame.frame)} on {frame.path}; the "
                                       "engine never did")
        return self._matcher.divergence

    def stalled(self) -> Divergence:
        """Every task waits and nothing recorded is due: name what the recording has next."""
        waiting = sorted((s.ins[0] for q in self._sessions.values() for s in q if s.ins),
                         key=lambda f: f.seq)
        nxt = self._matcher.first_pending_seq()
        what = (f"the next recorded WS frame is {waiting[0].where()} on {waiting[0].path}"
                if waiting else "the recording has nothing more for it")
        if nxt is not None:
            what += f"; the next recorded REST call is seq {nxt}"
        return self._matcher.diverge(Divergence(
            f"replay diverged: the engine waits for something the recording does not have "
            f"({what})"))

    def _diverge(self, expected: RecordedFrame | None, actual: Any, message: str) -> Divergence:
        return self._matcher.diverge(Divergence(
            message, shard=expected.shard if expected else None,
            seq=expected.seq if expected else None,
            expected=_show(expected.frame) if expected else None,
            actual=None if actual is None else _show(actual)))

    def _open(self, path: str) -> "ReplayConnection":
        if self._matcher.divergence is not None:
            raise self._matcher.divergence
        queue = self._sessions.get(path)
        if not queue:
            raise self._diverge(None, None, f"replay diverged: the engine opens a connection "
                                            f"to {path} that the recording does not have")
        session = queue.popleft()
        if not session.connected:
            raise OSError(f"replayed connection failure: {session.failure}")
        self.connections += 1
        return ReplayConnection(self, session)


@attrs.define
class _Connecting:
    replay: WsReplay
    path: str
    connection: "ReplayConnection | None" = None

    async def __aenter__(self) -> "ReplayConnection":
        self.connection = self.replay._open(self.path)
        return self.connection

    async def __aexit__(self, *exc: object) -> None:
        if self.connection is not None:
            await self.connection.close()


class ReplayConnection:
    """What OkxStream uses of a websockets ClientConnection: send, async iteration, close."""

    def __init__(self, replay: WsReplay, session: _Session) -> None:
        self._replay = replay
        self._session = session
        self._closed = False
        self._reading: Any = None
        self.close_code: int | None = None
        self.close_reason = ""

    async def send(self, text: str | bytes) -> None:
        replay = self._replay
        if replay._matcher.divergence is not None:
            raise replay._matcher.divergence
        raw = text.decode() if isinstance(text, bytes) else text
        try:
            actual: Any = json.loads(raw)
        except ValueError:
            actual = raw
        actual = replay.keys.as_recorded(actual)
        outs = self._session.outs
        expected = outs[0] if outs else None
        if expected is None or canonical_frame(expected.frame) != canonical_frame(actual):
            where = expected.where() if expected else f"the end of {self._session.path}"
            has = f"sends {_show(expected.frame)}" if expected else "sends nothing more"
            raise replay._diverge(expected, actual, (
                f"replay diverged at {where}: the recording {has} on {self._session.path}; "
                f"the engine sent {_show(actual)}"))
        outs.popleft()
        replay._sent.add(expected.seq)
        replay._clock.at_least(expected.wall_ms, expected.mono_s)

    def __aiter__(self) -> "ReplayConnection":
        return self

    async def __anext__(self) -> str:
        import asyncio

        session, replay = self._session, self._replay
        if self._closed:
            raise StopAsyncIteration
        due = session.ins[0] if session.ins else session.lost
        if due is None:  # nothing more recorded here: open until the engine closes it
            wait = replay._clock.wait_until(float("inf"), gate=lambda: False)
        else:
            wait = replay._clock.wait_until(due.mono_s, due.wall_ms,
                                            gate=lambda: replay.gate_open(due.seq))
        inner = asyncio.ensure_future(wait)
        self._reading = inner
        try:
            await asyncio.wait({inner})
        finally:
            if not inner.done():
                inner.cancel()
            self._reading = None
        if self._closed:
            raise StopAsyncIteration
        inner.result()  # a stalled replay's divergence
        if due is None or due is session.lost:
            self._closed = True
            self.close_code = 1006
            raise ConnectionResetError("replayed: the recorded connection was lost here")
        session.ins.popleft()
        replay.read += 1
        return _show(due.frame)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if not self._closed:
            self._closed = True
            self.close_code, self.close_reason = code, reason
        if self._reading is not None and not self._reading.done():
            self._reading.cancel()
